package coordination

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/workflow"
)

// advance works through the layers in order: a layer whose checkpoint passed is behind; the
// first other one is the current layer, whose steps are started or followed, and whose
// checkpoint runs once they are all done. What changed is written once at the end.
func (c *Controller) advance(ctx context.Context, wf *v1alpha1.RemediationWorkflow) (ctrl.Result, error) {
	next := wf.DeepCopy()
	items := orderedPlan(wf)
	if len(items) != len(next.Status.Steps) {
		return c.fail(ctx, wf, next, v1alpha1.ConditionExecuted, v1alpha1.ReasonEscalated, fmt.Sprintf(
			"spec.plan has %d items but the workflow was laid out with %d steps: the plan changed after it started", len(items), len(next.Status.Steps)))
	}
	wait := ctrl.Result{RequeueAfter: c.opts.Interval}
	for _, layer := range next.Status.Layers {
		cp := checkpointOf(next, layer)
		if cp == nil {
			return c.fail(ctx, wf, next, v1alpha1.ConditionExecuted, v1alpha1.ReasonEscalated, "layer "+layer+" has no checkpoint")
		}
		switch cp.Status {
		case checkpointPassed:
			continue
		case checkpointFailed: // recorded, but the engine stopped before finishing the workflow
			return c.fail(ctx, wf, next, v1alpha1.ConditionVerified, v1alpha1.ReasonNotRecovered, checkpointFailure(cp))
		}
		if why := c.holdApplication(ctx, next, layer); why != "" {
			progress(next, v1alpha1.ReasonPlatformBusy, "the application layer waits until the platform has settled: "+why)
			return c.save(ctx, wf, next, wait)
		}
		for i := range next.Status.Steps {
			if next.Status.Steps[i].Layer != layer {
				continue
			}
			if err := c.runStep(ctx, next, &next.Status.Steps[i], items[i]); err != nil {
				_, saveErr := c.save(ctx, wf, next, ctrl.Result{}) // keep what was started
				if saveErr != nil {
					logr.FromContextOrDiscard(ctx).Error(saveErr, "Cannot record the steps started")
				}
				return ctrl.Result{}, err
			}
		}
		if !layerDone(next, layer) {
			reason, message := stepsProgress(next, layer)
			progress(next, reason, message)
			return c.save(ctx, wf, next, wait)
		}
		c.checkpoint(ctx, next, cp)
		switch cp.Status {
		case checkpointFailed:
			return c.fail(ctx, wf, next, v1alpha1.ConditionVerified, v1alpha1.ReasonNotRecovered, checkpointFailure(cp))
		case checkpointPending:
			progress(next, v1alpha1.ReasonRecorded, "the checkpoint after layer "+layer+" waits: "+strings.Join(waitingChecks(cp), "; "))
			return c.save(ctx, wf, next, wait)
		}
		logr.FromContextOrDiscard(ctx).Info("Checkpoint passed", "layer", layer)
	}
	return c.complete(ctx, wf, next)
}

// holdApplication says why the application layer may not start yet: the cluster upgrades or a
// MachineConfigPool rolls out (clusterstate.Busy), or that cannot be told (fail closed). It
// says "" for other layers and once the application layer has started.
func (c *Controller) holdApplication(ctx context.Context, wf *v1alpha1.RemediationWorkflow, layer string) string {
	if layer != LayerApplication || layerStarted(wf, layer) {
		return ""
	}
	why, err := c.Platform.Busy(ctx)
	if err != nil {
		return "cannot tell whether the platform is busy: " + err.Error()
	}
	return why
}

// save writes next's status when it differs from wf's, and answers res.
func (c *Controller) save(ctx context.Context, wf, next *v1alpha1.RemediationWorkflow, res ctrl.Result) (ctrl.Result, error) {
	if equality.Semantic.DeepEqual(wf.Status, next.Status) {
		return res, nil
	}
	status := next.Status.DeepCopy()
	if err := c.update(ctx, wf, func(w *v1alpha1.RemediationWorkflow) { w.Status = *status.DeepCopy() }); err != nil {
		return ctrl.Result{}, err
	}
	return res, nil
}

// progress says on the Executed condition where the unfinished workflow is.
func progress(wf *v1alpha1.RemediationWorkflow, reason, message string) {
	workflow.SetCondition(wf, v1alpha1.ConditionExecuted, metav1.ConditionFalse, reason, message)
}

// stepsProgress is the reason and message while a layer's steps run: a step waiting for a
// person's approval is named first.
func stepsProgress(wf *v1alpha1.RemediationWorkflow, layer string) (reason, message string) {
	done, total := 0, 0
	var approvals []string
	for _, s := range wf.Status.Steps {
		if s.Layer != layer {
			continue
		}
		total++
		if stepDone(s.Status) {
			done++
		}
		if s.Status == stepAwaitingApproval {
			approvals = append(approvals, fmt.Sprintf("step %d (%s) waits for a person to approve or reject workflow %s", s.Order, targetOf(s), s.Workflow))
		}
	}
	if len(approvals) > 0 {
		return v1alpha1.ReasonApprovalRequired, strings.Join(approvals, "; ")
	}
	return v1alpha1.ReasonRecorded, fmt.Sprintf("layer %s: %d of %d step(s) done", layer, done, total)
}

func checkpointOf(wf *v1alpha1.RemediationWorkflow, layer string) *v1alpha1.Checkpoint {
	for i := range wf.Status.Checkpoints {
		if wf.Status.Checkpoints[i].Layer == layer {
			return &wf.Status.Checkpoints[i]
		}
	}
	return nil
}

func stepDone(status string) bool {
	return status == stepCompleted || status == stepFailed || status == stepSkipped
}

// layerDone says every step of the layer is done.
func layerDone(wf *v1alpha1.RemediationWorkflow, layer string) bool {
	for _, s := range wf.Status.Steps {
		if s.Layer == layer && !stepDone(s.Status) {
			return false
		}
	}
	return true
}

// layerStarted says a step of the layer has started.
func layerStarted(wf *v1alpha1.RemediationWorkflow, layer string) bool {
	for _, s := range wf.Status.Steps {
		if s.Layer == layer && s.Status != stepPending {
			return true
		}
	}
	return false
}

func targetOf(s v1alpha1.Step) string {
	if s.Target == nil {
		return "no target"
	}
	return s.Target.String()
}
