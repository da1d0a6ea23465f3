// Package node is the infrastructure-layer strategy: it cordons nodes and drains them (cordon,
// then evict their pods through the Eviction API), through the guardrail's Writer.
//
// Plan reads the node (and, for a drain, its pods) and computes the Change without changing
// anything: a merge patch that sets spec.unschedulable and the annotation
// selfhealing.dev/cordoned-by (the workflow's name), and the patch that removes both. A node that
// is already unschedulable without that annotation was cordoned by someone else: its Change
// patches nothing new and has no undo, so the engine never uncordons a node a person cordoned.
//
// Apply makes the cordon (once: a node already in the planned state is not written again) and,
// for a drain, evicts the node's pods one eviction per pod, each named with its UID, so that
// PodDisruptionBudgets hold. DaemonSet pods, static (mirror) pods, pods already terminating and
// finished pods stay. A pod whose budget allows no disruption now is not tried; when pods remain
// (a budget, the API server's 429, or Options.MaxEvictionsPerApply reached) Apply returns a
// retryable *action.Refusal (DrainBlocked) and the executor applies the same Change again later,
// which evicts only what is left.
//
// Follow reports a drain done once no evictable pod is left on the node, and a change reverted
// when someone uncordoned the node. NodeHealth is what the verifier checks afterwards: Ready and
// no pressure condition.
package node
