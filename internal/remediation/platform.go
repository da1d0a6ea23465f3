package remediation

import (
	"context"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/workflow"
)

// Platform is what the platform layer allows now (clusterstate on OpenShift; nothing is ever
// busy on plain Kubernetes).
type Platform interface {
	// Busy says why workload actions must wait (the cluster upgrading, a MachineConfigPool
	// updating); "" when nothing is busy.
	Busy(ctx context.Context) (string, error)
	// NodeOwner names who remediates the node instead of the engine (a medik8s
	// NodeHealthCheck); "" when nobody does.
	NodeOwner(ctx context.Context, node string) (string, error)
}

// platformWait is how often a postponed workflow looks at the platform again.
const platformWait = 15 * time.Second

// hold keeps a planned workflow from being admitted while the platform layer says so: actions
// wait while the cluster upgrades or a pool updates (the platform's own rollout cordons, drains
// and reboots nodes and moves pods; acting beside it fights it), and a node a NodeHealthCheck
// owns is left to it.
// It returns done=false when the workflow may go on.
func (e *Executor) hold(ctx context.Context, wf *v1alpha1.RemediationWorkflow, p Planned) (ctrl.Result, bool, error) {
	if e.Platform == nil || wf.Spec.DryRun {
		return ctrl.Result{}, false, nil
	}
	log := logr.FromContextOrDiscard(ctx)
	if p.Owner.Workload.Kind == "Node" {
		owner, err := e.Platform.NodeOwner(ctx, p.Owner.Workload.Name)
		switch {
		case err != nil:
			// Fail closed: acting beside a remediator the engine cannot see may fight it.
			return e.postpone(ctx, wf, "cannot tell whether a NodeHealthCheck owns the node: "+err.Error())
		case owner != "":
			res, err := e.stop(ctx, wf, p, v1alpha1.WorkflowCompleted, v1alpha1.ReasonLeftToNodeHealthCheck,
				"NodeHealthCheck "+owner+" remediates this node; the engine leaves it to it", false)
			return res, true, err
		}
	}
	why, err := e.Platform.Busy(ctx)
	if err != nil {
		why = "cannot tell whether the platform is busy: " + err.Error()
	}
	if why == "" {
		return ctrl.Result{}, false, nil
	}
	log.Info("Postponed while the platform is busy", "why", why)
	return e.postpone(ctx, wf, why)
}

// postpone records why the workflow waits and looks again later.
func (e *Executor) postpone(ctx context.Context, wf *v1alpha1.RemediationWorkflow, why string) (ctrl.Result, bool, error) {
	msg := "postponed: " + why
	if c := meta.FindStatusCondition(wf.Status.Conditions, v1alpha1.ConditionAdmitted); c == nil || c.Reason != v1alpha1.ReasonPlatformBusy || c.Message != msg {
		err := e.update(ctx, wf, func(w *v1alpha1.RemediationWorkflow) {
			workflow.SetCondition(w, v1alpha1.ConditionAdmitted, metav1.ConditionFalse, v1alpha1.ReasonPlatformBusy, msg)
		})
		if err != nil {
			res, err := e.ignoreFinished(err)
			return res, true, err
		}
	}
	return ctrl.Result{RequeueAfter: platformWait}, true, nil
}
