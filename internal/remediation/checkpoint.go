package remediation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/guardrail"
	"selfhealing.dev/coordination-engine/internal/managedby"
	"selfhealing.dev/coordination-engine/internal/workflow"
)

// verify is the checkpoint after the step: the workload must stay healthy, with stable restart
// counts, for VerifyWindow. A change that someone reverted ends the workflow at once; a workload
// that has not recovered after VerifyTimeout (or cannot be looked at any more) gets the change
// undone where possible, and the incident escalated.
func (e *Executor) verify(ctx context.Context, wf *v1alpha1.RemediationWorkflow) (ctrl.Result, error) {
	log := logr.FromContextOrDiscard(ctx)
	step := firstStep(wf)
	if step.Undone || wf.Status.Checkpoints[0].Status == checkpointFailed {
		// Verification already failed (and the change was undone, or could not be); what is
		// left is recording it.
		reason := v1alpha1.ReasonNotRecovered
		if step.Undone {
			reason = v1alpha1.ReasonUndone
		}
		return e.escalateAfterChange(ctx, wf, reason, fmt.Sprintf("the target did not recover within %s", e.opts.VerifyTimeout))
	}
	lease, res, err := e.permitFor(ctx, wf, false)
	if lease.permit == nil && (err != nil || res.RequeueAfter > 0) {
		return res, err
	}
	if reverted, err := e.reverted(ctx, *step.Change); err != nil {
		log.Info("Cannot tell whether the change is still in place", "err", err.Error())
	} else if reverted {
		return e.escalateAfterChange(ctx, wf, v1alpha1.ReasonReverted,
			"the change was reverted by someone or something else after the engine made it: "+step.Change.Summary)
	}
	now := e.now()
	prog := e.follow(ctx, wf)
	switch {
	case prog.Reverted != "":
		return e.escalateAfterChange(ctx, wf, v1alpha1.ReasonReverted, prog.Reverted)
	case prog.ForReview != "":
		return e.proposed(ctx, wf, prog.ForReview)
	case prog.Failed != "":
		return e.undo(ctx, wf, lease.permit, Health{Checks: prog.Checks}, prog.Failed)
	}
	h := Health{Checks: prog.Checks}
	if prog.Done {
		var err error
		h, err = e.look(ctx, wf)
		switch {
		case errors.Is(err, errWorkloadGone):
			return e.escalateAfterChange(ctx, wf, v1alpha1.ReasonNotRecovered, err.Error())
		case err != nil:
			h = Health{Checks: []string{"cannot look at the workload: " + err.Error()}}
		}
		h.Checks = append(prog.Checks, h.Checks...)
	}
	healthyFor := e.track(wf.Name, h, now)
	h.Checks = append(h.Checks, fmt.Sprintf("restarts %d, stable for %s of %s", h.Restarts, healthyFor.Truncate(time.Second), e.opts.VerifyWindow))
	switch {
	case h.Healthy && healthyFor >= e.opts.VerifyWindow:
		return e.complete(ctx, wf, h, lease.permit)
	case now.Sub(step.CompletedAt.Time) >= e.opts.VerifyTimeout:
		return e.undo(ctx, wf, lease.permit, h, fmt.Sprintf("the target did not recover within %s", e.opts.VerifyTimeout))
	}
	if !slices.Equal(wf.Status.Checkpoints[0].Checks, h.Checks) && !h.Healthy {
		// Record what is still waiting; healthy looks are not written each time (the window).
		if err := e.update(ctx, wf, func(w *v1alpha1.RemediationWorkflow) { w.Status.Checkpoints[0].Checks = h.Checks }); err != nil {
			return e.ignoreFinished(err)
		}
	}
	return ctrl.Result{RequeueAfter: e.opts.VerifyInterval}, nil
}

// errWorkloadGone means the workload to verify no longer exists.
var errWorkloadGone = errors.New("the workload to verify no longer exists")

// look checks the health of the workload recorded with the plan (or, for a workflow recorded
// without one, the workload its target resolves to now).
func (e *Executor) look(ctx context.Context, wf *v1alpha1.RemediationWorkflow) (Health, error) {
	var w managedby.Object
	if ref := wf.Status.Workload; ref != nil {
		w = managedby.Object{APIVersion: ref.APIVersion, Kind: ref.Kind, Namespace: ref.Namespace, Name: ref.Name}
	} else {
		owner, err := e.resolve(ctx, wf.Spec.Target)
		var refusal *action.Refusal
		if errors.As(err, &refusal) {
			return Health{}, fmt.Errorf("%w: %s", errWorkloadGone, refusal.Message)
		}
		if err != nil {
			return Health{}, err
		}
		w = owner.Workload
	}
	h, err := e.Health.Check(ctx, w)
	if apierrors.IsNotFound(err) {
		return h, fmt.Errorf("%w: %s", errWorkloadGone, w)
	}
	return h, err
}

// track returns how long the workflow's workload has been healthy with restart counts that did
// not grow; an unhealthy look or a new restart starts the run again.
func (e *Executor) track(name string, h Health, now time.Time) time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	r := e.runOf(name)
	switch {
	case !h.Healthy:
		r.healthySince = time.Time{}
		return 0
	case r.healthySince.IsZero() || h.Restarts > r.restarts:
		r.healthySince, r.restarts = now, h.Restarts
		return 0
	}
	r.restarts = h.Restarts // pods replaced by the rollout lower the sum; that is not a restart
	return now.Sub(r.healthySince)
}

// complete resolves the incident, then records the workflow as verified.
func (e *Executor) complete(ctx context.Context, wf *v1alpha1.RemediationWorkflow, h Health, permit *guardrail.Permit) (ctrl.Result, error) {
	msg := "the target recovered and stayed healthy for " + e.opts.VerifyWindow.String()
	if ch := firstStep(wf).Change; ch.RevertAfterRecovery && ch.Undo != "" && !firstStep(wf).Undone {
		// The change only held the target while it recovered (a cordon): it is taken back now.
		if err := e.revertHold(ctx, wf, permit); err != nil {
			return ctrl.Result{}, err
		}
		msg += "; the engine took back its holding change (" + ch.Summary + ")"
	}
	// A step of a coordination workflow leaves the incident to the coordinator, which resolves
	// it when every layer has passed.
	if wf.Spec.ParentRef == "" {
		if _, err := e.Incidents.Resolve(ctx, wf.Spec.IncidentRef, msg+" after "+firstStep(wf).Change.Summary); err != nil && !incidentGone(err) {
			return ctrl.Result{}, fmt.Errorf("resolve incident %s: %w", wf.Spec.IncidentRef, err)
		}
	}
	err := e.update(ctx, wf, func(w *v1alpha1.RemediationWorkflow) {
		w.Status.Checkpoints[0].Status = checkpointPassed
		w.Status.Checkpoints[0].Checks = h.Checks
		e.finish(w, v1alpha1.WorkflowCompleted, v1alpha1.ReasonRecovered, msg)(w)
	})
	if err != nil && !errors.Is(err, workflow.ErrFinished) {
		return ctrl.Result{}, err
	}
	e.release(wf.Name, guardrail.Applied)
	if err == nil {
		if e.Metrics != nil {
			e.Metrics.Resolution.Observe(e.now().Sub(wf.CreationTimestamp.Time).Seconds())
		}
		logr.FromContextOrDiscard(ctx).Info("Remediated", "action", firstStep(wf).Action)
	}
	return ctrl.Result{}, nil
}

// revertHold undoes a holding change after recovery and records that on the step.
func (e *Executor) revertHold(ctx context.Context, wf *v1alpha1.RemediationWorkflow, permit *guardrail.Permit) error {
	s := e.strategyOf(wf)
	if s == nil || permit == nil {
		return fmt.Errorf("take back %s: no strategy or permit to do it with; trying again", firstStep(wf).Change.Summary)
	}
	if err := s.Undo(ctx, permit, *firstStep(wf).Change); err != nil {
		return fmt.Errorf("take back %s after recovery: %w", firstStep(wf).Change.Summary, err)
	}
	err := e.update(ctx, wf, func(w *v1alpha1.RemediationWorkflow) { w.Status.Steps[0].Undone = true })
	if errors.Is(err, workflow.ErrFinished) {
		return nil
	}
	return err
}

// undo reverts the engine's own change when it can (it holds a permit and the change has an
// undo), then fails the workflow and escalates; why says what went wrong.
func (e *Executor) undo(ctx context.Context, wf *v1alpha1.RemediationWorkflow, permit *guardrail.Permit, h Health, why string) (ctrl.Result, error) {
	step := firstStep(wf)
	reason, msg := v1alpha1.ReasonNotRecovered, why
	undone := step.Undone
	switch s := e.strategyOf(wf); {
	case undone, step.Change.Undo == "":
	case permit == nil:
		msg += "; the safety gate refuses changes now, so the engine's change was not undone"
	case s != nil:
		if err := s.Undo(ctx, permit, *step.Change); err != nil {
			msg += "; undoing the change failed: " + err.Error()
		} else {
			undone = true
		}
	}
	if undone {
		reason, msg = v1alpha1.ReasonUndone, msg+"; the engine undid its change"
	}
	err := e.update(ctx, wf, func(w *v1alpha1.RemediationWorkflow) {
		w.Status.Steps[0].Undone = undone
		w.Status.Checkpoints[0].Status = checkpointFailed
		w.Status.Checkpoints[0].Checks = h.Checks
	})
	if err != nil {
		return e.ignoreFinished(err)
	}
	return e.escalateAfterChange(ctx, wf, reason, msg)
}

// escalateAfterChange escalates the incident, then fails the workflow, then gives the permit back.
func (e *Executor) escalateAfterChange(ctx context.Context, wf *v1alpha1.RemediationWorkflow, reason, msg string) (ctrl.Result, error) {
	if err := e.escalate(ctx, wf, reason, msg); err != nil {
		return ctrl.Result{}, err
	}
	err := e.update(ctx, wf, func(w *v1alpha1.RemediationWorkflow) {
		if w.Status.Checkpoints[0].Status == checkpointPending {
			w.Status.Checkpoints[0].Status = checkpointFailed
		}
		e.finish(w, v1alpha1.WorkflowFailed, reason, msg)(w)
	})
	if err != nil && !errors.Is(err, workflow.ErrFinished) {
		return ctrl.Result{}, err
	}
	e.release(wf.Name, guardrail.Applied)
	if err == nil && e.Notifier != nil {
		e.Notifier.Failed(firstStep(wf).Change.Object, actionOf(wf, firstStep(wf)), msg)
	}
	return ctrl.Result{}, nil
}

// reverted says whether a merge-patch change is no longer in effect: some field it set has
// another value now. Other kinds of change are not judged (false).
func (e *Executor) reverted(ctx context.Context, ch v1alpha1.Change) (bool, error) {
	if ch.Operation != v1alpha1.OperationPatch || types.PatchType(ch.PatchType) != types.MergePatchType || e.APIReader == nil {
		return false, nil
	}
	var patch map[string]any
	if err := json.Unmarshal([]byte(ch.Patch), &patch); err != nil {
		return false, nil
	}
	u := &unstructured.Unstructured{}
	u.SetAPIVersion(ch.Object.APIVersion)
	u.SetKind(ch.Object.Kind)
	if err := e.APIReader.Get(ctx, client.ObjectKey{Namespace: ch.Object.Namespace, Name: ch.Object.Name}, u); err != nil {
		return false, fmt.Errorf("read %s %s/%s: %w", ch.Object.Kind, ch.Object.Namespace, ch.Object.Name, err)
	}
	return !contains(u.Object, patch), nil
}

// contains says whether every field the merge patch sets has that value in obj (a null in the
// patch means the field is absent).
func contains(obj, patch map[string]any) bool {
	for k, want := range patch {
		got, ok := obj[k]
		switch w := want.(type) {
		case nil:
			if ok {
				return false
			}
		case map[string]any:
			g, isMap := got.(map[string]any)
			if !isMap || !contains(g, w) {
				return false
			}
		default:
			if !ok || !reflect.DeepEqual(normalise(got), normalise(w)) {
				return false
			}
		}
	}
	return true
}

// normalise makes JSON numbers comparable whatever their Go type.
func normalise(v any) any {
	switch n := v.(type) {
	case int64:
		return float64(n)
	case int:
		return float64(n)
	case int32:
		return float64(n)
	}
	return v
}
