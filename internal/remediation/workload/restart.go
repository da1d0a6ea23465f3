package workload

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/managedby"
)

// RestartedAtAnnotation is the pod-template annotation `kubectl rollout restart` sets.
const RestartedAtAnnotation = "kubectl.kubernetes.io/restartedAt"

// PlanRestart sets the restartedAt annotation to the time of planning, which rolls every pod.
// Strategies whose owners keep that annotation (Helm releases) use it too.
func (s *Strategy) PlanRestart(ctx context.Context, w managedby.Object) (v1alpha1.Change, error) {
	obj, err := s.getWorkload(ctx, w)
	if err != nil {
		return v1alpha1.Change{}, err
	}
	if err := refusePaused(obj, "restart"); err != nil {
		return v1alpha1.Change{}, err
	}
	return restartChange(obj, s.clock())
}

// restartChange is the merge patch that restarts obj's pods at the fixed time at.
func restartChange(obj client.Object, at time.Time) (v1alpha1.Change, error) {
	ref := workloadRef(obj)
	stamp := at.UTC().Format(time.RFC3339)
	patch, err := marshalPatch(withUID(ref.UID, map[string]any{
		"spec": map[string]any{"template": map[string]any{"metadata": map[string]any{
			"annotations": map[string]any{RestartedAtAnnotation: stamp},
		}}},
	}))
	if err != nil {
		return v1alpha1.Change{}, err
	}
	before := "<none>"
	if v, ok := podTemplate(obj).Annotations[RestartedAtAnnotation]; ok {
		before = fmt.Sprintf("%q", v)
	}
	return v1alpha1.Change{
		Object:    ref,
		Operation: v1alpha1.OperationPatch,
		PatchType: mergePatch,
		Patch:     patch,
		Diff:      fmt.Sprintf("spec.template.metadata.annotations[%q]: %s → %q", RestartedAtAnnotation, before, stamp),
		Summary:   fmt.Sprintf("restart %s (%d pods) as of %s", describe(ref), replicasOf(obj), stamp),
	}, nil
}

// refusePaused refuses a restart or rollback of a paused Deployment, which would not roll out
// (kubectl refuses both too).
func refusePaused(obj client.Object, verb string) error {
	if d, ok := obj.(*appsv1.Deployment); ok && d.Spec.Paused {
		return action.Refuse(ReasonWorkloadPaused, false,
			"Deployment %s/%s is paused: a %s would not roll out; resume it first", d.Namespace, d.Name, verb)
	}
	return nil
}
