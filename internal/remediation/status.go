package remediation

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/workflow"
)

// update writes the workflow's status through workflow.UpdateStatus.
func (e *Executor) update(ctx context.Context, wf *v1alpha1.RemediationWorkflow, fn func(*v1alpha1.RemediationWorkflow)) error {
	return workflow.UpdateStatus(ctx, e.Client, e.APIReader, wf, fn)
}

// finish moves the workflow to a final phase with the reason on the Executed condition.
func (e *Executor) finish(wf *v1alpha1.RemediationWorkflow, phase v1alpha1.WorkflowPhase, reason, message string) func(*v1alpha1.RemediationWorkflow) {
	return func(w *v1alpha1.RemediationWorkflow) {
		now := metav1.NewTime(e.now().UTC())
		w.Status.Phase = phase
		w.Status.CompletedAt = &now
		if phase == v1alpha1.WorkflowFailed || phase == v1alpha1.WorkflowCancelled {
			w.Status.Error = message
		}
		status := metav1.ConditionFalse
		if phase == v1alpha1.WorkflowCompleted && reason != v1alpha1.ReasonDryRun && reason != reasonNoExecution {
			status = metav1.ConditionTrue
		}
		if reason == v1alpha1.ReasonRecovered || reason == v1alpha1.ReasonNotRecovered || reason == v1alpha1.ReasonUndone || reason == v1alpha1.ReasonReverted {
			workflow.SetCondition(w, v1alpha1.ConditionVerified, status, reason, message)
			return
		}
		workflow.SetCondition(w, v1alpha1.ConditionExecuted, status, reason, message)
	}
}
