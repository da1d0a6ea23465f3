// Package workload is the direct strategy: it restarts, rolls back, resizes, scales and evicts
// built-in workloads (Deployments, StatefulSets, DaemonSets and their Pods) that nothing else
// manages, by patching them through the guardrail's Writer.
//
// Plan reads the cluster and computes the exact Change (patch, undo patch, diff, summary)
// without changing anything; Apply and Undo hand that Change to the Writer. Every Change is
// idempotent so that the executor can re-apply a recorded one after a restart:
//
//   - restart sets the pod template's kubectl.kubernetes.io/restartedAt annotation to a time
//     fixed at Plan time, as `kubectl rollout restart` does; applying it again restarts nothing;
//   - rollback replaces the pod template with the chosen revision's (a ReplicaSet's template
//     without its pod-template-hash label, or a ControllerRevision's data), as
//     `kubectl rollout undo` does; its undo puts back the template that was live at Plan time;
//   - set_memory_limit sets one container's memory limit to a fixed value, within the Options
//     ceiling, the namespace's LimitRanges and its ResourceQuotas;
//   - scale sets spec.replicas, or a HorizontalPodAutoscaler's bounds when one targets the
//     workload, to fixed values;
//   - evict evicts one Pod, named with its UID, through the Eviction API, so that
//     PodDisruptionBudgets hold; a Pod already gone counts as evicted.
//
// Patches carry the object's UID (metadata.uid), so a change recorded for one incarnation of a
// workload never lands on a namesake created later.
//
// The strategy refuses (an *action.Refusal) every target that is not deployed by hand: Argo CD
// and Flux objects are never patched live, Helm releases are changed through Helm, operators'
// children through their custom resource, and an unknown method fails closed.
package workload
