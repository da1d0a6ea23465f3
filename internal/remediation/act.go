package remediation

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/guardrail"
	"selfhealing.dev/coordination-engine/internal/managedby"
)

// Refusal reasons of the gate that the executor treats specially.
const (
	reasonDuplicate        = guardrail.ReasonDuplicate
	reasonApprovalRequired = guardrail.ReasonApprovalRequired
	reasonConflictLost     = guardrail.ReasonConflictLost
)

// waitFor are the retryable refusals a workflow waits out (up to LockWait): another workflow's
// lock on the target, a safety policy not read yet, a workload that could not be measured. A
// cooldown or an exhausted budget ends the workflow instead: it would wait for hours.
var waitFor = map[string]bool{guardrail.ReasonTargetLocked: true, guardrail.ReasonInvalidPolicy: true, guardrail.ReasonScopeUnknown: true}

// actionOf is the recorded step's action, on the object the change applies to: the gate locks,
// cools down and counts per changed object.
func actionOf(wf *v1alpha1.RemediationWorkflow, step *v1alpha1.Step) action.Action {
	o := step.Change.Object
	return action.Action{Type: action.Type(step.Action), Target: v1alpha1.Target{Kind: o.Kind, Namespace: o.Namespace, Name: o.Name},
		Source: wf.Spec.Source, Priority: wf.Spec.Priority, Confidence: wf.Spec.Confidence, Workflow: wf.Name,
		Incident: wf.Spec.IncidentRef, Approved: wf.Spec.Approval != nil && wf.Spec.Approval.Decision == v1alpha1.ApprovalApproved}
}

// admit passes the planned step through the safety gate and, when admitted, applies it. With
// p, the plan is not recorded yet and is recorded in the same write as the admission.
func (e *Executor) admit(ctx context.Context, wf *v1alpha1.RemediationWorkflow, p *Planned) (ctrl.Result, error) {
	if a := wf.Spec.Approval; a != nil && a.Decision == v1alpha1.ApprovalRejected {
		return e.stop(ctx, wf, Planned{}, v1alpha1.WorkflowCancelled, v1alpha1.ReasonRejected,
			fmt.Sprintf("rejected by %s: %s", a.By, a.Reason), false)
	}
	var owner managedby.Resolution
	if p != nil {
		owner = p.Owner
		recordPlan(wf, *p) // on a copy the update below starts from; written by it
	} else {
		var err error
		if owner, err = e.Resolver.Resolve(ctx, wf.Spec.Target); err != nil {
			return ctrl.Result{}, fmt.Errorf("resolve %s: %w", wf.Spec.Target, err)
		}
	}
	act := actionOf(wf, firstStep(wf))
	permit, err := e.Gate.Admit(ctx, act, owner)
	var refusal *action.Refusal
	switch {
	case errors.As(err, &refusal):
		return e.refused(ctx, wf, owner, act, refusal)
	case err != nil:
		return ctrl.Result{}, fmt.Errorf("admit %s: %w", act, err)
	}
	e.keep(wf.Name, permit)
	now := metav1.NewTime(e.now().UTC())
	err = e.update(ctx, wf, func(w *v1alpha1.RemediationWorkflow) {
		if p != nil && len(w.Status.Steps) == 0 {
			recordPlan(w, *p) // re-read after a conflict
		}
		w.Status.Phase = v1alpha1.WorkflowRunning
		w.Status.StartedAt = &now
		w.Status.Steps[0].Status = stepRunning
		w.Status.Steps[0].StartedAt = &now
		setCondition(w, v1alpha1.ConditionAdmitted, metav1.ConditionTrue, "Admitted", "the safety gate admitted "+string(act.Type))
	})
	if err != nil {
		e.forget(wf.Name, guardrail.NotApplied)
		return e.ignoreFinished(err)
	}
	return e.apply(ctx, wf)
}

// refused records why the gate refused: approval waits for a person, a held lock waits a
// while, everything else ends the workflow (cancelled when another workflow does the work).
func (e *Executor) refused(ctx context.Context, wf *v1alpha1.RemediationWorkflow, owner managedby.Resolution, act action.Action,
	r *action.Refusal) (ctrl.Result, error) {
	log := logr.FromContextOrDiscard(ctx)
	switch {
	case r.Reason == reasonApprovalRequired:
		if wf.Phase() == v1alpha1.WorkflowAwaitingApproval {
			return ctrl.Result{}, nil
		}
		log.Info("Waiting for approval", "action", act.Type)
		return e.ignoreFinished(e.update(ctx, wf, func(w *v1alpha1.RemediationWorkflow) {
			w.Status.Phase = v1alpha1.WorkflowAwaitingApproval
			setCondition(w, v1alpha1.ConditionAdmitted, metav1.ConditionFalse, r.Reason, r.Message)
		}))
	case r.Retryable && waitFor[r.Reason] && e.now().Sub(wf.CreationTimestamp.Time) < e.opts.LockWait:
		return ctrl.Result{RequeueAfter: time.Second}, nil
	case r.Reason == reasonConflictLost || r.Reason == reasonDuplicate:
		return e.stop(ctx, wf, Planned{Owner: owner, Action: act}, v1alpha1.WorkflowCancelled, r.Reason, r.Message, false)
	}
	return e.stop(ctx, wf, Planned{Owner: owner, Action: act}, v1alpha1.WorkflowFailed, r.Reason, r.Message, true)
}

// apply makes the recorded change. After an engine restart the permit is gone: the gate is
// asked again for a resumed action (lock only) and the same change is applied again, which
// changes nothing if it had been applied already.
func (e *Executor) apply(ctx context.Context, wf *v1alpha1.RemediationWorkflow) (ctrl.Result, error) {
	step := firstStep(wf)
	permit, resumed, res, err := e.permitFor(ctx, wf)
	if permit == nil {
		return res, err
	}
	strategy := e.Strategies[managedby.Method(wf.Status.DeploymentMethod)]
	if strategy == nil {
		return e.stop(ctx, wf, Planned{}, v1alpha1.WorkflowFailed, v1alpha1.ReasonNoStrategy,
			"no strategy for deployment method "+wf.Status.DeploymentMethod, true)
	}
	err = strategy.Apply(ctx, permit, *step.Change)
	var refusal *action.Refusal
	switch {
	case errors.As(err, &refusal):
		e.forget(wf.Name, guardrail.NotApplied)
		phase := v1alpha1.WorkflowFailed
		if refusal.Reason == reasonConflictLost {
			phase = v1alpha1.WorkflowCancelled
		}
		return e.failStep(ctx, wf, phase, refusal.Reason, refusal.Message, phase == v1alpha1.WorkflowFailed)
	case err != nil && retryable(err) && e.now().Sub(step.StartedAt.Time) < e.opts.ApplyTimeout:
		logr.FromContextOrDiscard(ctx).Info("Change not made yet; retrying", "err", err.Error())
		return ctrl.Result{RequeueAfter: 2 * time.Second}, nil
	case err != nil:
		e.forget(wf.Name, guardrail.NotApplied)
		return e.failStep(ctx, wf, v1alpha1.WorkflowFailed, v1alpha1.ReasonApplyFailed, err.Error(), true)
	}
	now := metav1.NewTime(e.now().UTC())
	reason, msg := v1alpha1.ReasonApplied, "applied: "+step.Change.Summary
	if resumed {
		reason, msg = v1alpha1.ReasonResumed, "applied again after an engine restart (no effect if it had been made): "+step.Change.Summary
	}
	err = e.update(ctx, wf, func(w *v1alpha1.RemediationWorkflow) {
		w.Status.Steps[0].Status = stepCompleted
		w.Status.Steps[0].CompletedAt = &now
		setCondition(w, v1alpha1.ConditionExecuted, metav1.ConditionTrue, reason, msg)
	})
	if err != nil {
		return e.ignoreFinished(err)
	}
	if _, err := e.Incidents.Start(ctx, wf.Spec.IncidentRef); err != nil {
		logr.FromContextOrDiscard(ctx).Error(err, "Could not mark the incident running")
	}
	return ctrl.Result{RequeueAfter: e.opts.VerifyInterval}, nil
}

// permitFor returns the workflow's permit, asking the gate again (as a resumed action) when this
// process does not hold one. With no permit it returns the result to return.
func (e *Executor) permitFor(ctx context.Context, wf *v1alpha1.RemediationWorkflow) (*guardrail.Permit, bool, ctrl.Result, error) {
	if p := e.permit(wf.Name); p != nil {
		return p, false, ctrl.Result{}, nil
	}
	owner, err := e.Resolver.Resolve(ctx, wf.Spec.Target)
	if err != nil {
		return nil, false, ctrl.Result{}, fmt.Errorf("resolve %s: %w", wf.Spec.Target, err)
	}
	act := actionOf(wf, firstStep(wf))
	act.Resumed = true
	p, err := e.Gate.Admit(ctx, act, owner)
	var refusal *action.Refusal
	switch {
	case errors.As(err, &refusal) && refusal.Retryable:
		return nil, false, ctrl.Result{RequeueAfter: time.Second}, nil
	case errors.As(err, &refusal):
		res, err := e.failStep(ctx, wf, v1alpha1.WorkflowFailed, refusal.Reason, refusal.Message, true)
		return nil, false, res, err
	case err != nil:
		return nil, false, ctrl.Result{}, err
	}
	e.keep(wf.Name, p)
	logr.FromContextOrDiscard(ctx).Info("Resuming after a restart", "step", firstStep(wf).Status)
	return p, true, ctrl.Result{}, nil
}

// failStep marks the step and the workflow failed (or cancelled) and escalates.
func (e *Executor) failStep(ctx context.Context, wf *v1alpha1.RemediationWorkflow, phase v1alpha1.WorkflowPhase,
	reason, message string, escalate bool) (ctrl.Result, error) {
	now := metav1.NewTime(e.now().UTC())
	err := e.update(ctx, wf, func(w *v1alpha1.RemediationWorkflow) {
		w.Status.Steps[0].Status = stepFailed
		w.Status.Steps[0].CompletedAt = &now
		w.Status.Steps[0].Error = message
		e.finish(w, phase, reason, message)(w)
	})
	if err != nil {
		return e.ignoreFinished(err)
	}
	if e.Notifier != nil {
		e.Notifier.Failed(firstStep(wf).Change.Object, actionOf(wf, firstStep(wf)), reason+": "+message)
	}
	if escalate {
		if _, err := e.Incidents.Escalate(ctx, wf.Spec.IncidentRef, v1alpha1.ReasonEscalated, reason+": "+message); err != nil {
			return ctrl.Result{}, fmt.Errorf("escalate incident %s: %w", wf.Spec.IncidentRef, err)
		}
	}
	return ctrl.Result{}, nil
}

// retryable says a failed change may succeed later: a PodDisruptionBudget that blocks an
// eviction (429), a conflict, an overloaded or unreachable API server.
func retryable(err error) bool {
	switch {
	case apierrors.IsInvalid(err), apierrors.IsForbidden(err), apierrors.IsNotFound(err), apierrors.IsBadRequest(err),
		apierrors.IsUnauthorized(err), apierrors.IsMethodNotSupported(err):
		return false
	}
	return true
}
