// Package engine is the composition root: it turns validated configuration into a running engine
// (HTTP servers, the controller-runtime manager with leader election, platform discovery, the
// permission self-check, dependency health) and shuts it down in order. It holds no domain logic.
//
// The HTTP listeners come first, before anything that may wait on the network, so /health answers
// within milliseconds of process start even when the Kubernetes API is unreachable.
package engine
