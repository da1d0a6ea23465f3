package coordination

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/incident"
	"selfhealing.dev/coordination-engine/internal/workflow"
)

// Step statuses of a coordination workflow.
const (
	stepPending          = "pending"
	stepRunning          = "running"
	stepAwaitingApproval = "awaiting_approval"
	stepCompleted        = "completed"
	stepFailed           = "failed"
	stepSkipped          = "skipped"
)

// Checkpoint statuses.
const (
	checkpointPending = "pending"
	checkpointPassed  = "passed"
	checkpointFailed  = "failed"
	checkpointSkipped = "skipped"
)

// Step actions: a child workflow remediates the item, or the coordinator checks it.
const (
	actionRemediate = "remediate"
	actionCheck     = "check"
)

// orderedPlan is the plan sorted by layer, in plan order within a layer: step i carries out
// item i. The Planner writes plans in this order already; a plan written by hand may not be.
func orderedPlan(wf *v1alpha1.RemediationWorkflow) []v1alpha1.PlanItem {
	items := slices.Clone(wf.Spec.Plan)
	slices.SortStableFunc(items, func(a, b v1alpha1.PlanItem) int { return cmp.Compare(layerRank(a.Layer), layerRank(b.Layer)) })
	return items
}

// lay writes the workflow's layers, one pending step per plan item and one pending checkpoint
// per layer after its last step, moves the workflow to running and starts the incident.
func (c *Controller) lay(ctx context.Context, wf *v1alpha1.RemediationWorkflow) error {
	items := orderedPlan(wf)
	var layers []string
	var steps []v1alpha1.Step
	for i, it := range items {
		if len(layers) == 0 || layers[len(layers)-1] != it.Layer {
			layers = append(layers, it.Layer)
		}
		target := it.Target
		steps = append(steps, v1alpha1.Step{Order: int32(i + 1), Layer: it.Layer, Action: actionOf(it),
			Description: describe(it), Status: stepPending, Target: &target})
	}
	var checkpoints []v1alpha1.Checkpoint
	for _, layer := range layers {
		last := int32(0)
		for _, s := range steps {
			if s.Layer == layer {
				last = s.Order
			}
		}
		checkpoints = append(checkpoints, v1alpha1.Checkpoint{Layer: layer, AfterStep: last, Status: checkpointPending})
	}
	if _, err := c.Incidents.Start(ctx, wf.Spec.IncidentRef); err != nil && !incidentGone(err) {
		return fmt.Errorf("start incident %s: %w", wf.Spec.IncidentRef, err)
	}
	now := metav1.NewTime(c.now().UTC())
	return c.update(ctx, wf, func(w *v1alpha1.RemediationWorkflow) {
		w.Status.Phase = v1alpha1.WorkflowRunning
		w.Status.StartedAt = &now
		w.Status.Layers, w.Status.Steps, w.Status.Checkpoints = layers, steps, checkpoints
		workflow.SetCondition(w, v1alpha1.ConditionExecuted, metav1.ConditionFalse, v1alpha1.ReasonRecorded,
			fmt.Sprintf("coordinating %d step(s) across %d layer(s)", len(steps), len(layers)))
	})
}

func actionOf(it v1alpha1.PlanItem) string {
	if isCheck(it.Target.Kind) {
		return actionCheck
	}
	return actionRemediate
}

// describe says what a step does.
func describe(it v1alpha1.PlanItem) string {
	switch it.Target.Kind {
	case "ClusterOperator":
		return fmt.Sprintf("wait until ClusterOperator %s is available and no longer degraded (%s)", it.Target.Name, it.Issue.Type)
	case "MachineConfigPool":
		return fmt.Sprintf("wait until MachineConfigPool %s has settled and is no longer degraded (%s)", it.Target.Name, it.Issue.Type)
	}
	return fmt.Sprintf("remediate %s on %s", it.Issue.Type, it.Target)
}

// incidentGone says the workflow's incident no longer exists: nobody is left to resolve or
// escalate it to, which does not stop the workflow.
func incidentGone(err error) bool { return errors.Is(err, incident.ErrNotFound) }
