// Package operator is the strategy for operator-managed workloads: it changes the custom
// resource that owns the workload — a configured field per kind and action, or a
// reconcile-trigger annotation — and lets the operator reconcile. It never patches the
// operator's children, which the operator would put back.
package operator
