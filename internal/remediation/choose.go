package remediation

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/issue"
	"selfhealing.dev/coordination-engine/internal/managedby"
)

// Rollout is what the catalogue needs to know about a workload's recent rollouts.
type Rollout struct {
	// StartedWithLatestRollout says the failing pods belong to the newest revision while an
	// older revision still has ready pods: the problem came with the latest rollout.
	StartedWithLatestRollout bool
	// PreviousHealthy says an older revision was serving (ready pods) when the rollout began.
	PreviousHealthy bool
}

// RolloutReader reports a workload's rollout facts.
type RolloutReader func(ctx context.Context, workload managedby.Object) (Rollout, error)

// Reasons the catalogue refuses with.
const (
	reasonNoAutomaticAction = v1alpha1.ReasonNoAutomaticAction
	reasonNotSupported      = v1alpha1.ReasonActionNotSupported
	reasonNoExecution       = v1alpha1.ReasonNothingToChange
)

// choose picks the action for the workflow: the requested one (the Python-era form), else the
// catalogue's answer for the issue type given the evidence.
func choose(ctx context.Context, wf *v1alpha1.RemediationWorkflow, owner managedby.Resolution, rollout RolloutReader) (action.Action, error) {
	act := action.Action{
		Target: wf.Spec.Target, Source: wf.Spec.Source, Priority: wf.Spec.Priority,
		Confidence: wf.Spec.Confidence, Workflow: wf.Name, Incident: wf.Spec.IncidentRef, DryRun: wf.Spec.DryRun,
		Approved:         wf.Spec.Approval != nil && wf.Spec.Approval.Decision == v1alpha1.ApprovalApproved,
		ApprovalRequired: wf.Spec.ApprovalRequired,
		Reason:           strings.TrimSuffix(wf.Spec.Issue.Type+": "+wf.Spec.Issue.Description, ": "),
	}
	if len(wf.Spec.Actions) > 0 {
		return requested(act, wf.Spec.Actions[0])
	}
	t, _ := issue.Normalize(wf.Spec.Issue.Type)
	if onNode := owner.Workload.Kind == "Node"; onNode != t.OnNode() {
		return act, action.Refuse(reasonNotSupported, false, "no action for issue type %q on %s: node issues are remediated on nodes, the others on workloads",
			wf.Spec.Issue.Type, wf.Spec.Target)
	}
	switch t {
	case issue.OOMKill:
		act.Type = action.SetMemoryLimit
	case issue.ImagePull, issue.StuckRollout:
		act.Type = action.Rollback
	case issue.HighCPU, issue.HighMemory:
		act.Type = action.Scale
	case issue.PodCrash, issue.NetworkIssue:
		act.Type = action.Restart
		if t == issue.PodCrash && rollout != nil && owner.Workload.Kind != "Pod" {
			facts, err := rollout(ctx, owner.Workload)
			if err != nil {
				return act, fmt.Errorf("read rollout of %s: %w", owner.Workload, err)
			}
			// A crash that came with the latest rollout while the previous revision served is
			// the rollout's fault: go back. Otherwise restarting is the least intrusive step.
			if facts.StartedWithLatestRollout && facts.PreviousHealthy {
				act.Type = action.Rollback
			}
		}
	case issue.NodeNotReady:
		// The node's pods cannot run there: move them off, keep new ones off until it recovers.
		act.Type = action.Drain
	case issue.NodeMemoryPressure, issue.NodeDiskPressure, issue.NodePIDPressure:
		// The kubelet evicts pods itself under pressure; the engine only keeps new ones off.
		act.Type = action.Cordon
	case issue.ConfigError:
		return act, action.Refuse(reasonNoAutomaticAction, false,
			"a CreateContainerConfigError needs a missing ConfigMap, Secret or key to be created; no automatic action is safe")
	default:
		return act, action.Refuse(reasonNotSupported, false, "no automatic action for issue type %q on %s yet", wf.Spec.Issue.Type, wf.Spec.Target)
	}
	return act, nil
}

// requested maps a Python-era action name to an action.
func requested(act action.Action, r v1alpha1.RequestedAction) (action.Action, error) {
	switch r.Type {
	case "scale_deployment", "scale_up", "scale_down":
		act.Type = action.Scale
		n, err := replicasParam(r)
		if err != nil {
			return act, err
		}
		act.Replicas = n
	case "restart_pod", "restart_deployment", "restart":
		act.Type = action.Restart
		if act.Target.Kind == "Pod" {
			// Restarting one pod is evicting it: its controller replaces it, PDBs hold.
			act.Type = action.Evict
		}
	case "rollback":
		act.Type = action.Rollback
	case "set_memory_limit", "increase_memory":
		act.Type = action.SetMemoryLimit
	case "clear_alerts", "correlate_alerts", "run_inference":
		return act, action.Refuse(reasonNoExecution, false, "%s changes nothing in the cluster; it is recorded only", r.Type)
	default:
		return act, action.Refuse(reasonNotSupported, false, "action %q is not carried out by this engine version", r.Type)
	}
	return act, nil
}

// replicasParam reads an optional "replicas" parameter: a number or a numeric string.
func replicasParam(r v1alpha1.RequestedAction) (int32, error) {
	if r.Parameters == nil {
		return 0, nil
	}
	var params map[string]any
	if err := json.Unmarshal(r.Parameters.Raw, &params); err != nil {
		return 0, action.Refuse(reasonNotSupported, false, "parameters are not a JSON object: %v", err)
	}
	var n int64
	switch v := params["replicas"].(type) {
	case nil:
		return 0, nil
	case float64:
		n = int64(v)
		if float64(n) != v {
			return 0, action.Refuse(reasonNotSupported, false, "parameters.replicas must be a whole number, got %v", v)
		}
	case string:
		var err error
		if n, err = strconv.ParseInt(v, 10, 32); err != nil {
			return 0, action.Refuse(reasonNotSupported, false, "parameters.replicas must be a whole number, got %q", v)
		}
	default:
		return 0, action.Refuse(reasonNotSupported, false, "parameters.replicas must be a whole number")
	}
	if n < 0 || n > 1000 {
		return 0, action.Refuse(reasonNotSupported, false, "parameters.replicas must be between 0 and 1000, got %d", n)
	}
	return int32(n), nil
}
