// Package health keeps the state of the engine's dependencies (Kubernetes, ML service, KServe,
// Argo CD, Prometheus) and answers the probes. Results are cached for a short time and concurrent
// refreshes of one dependency are coalesced, so a storm of probes costs each dependency at most one
// call per cache period; /health reads only the cache and never waits on a dependency.
package health
