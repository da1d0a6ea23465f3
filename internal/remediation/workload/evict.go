package workload

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/managedby"
)

// planEvict evicts owner.Target, which must be a Pod, through the Eviction API; the Change
// names the pod with its UID, so a replacement with the same name is never evicted by it.
func (s *Strategy) planEvict(ctx context.Context, owner managedby.Resolution) (v1alpha1.Change, error) {
	t := owner.Target
	if t.Kind != "Pod" {
		return v1alpha1.Change{}, action.Refuse(ReasonUnsupportedTarget, false, "only a Pod can be evicted, not %s", t)
	}
	var pod corev1.Pod
	if err := s.reader.Get(ctx, client.ObjectKey{Namespace: t.Namespace, Name: t.Name}, &pod); err != nil {
		return v1alpha1.Change{}, fmt.Errorf("get %s: %w", t, err)
	}
	ref := refOf("v1", "Pod", &pod)
	who := "a bare pod: nothing recreates it"
	if w := owner.Workload; w.Kind != "Pod" && w.Name != "" {
		who = "its " + w.String() + " recreates it"
	}
	return v1alpha1.Change{
		Object:    ref,
		Operation: v1alpha1.OperationEvict,
		Diff:      fmt.Sprintf("pod %s (uid %s, node %s): present → evicted", pod.Name, pod.UID, pod.Spec.NodeName),
		Summary:   fmt.Sprintf("evict %s from node %s (%s), within its PodDisruptionBudgets", describe(ref), pod.Spec.NodeName, who),
	}, nil
}
