package coordination

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/workflow"
)

// fail escalates the incident, then finishes the workflow as failed: steps that have not run
// are skipped, so are the checkpoints of later layers, and the condition typ says why.
func (c *Controller) fail(ctx context.Context, wf, next *v1alpha1.RemediationWorkflow, typ, reason, message string) (ctrl.Result, error) {
	skipped := 0
	for i := range next.Status.Steps {
		if s := &next.Status.Steps[i]; !stepDone(s.Status) {
			s.Status = stepSkipped
			skipped++
		}
	}
	for i := range next.Status.Checkpoints {
		if cp := &next.Status.Checkpoints[i]; cp.Status == checkpointPending {
			cp.Status = checkpointSkipped
		}
	}
	if skipped > 0 {
		message += fmt.Sprintf("; %d later step(s) skipped", skipped)
	}
	if err := c.escalate(ctx, wf, message); err != nil {
		return ctrl.Result{}, err
	}
	now := metav1.NewTime(c.now().UTC())
	next.Status.Phase, next.Status.CompletedAt, next.Status.Error = v1alpha1.WorkflowFailed, &now, message
	workflow.SetCondition(next, typ, metav1.ConditionFalse, reason, message)
	if typ != v1alpha1.ConditionExecuted {
		workflow.SetCondition(next, v1alpha1.ConditionExecuted, metav1.ConditionFalse, v1alpha1.ReasonEscalated, message)
	}
	if _, err := c.save(ctx, wf, next, ctrl.Result{}); err != nil {
		return ctrl.Result{}, err
	}
	logr.FromContextOrDiscard(ctx).Info("Coordination failed; the incident is escalated", "why", message)
	return ctrl.Result{}, nil
}

// escalate hands the incident back to people. Children leave the incident to the coordinator,
// but a person may have resolved it while the coordination went on; then it is opened again
// first. An incident that is gone is not an error.
func (c *Controller) escalate(ctx context.Context, wf *v1alpha1.RemediationWorkflow, message string) error {
	id := wf.Spec.IncidentRef
	inc, err := c.Incidents.Escalate(ctx, id, string(wf.UID), v1alpha1.ReasonEscalated, message)
	if err != nil {
		if incidentGone(err) {
			return nil
		}
		return fmt.Errorf("escalate incident %s: %w", id, err)
	}
	if inc.Phase() != v1alpha1.IncidentCompleted {
		return nil
	}
	if _, err := c.Incidents.Reopen(ctx, id, "coordination workflow "+wf.Name+" failed after a step had resolved it: "+message); err != nil {
		return fmt.Errorf("reopen incident %s: %w", id, err)
	}
	if _, err := c.Incidents.Escalate(ctx, id, string(wf.UID), v1alpha1.ReasonEscalated, message); err != nil && !incidentGone(err) {
		return fmt.Errorf("escalate incident %s: %w", id, err)
	}
	return nil
}

// complete resolves the incident, then finishes the workflow as completed.
func (c *Controller) complete(ctx context.Context, wf, next *v1alpha1.RemediationWorkflow) (ctrl.Result, error) {
	msg := fmt.Sprintf("all %d step(s) completed and the checkpoints after %s passed", len(next.Status.Steps), strings.Join(next.Status.Layers, ", "))
	if _, err := c.Incidents.Resolve(ctx, wf.Spec.IncidentRef, "coordination workflow "+wf.Name+": "+msg); err != nil && !incidentGone(err) {
		return ctrl.Result{}, fmt.Errorf("resolve incident %s: %w", wf.Spec.IncidentRef, err)
	}
	now := metav1.NewTime(c.now().UTC())
	next.Status.Phase, next.Status.CompletedAt = v1alpha1.WorkflowCompleted, &now
	workflow.SetCondition(next, v1alpha1.ConditionExecuted, metav1.ConditionTrue, v1alpha1.ReasonApplied, msg)
	workflow.SetCondition(next, v1alpha1.ConditionVerified, metav1.ConditionTrue, v1alpha1.ReasonRecovered, msg)
	if _, err := c.save(ctx, wf, next, ctrl.Result{}); err != nil {
		return ctrl.Result{}, err
	}
	logr.FromContextOrDiscard(ctx).Info("Coordination completed")
	return ctrl.Result{}, nil
}
