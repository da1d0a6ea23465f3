package remediation

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
)

// errFinished means the workflow reached a final phase elsewhere (a client cancelled it) while
// the executor was working on it; the executor stops.
var errFinished = errors.New("workflow finished meanwhile")

// update applies fn to the workflow and writes its status. On a conflict it reads the workflow
// fresh and applies fn again, so fn must only set fields. It returns errFinished, leaving wf as
// found, when the workflow was finished meanwhile.
func (e *Executor) update(ctx context.Context, wf *v1alpha1.RemediationWorkflow, fn func(*v1alpha1.RemediationWorkflow)) error {
	cur := wf.DeepCopy()
	for attempt := 0; ; attempt++ {
		fn(cur)
		cur.Status.ObservedGeneration = cur.Generation
		err := e.Client.Status().Update(ctx, cur)
		if err == nil {
			*wf = *cur
			return nil
		}
		if !apierrors.IsConflict(err) || attempt >= 5 {
			return fmt.Errorf("update workflow %s status: %w", wf.Name, err)
		}
		fresh := &v1alpha1.RemediationWorkflow{}
		if err := e.APIReader.Get(ctx, client.ObjectKeyFromObject(wf), fresh); err != nil {
			return fmt.Errorf("re-read workflow %s: %w", wf.Name, err)
		}
		if fresh.Phase().Finished() {
			*wf = *fresh
			return errFinished
		}
		cur = fresh
	}
}

// setCondition sets a condition at the workflow's generation.
func setCondition(wf *v1alpha1.RemediationWorkflow, typ string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(&wf.Status.Conditions, metav1.Condition{Type: typ, Status: status, Reason: reason,
		Message: truncate(message, 32768), ObservedGeneration: wf.Generation})
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
			setCondition(w, v1alpha1.ConditionVerified, status, reason, message)
			return
		}
		setCondition(w, v1alpha1.ConditionExecuted, status, reason, message)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
