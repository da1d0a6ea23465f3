package node

import (
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
)

// CordonedByAnnotation names the workflow that cordoned a node. The engine uncordons only the
// nodes it cordoned, which carry it.
const CordonedByAnnotation = "selfhealing.dev/cordoned-by"

const mergePatch = string(types.MergePatchType)

// cordon is the planned cordon of one node.
type cordon struct {
	change v1alpha1.Change
	// foreign says someone else cordoned the node: the change patches nothing new and has no
	// undo.
	foreign bool
}

// planCordon computes the merge patch that cordons n for workflow and the one that undoes it
// (both names n's UID, so they never land on a node registered again under the same name). A
// node already unschedulable without CordonedByAnnotation was cordoned by someone else: the
// patch sets nothing new and the undo is empty.
func planCordon(n *corev1.Node, workflow string) (cordon, error) {
	uid := string(n.UID)
	ref := v1alpha1.ObjectRef{APIVersion: "v1", Kind: "Node", Name: n.Name, UID: uid}
	by, ours := n.Annotations[CordonedByAnnotation]
	c := cordon{change: v1alpha1.Change{Object: ref, Operation: v1alpha1.OperationPatch, PatchType: mergePatch}}
	if n.Spec.Unschedulable && !ours {
		patch, err := marshal(map[string]any{"metadata": map[string]any{"uid": uid}, "spec": map[string]any{"unschedulable": true}})
		if err != nil {
			return cordon{}, err
		}
		c.foreign = true
		c.change.Patch = patch
		c.change.Diff = "spec.unschedulable: true → true (cordoned by someone else: the engine never uncordons it)"
		c.change.Summary = fmt.Sprintf("leave node %s cordoned: %s", n.Name, foreignNote)
		return c, nil
	}
	patch, err := marshal(map[string]any{
		"metadata": map[string]any{"uid": uid, "annotations": map[string]any{CordonedByAnnotation: workflow}},
		"spec":     map[string]any{"unschedulable": true},
	})
	if err != nil {
		return cordon{}, err
	}
	undo, err := marshal(map[string]any{
		"metadata": map[string]any{"uid": uid, "annotations": map[string]any{CordonedByAnnotation: nil}},
		"spec":     map[string]any{"unschedulable": nil},
	})
	if err != nil {
		return cordon{}, err
	}
	before := "<none>"
	if ours {
		before = by
	}
	c.change.Patch, c.change.Undo = patch, undo
	// The cordon only holds the node while it recovers: the executor uncordons it once the
	// node has been healthy for the verification window.
	c.change.RevertAfterRecovery = true
	c.change.Diff = fmt.Sprintf("spec.unschedulable: %t → true\nmetadata.annotations[%q]: %s → %s", n.Spec.Unschedulable, CordonedByAnnotation, before, workflow)
	c.change.Summary = "cordon node " + n.Name
	if n.Spec.Unschedulable {
		c.change.Summary += fmt.Sprintf(" (already cordoned by the engine, workflow %s)", by)
	}
	return c, nil
}

// foreignNote says why a node someone else cordoned keeps its cordon.
const foreignNote = "someone else cordoned it, so the engine never uncordons it (no undo)"

// cordonPatch is the part of a cordon's merge patch that inEffect compares.
type cordonPatch struct {
	Metadata struct {
		UID         string            `json:"uid"`
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata"`
	Spec struct {
		Unschedulable bool `json:"unschedulable"`
	} `json:"spec"`
}

// inEffect says whether n already is as change's patch makes it (the same incarnation,
// unschedulable, the annotations set), so that applying the change again writes nothing and
// records no second action. A patch it cannot read is not in effect: the API server judges it.
func inEffect(n *corev1.Node, change v1alpha1.Change) bool {
	var p cordonPatch
	if err := json.Unmarshal([]byte(change.Patch), &p); err != nil {
		return false
	}
	if !p.Spec.Unschedulable || !n.Spec.Unschedulable || (p.Metadata.UID != "" && p.Metadata.UID != string(n.UID)) {
		return false
	}
	for k, v := range p.Metadata.Annotations {
		if got, ok := n.Annotations[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// marshal renders a patch.
func marshal(patch map[string]any) (string, error) {
	data, err := json.Marshal(patch)
	if err != nil {
		return "", fmt.Errorf("render patch: %w", err)
	}
	return string(data), nil
}
