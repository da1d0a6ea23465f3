package helm

import (
	"encoding/json"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/managedby"
)

// restartAnnotation is the pod-template annotation `kubectl rollout restart` sets.
const restartAnnotation = "kubectl.kubernetes.io/restartedAt"

// planRestart restarts the workload's pods the way `kubectl rollout restart` does: a merge patch
// of its pod template's restartedAt annotation, at a time fixed now. A restart is no release
// change (the same chart and values render the same manifests), and Helm keeps a field its
// manifests never set across later upgrades and rollbacks (its three-way merge leaves it alone,
// and so does server-side apply, where it belongs to another field manager), so the release
// does not fight it. It cannot be undone.
func planRestart(owner managedby.Resolution, release string, at time.Time) (v1alpha1.Change, error) {
	w := owner.Workload
	switch w.Kind {
	case "Deployment", "StatefulSet", "DaemonSet":
	default:
		return v1alpha1.Change{}, fmt.Errorf("restart %s: %w", w, ErrNotRestartable)
	}
	stamp := at.UTC().Format(time.RFC3339)
	patch, err := json.Marshal(map[string]any{"spec": map[string]any{"template": map[string]any{
		"metadata": map[string]any{"annotations": map[string]any{restartAnnotation: stamp}}}}})
	if err != nil {
		return v1alpha1.Change{}, err
	}
	return v1alpha1.Change{
		Strategy:  Name,
		Object:    v1alpha1.ObjectRef{APIVersion: w.APIVersion, Kind: w.Kind, Namespace: w.Namespace, Name: w.Name},
		Operation: v1alpha1.OperationPatch,
		PatchType: string(types.MergePatchType),
		Patch:     string(patch),
		Diff:      fmt.Sprintf("spec.template.metadata.annotations[%s]: → %s", restartAnnotation, stamp),
		Summary:   fmt.Sprintf("restart the pods of %s (Helm release %s keeps the restart annotation across upgrades)", w, release),
	}, nil
}
