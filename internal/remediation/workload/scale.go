package workload

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/managedby"
)

// nextReplicas is wanted (current+1 when 0), moved at most MaxScaleStep from current and kept
// within [MinReplicas, MaxReplicas]. It refuses AtMaxReplicas or NoChange when that is current.
func nextReplicas(current, wanted int32, o Options) (int32, error) {
	target := wanted
	if target == 0 {
		target = current + 1
	}
	target = min(max(target, current-o.MaxScaleStep, o.MinReplicas), current+o.MaxScaleStep, o.MaxReplicas)
	if target == current {
		if target >= o.MaxReplicas && (wanted == 0 || wanted > current) {
			return 0, action.Refuse(ReasonAtMaxReplicas, false, "%d replicas is already the maximum %d", current, o.MaxReplicas)
		}
		return 0, action.Refuse(ReasonNoChange, false, "already at %d replicas", current)
	}
	return target, nil
}

// nextHPABounds raises a HorizontalPodAutoscaler's maxReplicas to wanted (one more when 0),
// within MaxScaleStep and MaxReplicas, and its minReplicas to wanted when wanted is above it. It
// never lowers either bound.
func nextHPABounds(minR, maxR, wanted int32, o Options) (int32, int32, error) {
	newMax := maxR
	switch {
	case wanted == 0:
		newMax = maxR + 1
	case wanted > maxR:
		newMax = wanted
	}
	newMax = max(min(newMax, maxR+o.MaxScaleStep, o.MaxReplicas), maxR)
	newMin := minR
	if wanted > minR {
		newMin = min(wanted, newMax)
	}
	if newMax == maxR && newMin == minR {
		if maxR >= o.MaxReplicas {
			return 0, 0, action.Refuse(ReasonAtMaxReplicas, false,
				"the HorizontalPodAutoscaler's maxReplicas %d is already the maximum %d", maxR, o.MaxReplicas)
		}
		return 0, 0, action.Refuse(ReasonNoChange, false,
			"the HorizontalPodAutoscaler already allows %d..%d replicas", minR, maxR)
	}
	return newMin, newMax, nil
}

// planScale changes the HorizontalPodAutoscaler that targets the workload, else its replicas.
func (s *Strategy) planScale(ctx context.Context, w managedby.Object, wanted int32) (v1alpha1.Change, error) {
	obj, err := s.getWorkload(ctx, w)
	if err != nil {
		return v1alpha1.Change{}, err
	}
	if _, ok := obj.(*appsv1.DaemonSet); ok {
		return v1alpha1.Change{}, action.Refuse(ReasonUnsupportedTarget, false, "%s runs one pod per node and cannot be scaled", w)
	}
	hpa, err := s.autoscalerFor(ctx, obj)
	if err != nil {
		return v1alpha1.Change{}, err
	}
	if hpa != nil {
		return s.hpaChange(hpa, obj, wanted)
	}
	current := replicasOf(obj)
	next, err := nextReplicas(current, wanted, s.opts)
	if err != nil {
		return v1alpha1.Change{}, err
	}
	ref := workloadRef(obj)
	body := func(n int32) map[string]any {
		return withUID(ref.UID, map[string]any{"spec": map[string]any{"replicas": n}})
	}
	patch, undo, err := patchPair(body, next, current)
	if err != nil {
		return v1alpha1.Change{}, err
	}
	return v1alpha1.Change{
		Object:    ref,
		Operation: v1alpha1.OperationPatch,
		PatchType: mergePatch,
		Patch:     patch,
		Undo:      undo,
		Diff:      fmt.Sprintf("spec.replicas: %d → %d", current, next),
		Summary:   fmt.Sprintf("scale %s from %d to %d replicas", describe(ref), current, next),
	}, nil
}

// hpaChange raises hpa's bounds; the undo restores them.
func (s *Strategy) hpaChange(hpa *autoscalingv2.HorizontalPodAutoscaler, obj client.Object, wanted int32) (v1alpha1.Change, error) {
	minR := int32(1)
	if hpa.Spec.MinReplicas != nil {
		minR = *hpa.Spec.MinReplicas
	}
	maxR := hpa.Spec.MaxReplicas
	newMin, newMax, err := nextHPABounds(minR, maxR, wanted, s.opts)
	if err != nil {
		return v1alpha1.Change{}, err
	}
	ref := refOf("autoscaling/v2", "HorizontalPodAutoscaler", hpa)
	body := func(b [2]int32) map[string]any {
		return withUID(ref.UID, map[string]any{"spec": map[string]any{"minReplicas": b[0], "maxReplicas": b[1]}})
	}
	patch, undo, err := patchPair(body, [2]int32{newMin, newMax}, [2]int32{minR, maxR})
	if err != nil {
		return v1alpha1.Change{}, err
	}
	diff := fmt.Sprintf("spec.maxReplicas: %d → %d", maxR, newMax)
	if newMin != minR {
		diff = fmt.Sprintf("spec.maxReplicas: %d → %d\nspec.minReplicas: %d → %d", maxR, newMax, minR, newMin)
	}
	return v1alpha1.Change{
		Object:    ref,
		Operation: v1alpha1.OperationPatch,
		PatchType: mergePatch,
		Patch:     patch,
		Undo:      undo,
		Diff:      diff,
		Summary: fmt.Sprintf("let HorizontalPodAutoscaler %s/%s scale %s (%d replicas now) to %d..%d replicas (was %d..%d)",
			hpa.Namespace, hpa.Name, describe(workloadRef(obj)), hpa.Status.CurrentReplicas, newMin, newMax, minR, maxR),
	}, nil
}

// autoscalerFor returns the HorizontalPodAutoscaler whose scaleTargetRef is obj, or nil.
func (s *Strategy) autoscalerFor(ctx context.Context, obj client.Object) (*autoscalingv2.HorizontalPodAutoscaler, error) {
	var list autoscalingv2.HorizontalPodAutoscalerList
	if err := s.reader.List(ctx, &list, client.InNamespace(obj.GetNamespace())); err != nil {
		return nil, fmt.Errorf("list HorizontalPodAutoscalers in %s: %w", obj.GetNamespace(), err)
	}
	for i := range list.Items {
		ref := list.Items[i].Spec.ScaleTargetRef
		gv, err := schema.ParseGroupVersion(ref.APIVersion)
		if err == nil && gv.Group == appsv1.GroupName && ref.Kind == kindOf(obj) && ref.Name == obj.GetName() {
			return &list.Items[i], nil
		}
	}
	return nil, nil
}
