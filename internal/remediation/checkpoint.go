package remediation

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/guardrail"
)

// verify is the checkpoint after the step: the target must stay healthy, with stable restart
// counts, for VerifyWindow. A change that someone reverted ends the workflow at once; a target
// that has not recovered after VerifyTimeout gets the change undone and the incident escalated.
func (e *Executor) verify(ctx context.Context, wf *v1alpha1.RemediationWorkflow) (ctrl.Result, error) {
	step := firstStep(wf)
	permit, _, res, err := e.permitFor(ctx, wf)
	if permit == nil {
		return res, err
	}
	if reverted, err := e.reverted(ctx, *step.Change); err != nil {
		return ctrl.Result{}, err
	} else if reverted {
		e.forget(wf.Name, guardrail.Applied)
		return e.escalateAfterChange(ctx, wf, v1alpha1.ReasonReverted,
			"the change was reverted by someone or something else after the engine made it: "+step.Change.Summary)
	}
	owner, err := e.Resolver.Resolve(ctx, wf.Spec.Target)
	if err != nil {
		return ctrl.Result{}, fmt.Errorf("resolve %s: %w", wf.Spec.Target, err)
	}
	h, err := e.Health.Check(ctx, owner.Workload)
	if err != nil {
		return ctrl.Result{}, err
	}
	now := e.now()
	healthyFor := e.track(wf.Name, h, now)
	h.Checks = append(h.Checks, fmt.Sprintf("restarts %d, stable for %s of %s", h.Restarts, healthyFor.Truncate(time.Second), e.opts.VerifyWindow))
	switch {
	case h.Healthy && healthyFor >= e.opts.VerifyWindow:
		return e.complete(ctx, wf, h)
	case now.Sub(step.CompletedAt.Time) >= e.opts.VerifyTimeout:
		return e.undo(ctx, wf, permit, h)
	}
	if !slices.Equal(wf.Status.Checkpoints[0].Checks, h.Checks) && !h.Healthy {
		// Record what is still waiting; healthy looks are not written each time (the window).
		if err := e.update(ctx, wf, func(w *v1alpha1.RemediationWorkflow) { w.Status.Checkpoints[0].Checks = h.Checks }); err != nil {
			return e.ignoreFinished(err)
		}
	}
	return ctrl.Result{RequeueAfter: e.opts.VerifyInterval}, nil
}

// track returns how long the workflow's target has been healthy with restart counts that did
// not grow; an unhealthy look or a new restart starts the run again.
func (e *Executor) track(name string, h Health, now time.Time) time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	run, ok := e.healthy[name]
	if !h.Healthy || (ok && h.Restarts > run.restarts) {
		delete(e.healthy, name)
		if h.Healthy {
			e.healthy[name] = healthyRun{since: now, restarts: h.Restarts}
		}
		return 0
	}
	if !ok {
		e.healthy[name] = healthyRun{since: now, restarts: h.Restarts}
		return 0
	}
	run.restarts = h.Restarts // pods replaced by the rollout lower the sum; that is not a restart
	e.healthy[name] = run
	return now.Sub(run.since)
}

func (e *Executor) complete(ctx context.Context, wf *v1alpha1.RemediationWorkflow, h Health) (ctrl.Result, error) {
	msg := "the target recovered and stayed healthy for " + e.opts.VerifyWindow.String()
	err := e.update(ctx, wf, func(w *v1alpha1.RemediationWorkflow) {
		w.Status.Checkpoints[0].Status = checkpointPassed
		w.Status.Checkpoints[0].Checks = h.Checks
		e.finish(w, v1alpha1.WorkflowCompleted, v1alpha1.ReasonRecovered, msg)(w)
	})
	if err != nil {
		return e.ignoreFinished(err)
	}
	e.forget(wf.Name, guardrail.Applied)
	if e.Metrics != nil {
		e.Metrics.Resolution.Observe(e.now().Sub(wf.CreationTimestamp.Time).Seconds())
	}
	logr.FromContextOrDiscard(ctx).Info("Remediated", "action", firstStep(wf).Action)
	if _, err := e.Incidents.Resolve(ctx, wf.Spec.IncidentRef, msg+" after "+firstStep(wf).Change.Summary); err != nil {
		return ctrl.Result{}, fmt.Errorf("resolve incident %s: %w", wf.Spec.IncidentRef, err)
	}
	return ctrl.Result{}, nil
}

// undo reverts the engine's own change when it can, then fails the workflow and escalates.
func (e *Executor) undo(ctx context.Context, wf *v1alpha1.RemediationWorkflow, permit *guardrail.Permit, h Health) (ctrl.Result, error) {
	step := firstStep(wf)
	reason, msg := v1alpha1.ReasonNotRecovered, fmt.Sprintf("the target did not recover within %s", e.opts.VerifyTimeout)
	undone := false
	if step.Change.Undo != "" {
		if s := e.Strategies[managedbyMethod(wf)]; s != nil {
			if err := s.Undo(ctx, permit, *step.Change); err != nil {
				msg += "; undoing the change failed: " + err.Error()
			} else {
				undone, reason, msg = true, v1alpha1.ReasonUndone, msg+"; the engine undid its change"
			}
		}
	}
	e.forget(wf.Name, guardrail.Applied)
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

func (e *Executor) escalateAfterChange(ctx context.Context, wf *v1alpha1.RemediationWorkflow, reason, msg string) (ctrl.Result, error) {
	err := e.update(ctx, wf, func(w *v1alpha1.RemediationWorkflow) {
		if w.Status.Checkpoints[0].Status == checkpointPending {
			w.Status.Checkpoints[0].Status = checkpointFailed
		}
		e.finish(w, v1alpha1.WorkflowFailed, reason, msg)(w)
	})
	if err != nil {
		return e.ignoreFinished(err)
	}
	if e.Notifier != nil {
		e.Notifier.Failed(firstStep(wf).Change.Object, actionOf(wf, firstStep(wf)), msg)
	}
	if _, err := e.Incidents.Escalate(ctx, wf.Spec.IncidentRef, reason, msg); err != nil {
		return ctrl.Result{}, fmt.Errorf("escalate incident %s: %w", wf.Spec.IncidentRef, err)
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
