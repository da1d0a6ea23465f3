package coordination

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
)

// Marks at the end of a checkpoint's checks: a check that has not passed yet but may still
// pass, and one that failed. A check without a mark passed.
const (
	waitingMark = " (waiting)"
	failedMark  = " (failed)"
)

// checkpoint runs the checks after a layer whose steps are all done and sets cp: every step
// completed (a failed step fails the checkpoint at once); after the infrastructure layer every
// node of the layer has its MachineConfigPools settled and the cluster is not busy; after the
// platform layer none of the layer's ClusterOperators is failing. Platform checks that do not
// pass yet leave the checkpoint pending until Options.CheckTimeout after the layer's last step
// ended; then it fails. cp.Checks lists every result.
func (c *Controller) checkpoint(ctx context.Context, wf *v1alpha1.RemediationWorkflow, cp *v1alpha1.Checkpoint) {
	var checks []string
	failed := false
	last := wf.Status.StartedAt
	var nodes, operators []string
	for _, s := range wf.Status.Steps {
		if s.Layer != cp.Layer {
			continue
		}
		if s.CompletedAt != nil && (last == nil || s.CompletedAt.After(last.Time)) {
			last = s.CompletedAt
		}
		switch s.Status {
		case stepCompleted:
			checks = append(checks, fmt.Sprintf("step %d (%s) completed%s", s.Order, targetOf(s), via(s)))
		default:
			failed = true
			checks = append(checks, fmt.Sprintf("step %d (%s) %s: %s%s", s.Order, targetOf(s), s.Status, s.Error, failedMark))
		}
		if s.Target != nil && s.Target.Kind == "Node" {
			nodes = append(nodes, s.Target.Name)
		}
		if s.Target != nil && s.Target.Kind == "ClusterOperator" {
			operators = append(operators, s.Target.Name)
		}
	}
	if !failed {
		switch cp.Layer {
		case LayerInfrastructure:
			checks = append(checks, c.infrastructureChecks(ctx, nodes)...)
		case LayerPlatform:
			checks = append(checks, c.platformChecks(ctx, operators)...)
		}
	}
	waiting := false
	for _, ch := range checks {
		waiting = waiting || strings.HasSuffix(ch, waitingMark)
	}
	switch {
	case failed:
		cp.Status = checkpointFailed
	case waiting && last != nil && c.now().Sub(last.Time) >= c.opts.CheckTimeout:
		cp.Status = checkpointFailed
		for i, ch := range checks {
			if w, ok := strings.CutSuffix(ch, waitingMark); ok {
				checks[i] = w + fmt.Sprintf(" after %s", c.opts.CheckTimeout) + failedMark
			}
		}
	case waiting:
		cp.Status = checkpointPending
	default:
		cp.Status = checkpointPassed
	}
	cp.Checks = checks
}

// infrastructureChecks: each node's MachineConfigPools have settled, and the cluster is neither
// upgrading nor rolling out a MachineConfigPool.
func (c *Controller) infrastructureChecks(ctx context.Context, nodes []string) []string {
	var checks []string
	for _, name := range nodes {
		var n corev1.Node
		if err := c.APIReader.Get(ctx, client.ObjectKey{Name: name}, &n); err != nil {
			if apierrors.IsNotFound(err) {
				checks = append(checks, "node "+name+" is gone")
				continue
			}
			checks = append(checks, fmt.Sprintf("cannot read node %s: %v%s", name, err, waitingMark))
			continue
		}
		pool, err := c.Platform.Pool(ctx, &n)
		switch {
		case err != nil:
			checks = append(checks, fmt.Sprintf("cannot read the MachineConfigPools of node %s: %v%s", name, err, waitingMark))
		case !pool.Settled:
			checks = append(checks, pool.Detail+waitingMark)
		default:
			checks = append(checks, pool.Detail)
		}
	}
	switch why, err := c.Platform.Busy(ctx); {
	case err != nil:
		checks = append(checks, "cannot tell whether the platform is busy: "+err.Error()+waitingMark)
	case why != "":
		checks = append(checks, why+waitingMark)
	default:
		checks = append(checks, "the cluster is not upgrading and no MachineConfigPool is updating")
	}
	return checks
}

// platformChecks: none of the layer's ClusterOperators is degraded or unavailable.
func (c *Controller) platformChecks(ctx context.Context, operators []string) []string {
	if len(operators) == 0 {
		return nil
	}
	failing, err := c.failingOperators(ctx, operators)
	switch {
	case err != nil:
		return []string{err.Error() + waitingMark}
	case len(failing) > 0:
		var checks []string
		for _, f := range failing {
			checks = append(checks, f+waitingMark)
		}
		return checks
	}
	return []string{"ClusterOperator(s) " + strings.Join(operators, ", ") + " available and not degraded"}
}

// via names a step's child workflow.
func via(s v1alpha1.Step) string {
	if s.Workflow == "" {
		return ""
	}
	return " by workflow " + s.Workflow
}

// waitingChecks are the checks a pending checkpoint waits for.
func waitingChecks(cp *v1alpha1.Checkpoint) []string {
	var out []string
	for _, ch := range cp.Checks {
		if strings.HasSuffix(ch, waitingMark) {
			out = append(out, strings.TrimSuffix(ch, waitingMark))
		}
	}
	return out
}

// checkpointFailure says why a failed checkpoint failed: its checks that failed.
func checkpointFailure(cp *v1alpha1.Checkpoint) string {
	var bad []string
	for _, ch := range cp.Checks {
		if f, ok := strings.CutSuffix(ch, failedMark); ok {
			bad = append(bad, f)
		}
	}
	if len(bad) == 0 {
		bad = cp.Checks
	}
	return "the checkpoint after layer " + cp.Layer + " failed: " + strings.Join(bad, "; ")
}
