package workload

import (
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/types"
)

// Patch media types of the Changes this strategy records.
const (
	mergePatch     = string(types.MergePatchType)
	strategicPatch = string(types.StrategicMergePatchType)
)

// withUID adds metadata.uid to a merge or strategic-merge patch: on another incarnation of the
// object (deleted and created again under the same name) the API server refuses the patch with
// 422 Invalid, metadata.uid being immutable.
func withUID(uid string, patch map[string]any) map[string]any {
	patch["metadata"] = map[string]any{"uid": uid}
	return patch
}

// patchPair renders the patch that makes a change and the patch that reverts it, both built by
// body from the new and the old value.
func patchPair[T any](body func(T) map[string]any, next, current T) (patch, undo string, err error) {
	if patch, err = marshalPatch(body(next)); err != nil {
		return "", "", err
	}
	if undo, err = marshalPatch(body(current)); err != nil {
		return "", "", err
	}
	return patch, undo, nil
}

// marshalPatch renders a patch.
func marshalPatch(patch map[string]any) (string, error) {
	data, err := json.Marshal(patch)
	if err != nil {
		return "", fmt.Errorf("render patch: %w", err)
	}
	return string(data), nil
}
