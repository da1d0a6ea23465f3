package remediation

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/guardrail"
	"selfhealing.dev/coordination-engine/internal/managedby"
	"selfhealing.dev/coordination-engine/internal/workflow"
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
var waitFor = map[string]bool{guardrail.ReasonTargetLocked: true, guardrail.ReasonInvalidPolicy: true, guardrail.ReasonScopeUnknown: true,
	guardrail.ReasonNodeLimit: true}

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
	a := wf.Spec.Approval
	switch {
	case a != nil && a.Decision == v1alpha1.ApprovalRejected:
		return e.stop(ctx, wf, planOr(p), v1alpha1.WorkflowCancelled, v1alpha1.ReasonRejected,
			fmt.Sprintf("rejected by %s: %s", a.By, a.Reason), false)
	case a == nil && wf.Phase() == v1alpha1.WorkflowAwaitingApproval && askedFor(wf) != "":
		return ctrl.Result{}, nil // a person was asked; only their decision moves it on
	}
	var owner managedby.Resolution
	if p != nil {
		owner = p.Owner
		recordPlan(wf, *p) // on the copy the writes below start from
	} else {
		var err error
		if owner, err = e.resolve(ctx, wf.Spec.Target); err != nil {
			return e.planError(ctx, wf, Planned{}, err)
		}
	}
	if e.waitForResumes(e.now()) {
		return ctrl.Result{RequeueAfter: 200 * time.Millisecond}, nil
	}
	act := actionOf(wf, firstStep(wf))
	permit, err := e.Gate.Admit(ctx, act, owner)
	var refusal *action.Refusal
	switch {
	case errors.As(err, &refusal):
		return e.refused(ctx, wf, Planned{Owner: owner, Action: act}, p, refusal)
	case err != nil:
		return ctrl.Result{}, fmt.Errorf("admit %s: %w", act, err)
	}
	e.keep(wf.Name, permit)
	now := metav1.NewTime(e.now().UTC())
	err = e.update(ctx, wf, func(w *v1alpha1.RemediationWorkflow) {
		ensurePlan(w, p)
		w.Status.Phase = v1alpha1.WorkflowRunning
		w.Status.StartedAt = &now
		w.Status.Steps[0].Status = stepRunning
		w.Status.Steps[0].StartedAt = &now
		workflow.SetCondition(w, v1alpha1.ConditionAdmitted, metav1.ConditionTrue, "Admitted", "the safety gate admitted "+string(act.Type))
	})
	if err != nil {
		e.release(wf.Name, guardrail.NotApplied) // nothing was changed
		return e.ignoreFinished(err)
	}
	return e.apply(ctx, wf)
}

// askedFor is the reason a strategy asked for approval at planning (RepositoryReadOnly), or "".
// The gate's own approval requirement is not one: the gate is asked again each time.
func askedFor(wf *v1alpha1.RemediationWorkflow) string {
	c := meta.FindStatusCondition(wf.Status.Conditions, v1alpha1.ConditionAdmitted)
	if c != nil && c.Status == metav1.ConditionFalse && c.Reason == v1alpha1.ReasonRepositoryReadOnly {
		return c.Reason
	}
	return ""
}

// planOr is the plan p, or none.
func planOr(p *Planned) Planned {
	if p == nil {
		return Planned{}
	}
	return *p
}

// ensurePlan records p on a workflow read afresh after a conflict, which lacks it.
func ensurePlan(w *v1alpha1.RemediationWorkflow, p *Planned) {
	if p != nil && len(w.Status.Steps) == 0 {
		recordPlan(w, *p)
	}
}

// refused records why the gate refused: approval waits for a person, a held lock (and the
// other waitFor refusals) waits a while, everything else ends the workflow (cancelled when
// another workflow does the work). unrecorded is the plan when it is not recorded yet.
func (e *Executor) refused(ctx context.Context, wf *v1alpha1.RemediationWorkflow, about Planned, unrecorded *Planned,
	r *action.Refusal) (ctrl.Result, error) {
	log := logr.FromContextOrDiscard(ctx)
	switch {
	case r.Reason == reasonApprovalRequired:
		e.reset(wf.Name, gateWaits)
		if wf.Phase() == v1alpha1.WorkflowAwaitingApproval {
			return ctrl.Result{}, nil
		}
		log.Info("Waiting for approval", "action", about.Action.Type)
		return e.ignoreFinished(e.update(ctx, wf, func(w *v1alpha1.RemediationWorkflow) {
			ensurePlan(w, unrecorded)
			w.Status.Phase = v1alpha1.WorkflowAwaitingApproval
			workflow.SetCondition(w, v1alpha1.ConditionAdmitted, metav1.ConditionFalse, r.Reason, r.Message)
		}))
	case r.Retryable && waitFor[r.Reason] && e.since(wf.Name, gateWaits, e.now()) < e.opts.LockWait:
		return ctrl.Result{RequeueAfter: time.Second}, nil
	case r.Reason == reasonConflictLost || r.Reason == reasonDuplicate:
		return e.stop(ctx, wf, about, v1alpha1.WorkflowCancelled, r.Reason, r.Message, false)
	}
	return e.stop(ctx, wf, about, v1alpha1.WorkflowFailed, r.Reason, r.Message, true)
}

// apply makes the recorded change. After an engine restart the permit is gone: the gate is
// asked again for a resumed action (lock only) and the same change is applied again, which
// changes nothing if it had been applied already. A change this process made already (the
// cache showing the workflow before its last write) is not made again.
func (e *Executor) apply(ctx context.Context, wf *v1alpha1.RemediationWorkflow) (ctrl.Result, error) {
	step := firstStep(wf)
	if at, ok := e.appliedAt(wf.Name); ok {
		return e.applied(ctx, wf, at, v1alpha1.ReasonApplied, "applied: "+step.Change.Summary)
	}
	lease, res, err := e.permitFor(ctx, wf, true)
	if lease.permit == nil {
		return res, err
	}
	strategy := e.strategyOf(wf)
	if strategy == nil {
		return e.failStep(ctx, wf, v1alpha1.WorkflowFailed, v1alpha1.ReasonNoStrategy,
			"no strategy for deployment method "+wf.Status.DeploymentMethod, true)
	}
	err = strategy.Apply(ctx, lease.permit, *step.Change)
	var refusal *action.Refusal
	within := e.now().Sub(step.StartedAt.Time) < e.opts.ApplyTimeout
	switch {
	case errors.As(err, &refusal) && refusal.Retryable && within:
		// An owner busy for a while (an Argo CD operation running, a sync window closed, a Helm
		// release pending): the same change is tried again.
		logr.FromContextOrDiscard(ctx).Info("Change not made yet; waiting", "reason", refusal.Reason, "message", refusal.Message)
		return ctrl.Result{RequeueAfter: 2 * time.Second}, nil
	case errors.Is(err, ErrPartlyApplied) && !(within && refusal == nil && retryable(err)):
		// The change is in place (a pushed commit) though its rollout was not started: it is
		// recorded as applied, so verification follows it and undoes it if it does not heal.
		now := e.now().UTC()
		e.markApplied(wf.Name, now)
		return e.applied(ctx, wf, now, v1alpha1.ReasonApplied, "applied, but: "+err.Error())
	case errors.As(err, &refusal):
		phase := v1alpha1.WorkflowFailed
		if refusal.Reason == reasonConflictLost {
			phase = v1alpha1.WorkflowCancelled
		}
		return e.failStep(ctx, wf, phase, refusal.Reason, refusal.Message, phase == v1alpha1.WorkflowFailed)
	case err != nil && retryable(err) && e.now().Sub(step.StartedAt.Time) < e.opts.ApplyTimeout:
		logr.FromContextOrDiscard(ctx).Info("Change not made yet; retrying", "err", err.Error())
		return ctrl.Result{RequeueAfter: 2 * time.Second}, nil
	case err != nil:
		return e.failStep(ctx, wf, v1alpha1.WorkflowFailed, v1alpha1.ReasonApplyFailed, err.Error(), true)
	}
	now := e.now().UTC()
	e.markApplied(wf.Name, now)
	reason, msg := v1alpha1.ReasonApplied, "applied: "+step.Change.Summary
	if lease.resumed {
		reason, msg = v1alpha1.ReasonResumed, "applied again after an engine restart (no effect if it had been made): "+step.Change.Summary
	}
	return e.applied(ctx, wf, now, reason, msg)
}

// applied records the step as completed at at and goes on to verification.
func (e *Executor) applied(ctx context.Context, wf *v1alpha1.RemediationWorkflow, at time.Time, reason, msg string) (ctrl.Result, error) {
	done := metav1.NewTime(at)
	err := e.update(ctx, wf, func(w *v1alpha1.RemediationWorkflow) {
		w.Status.Steps[0].Status = stepCompleted
		w.Status.Steps[0].CompletedAt = &done
		workflow.SetCondition(w, v1alpha1.ConditionExecuted, metav1.ConditionTrue, reason, msg)
	})
	if err != nil {
		return e.ignoreFinished(err)
	}
	if _, err := e.Incidents.Start(ctx, wf.Spec.IncidentRef); err != nil {
		logr.FromContextOrDiscard(ctx).Error(err, "Could not mark the incident running")
	}
	return ctrl.Result{RequeueAfter: e.opts.VerifyInterval}, nil
}

// lease is a workflow's permit as permitFor found it.
type lease struct {
	permit *guardrail.Permit
	// resumed says the gate was asked again for a workflow admitted before a restart.
	resumed bool
}

// permitFor returns the workflow's permit. A workflow this process never held was admitted
// before a restart: the gate is asked again for a resumed action (the lock only). One whose
// permit this process released is asked again with every check. With no permit it returns the
// result to return; when must is false (verification) a refusal that will not go away leaves
// the workflow without a permit instead of failing it: it is verified, but nothing is undone.
func (e *Executor) permitFor(ctx context.Context, wf *v1alpha1.RemediationWorkflow, must bool) (lease, ctrl.Result, error) {
	p, held := e.permit(wf.Name)
	if p != nil {
		return lease{permit: p}, ctrl.Result{}, nil
	}
	act := actionOf(wf, firstStep(wf))
	act.Resumed = !held
	owner := managedby.Resolution{}
	if w := wf.Status.Workload; w != nil {
		owner.Workload = managedby.Object{APIVersion: w.APIVersion, Kind: w.Kind, Namespace: w.Namespace, Name: w.Name}
	}
	p, err := e.Gate.Admit(ctx, act, owner)
	var refusal *action.Refusal
	switch {
	case errors.As(err, &refusal) && refusal.Retryable && e.since(wf.Name, gateWaits, e.now()) < e.opts.LockWait:
		return lease{}, ctrl.Result{RequeueAfter: time.Second}, nil
	case errors.As(err, &refusal) && !must:
		logr.FromContextOrDiscard(ctx).Info("Verifying without a permit", "reason", refusal.Reason, "message", refusal.Message)
		return lease{}, ctrl.Result{}, nil
	case errors.As(err, &refusal):
		phase := v1alpha1.WorkflowFailed
		if refusal.Reason == reasonConflictLost || refusal.Reason == reasonDuplicate {
			phase = v1alpha1.WorkflowCancelled
		}
		res, err := e.failStep(ctx, wf, phase, refusal.Reason, refusal.Message, phase == v1alpha1.WorkflowFailed)
		return lease{}, res, err
	case err != nil:
		return lease{}, ctrl.Result{}, err
	}
	e.keep(wf.Name, p)
	if act.Resumed {
		logr.FromContextOrDiscard(ctx).Info("Resuming after a restart", "step", firstStep(wf).Status)
	}
	return lease{permit: p, resumed: act.Resumed}, ctrl.Result{}, nil
}

// failStep escalates the incident, then marks the step and the workflow failed (or cancelled)
// and only then gives the permit back: until the failure is recorded, a retry finds the
// workflow still holding its target.
func (e *Executor) failStep(ctx context.Context, wf *v1alpha1.RemediationWorkflow, phase v1alpha1.WorkflowPhase,
	reason, message string, escalate bool) (ctrl.Result, error) {
	e.decide(wf.Name, failure{phase: phase, reason: reason, message: message, escalate: escalate})
	if escalate {
		if err := e.escalate(ctx, wf, v1alpha1.ReasonEscalated, reason+": "+message); err != nil {
			return ctrl.Result{}, err
		}
	}
	now := metav1.NewTime(e.now().UTC())
	err := e.update(ctx, wf, func(w *v1alpha1.RemediationWorkflow) {
		w.Status.Steps[0].Status = stepFailed
		w.Status.Steps[0].CompletedAt = &now
		w.Status.Steps[0].Error = message
		e.finish(w, phase, reason, message)(w)
	})
	if err != nil && !errors.Is(err, workflow.ErrFinished) {
		return ctrl.Result{}, err
	}
	e.release(wf.Name, guardrail.NotApplied)
	if err == nil && e.Notifier != nil {
		e.Notifier.Failed(firstStep(wf).Change.Object, actionOf(wf, firstStep(wf)), reason+": "+message)
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
