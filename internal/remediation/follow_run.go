package remediation

import (
	"context"

	"github.com/go-logr/logr"
	ctrl "sigs.k8s.io/controller-runtime"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/guardrail"
)

// follow asks the workflow's strategy, when it is a Follower, how far its owner rolled the change
// out. Other strategies' changes are in effect once applied (Done). A strategy that cannot tell
// now reports not done, with the error as a check: verification waits, up to VerifyTimeout.
func (e *Executor) follow(ctx context.Context, wf *v1alpha1.RemediationWorkflow) Progress {
	f, ok := e.strategyOf(wf).(Follower)
	if !ok {
		return Progress{Done: true}
	}
	p, err := f.Follow(ctx, *firstStep(wf).Change)
	if err != nil {
		logr.FromContextOrDiscard(ctx).Info("Cannot tell how far the change got", "err", err.Error())
		return Progress{Checks: append(p.Checks, "cannot follow the change: "+err.Error()+" (waiting)")}
	}
	return p
}

// proposed ends a workflow whose change waits for people's review (a branch pushed for review
// instead of the deployed one): nothing changed in the cluster, the incident goes to people
// with where the change is. The target cools down as after a change, so the same fix is not
// proposed again and again.
func (e *Executor) proposed(ctx context.Context, wf *v1alpha1.RemediationWorkflow, where string) (ctrl.Result, error) {
	msg := "proposed for review, not deployed: " + where
	if err := e.escalate(ctx, wf, v1alpha1.ReasonProposedForReview, msg); err != nil {
		return ctrl.Result{}, err
	}
	err := e.update(ctx, wf, func(w *v1alpha1.RemediationWorkflow) {
		w.Status.Checkpoints[0].Status = stepSkipped
		w.Status.Checkpoints[0].Checks = []string{msg}
		e.finish(w, v1alpha1.WorkflowCompleted, v1alpha1.ReasonProposedForReview, msg)(w)
	})
	if err != nil {
		return e.ignoreFinished(err)
	}
	e.release(wf.Name, guardrail.Applied)
	logr.FromContextOrDiscard(ctx).Info("Proposed for review", "where", where)
	return ctrl.Result{}, nil
}
