package workload

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/managedby"
)

// planRollback restores the revision chooseRevision picks, the way `kubectl rollout undo`
// does: a strategic-merge patch that replaces spec.template with the revision's template.
func (s *Strategy) planRollback(ctx context.Context, w managedby.Object) (v1alpha1.Change, error) {
	obj, err := s.getWorkload(ctx, w)
	if err != nil {
		return v1alpha1.Change{}, err
	}
	if err := refusePaused(obj, "rollback"); err != nil {
		return v1alpha1.Change{}, err
	}
	h, err := s.history(ctx, obj)
	if err != nil {
		return v1alpha1.Change{}, err
	}
	to, why, ok := chooseRevision(h.current, h.older)
	if !ok {
		return v1alpha1.Change{}, action.Refuse(ReasonNoPreviousRevision, false,
			"%s has no older revision to roll back to (current revision %d)", w, h.current.Number)
	}
	return rollbackChange(obj, h.current, to, why)
}

// rollbackChange replaces obj's template with to's and records the live template as the undo.
func rollbackChange(obj client.Object, current, to revision, why string) (v1alpha1.Change, error) {
	ref := workloadRef(obj)
	patch, err := revisionPatch(ref.UID, to)
	if err != nil {
		return v1alpha1.Change{}, err
	}
	undo, err := templatePatch(ref.UID, podTemplate(obj))
	if err != nil {
		return v1alpha1.Change{}, err
	}
	diff, err := fieldDiff("spec.template", podTemplate(obj), to.template)
	if err != nil {
		return v1alpha1.Change{}, err
	}
	return v1alpha1.Change{
		Object:    ref,
		Operation: v1alpha1.OperationPatch,
		PatchType: strategicPatch,
		Patch:     patch,
		Undo:      undo,
		Diff:      diff,
		Summary: fmt.Sprintf("roll back %s (%d pods) from revision %d to revision %d (%s), %s, images %s",
			describe(ref), replicasOf(obj), current.Number, to.Number, to.Name, why, strings.Join(to.Images, ",")),
	}, nil
}

// revisionPatch is the patch that restores to: a ControllerRevision's data as recorded (as
// kubectl applies it), or a ReplicaSet's template with its hash label dropped.
func revisionPatch(uid string, to revision) (string, error) {
	if to.data == nil {
		return templatePatch(uid, &to.template)
	}
	var p map[string]any
	if err := json.Unmarshal(to.data, &p); err != nil {
		return "", fmt.Errorf("decode revision %s: %w", to.Name, err)
	}
	return marshalPatch(withUID(uid, p))
}

// templatePatch replaces spec.template with t as a whole ($patch: replace).
func templatePatch(uid string, t *corev1.PodTemplateSpec) (string, error) {
	data, err := json.Marshal(t)
	if err != nil {
		return "", fmt.Errorf("render template: %w", err)
	}
	var tm map[string]any
	if err := json.Unmarshal(data, &tm); err != nil {
		return "", fmt.Errorf("render template: %w", err)
	}
	tm["$patch"] = "replace"
	return marshalPatch(withUID(uid, map[string]any{"spec": map[string]any{"template": tm}}))
}
