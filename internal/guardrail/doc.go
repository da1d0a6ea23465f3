// Package guardrail is the only path by which the engine changes the cluster. The Gate decides
// whether an action may go ahead (pause, protected namespaces, per-target lock, dedup, cooldown,
// budgets, blast radius, conflicts, approval), as an ordered chain of pure checks that fail
// closed; it hands out a Permit. The Writer makes a recorded Change only under a live Permit and
// emits one Event, one metric and one log line per action. Strategies get a reader and the
// Writer, never a writing client.
//
// The Gate's checks run in this order, the first refusal winning: paused, protected namespace,
// invalid policy, per-target lock, dedup, cooldown, namespace budget, cluster budget, blast
// radius, conflict resolution (with low confidence), approval (see chain in checks.go). Some
// choices the checks make:
//   - Budgets count actions applied within the sliding window plus those in flight, so that
//     concurrent admissions cannot overrun them; an action that ends NotApplied frees its slot.
//   - The lock makes an action of equal standing wait (TargetLocked, retryable); one of lower
//     standing loses the conflict (ConflictLost), one of higher standing preempts the holder.
//   - Two actions conflict on the same target, or when their classes pair (node_remediation
//     with resource_scaling, model_inference with alert_correlation) in one namespace; an
//     action on a cluster-scoped target (a node) pairs with actions in every namespace.
//   - A dry run is judged by every check but holds no lock, reserves no budget, preempts
//     nothing, counts no conflict and records nothing.
//   - The policy comes from one ConfigMap (see Policy for its format); an invalid one refuses
//     everything until fixed; the engine's own namespace is always protected.
package guardrail
