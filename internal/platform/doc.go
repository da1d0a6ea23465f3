// Package platform discovers, at run time, what the engine runs on: OpenShift (from the
// ClusterVersion named "version") or plain Kubernetes, their versions, whether the version is in
// the supported window, and which optional APIs the cluster serves (Argo CD, Flux, OLM,
// MachineConfigPools, ClusterOperators, KServe, medik8s). One binary serves every platform; the
// other packages ask this one instead of assuming.
package platform
