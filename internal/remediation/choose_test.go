package remediation

import (
	"context"
	"errors"
	"testing"

	"github.com/go-logr/logr"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/managedby"
)

func workflowFor(issueType string, actions ...v1alpha1.RequestedAction) *v1alpha1.RemediationWorkflow {
	wf := &v1alpha1.RemediationWorkflow{}
	wf.Name = "wf-1"
	wf.Spec = v1alpha1.RemediationWorkflowSpec{IncidentRef: "inc-1", Issue: v1alpha1.Issue{Type: issueType},
		Target: v1alpha1.Target{Kind: "Deployment", Namespace: "shop", Name: "web"}, Actions: actions,
		Source: v1alpha1.SourceManual, Priority: 5}
	return wf
}

// onNode retargets the workflow at the node w-1.
func onNode(wf *v1alpha1.RemediationWorkflow) *v1alpha1.RemediationWorkflow {
	wf.Spec.Target = v1alpha1.Target{Kind: "Node", Name: "w-1"}
	return wf
}

var nodeOwner = managedby.Resolution{Workload: managedby.Object{APIVersion: "v1", Kind: "Node", Name: "w-1"}}

func rolloutSays(latest, previousHealthy bool) RolloutReader {
	return func(context.Context, managedby.Object) (Rollout, error) {
		return Rollout{StartedWithLatestRollout: latest, PreviousHealthy: previousHealthy}, nil
	}
}

func TestChoose(t *testing.T) {
	deployment := managedby.Resolution{Workload: managedby.Object{Kind: "Deployment", Namespace: "shop", Name: "web"}}
	params := func(raw string) v1alpha1.RequestedAction {
		return v1alpha1.RequestedAction{Type: "scale_deployment", Parameters: &apiextensionsv1.JSON{Raw: []byte(raw)}}
	}
	tests := []struct {
		name     string
		wf       *v1alpha1.RemediationWorkflow
		rollout  RolloutReader
		want     action.Type
		replicas int32
		refusal  string
	}{
		{"a crash that came with the latest rollout while the previous revision served rolls back",
			workflowFor("CrashLoopBackOff"), rolloutSays(true, true), action.Rollback, 0, ""},
		{"a crash long after the last rollout restarts", workflowFor("pod_crash"), rolloutSays(false, true), action.Restart, 0, ""},
		{"a crash of a new rollout whose previous revision was not healthy restarts",
			workflowFor("pod_crash"), rolloutSays(true, false), action.Restart, 0, ""},
		{"OOMKilled raises the memory limit", workflowFor("OOMKilled"), nil, action.SetMemoryLimit, 0, ""},
		{"an image pull failure rolls back", workflowFor("ImagePullBackOff"), nil, action.Rollback, 0, ""},
		{"a stuck rollout rolls back", workflowFor("ProgressDeadlineExceeded"), nil, action.Rollback, 0, ""},
		{"high CPU scales", workflowFor("high_cpu"), nil, action.Scale, 0, ""},
		{"high memory scales", workflowFor("high_memory"), nil, action.Scale, 0, ""},
		{"a config error is refused: no automatic action is safe", workflowFor("CreateContainerConfigError"), nil, "", 0, reasonNoAutomaticAction},
		{"a node issue is not supported on a workload", workflowFor("node_not_ready"), nil, "", 0, reasonNotSupported},
		{"a NotReady node is drained", onNode(workflowFor("NodeNotReady")), nil, action.Drain, 0, ""},
		{"a node under memory pressure is cordoned", onNode(workflowFor("node_memory_pressure")), nil, action.Cordon, 0, ""},
		{"a node under disk pressure is cordoned", onNode(workflowFor("DiskPressure")), nil, action.Cordon, 0, ""},
		{"a workload issue is not supported on a node", onNode(workflowFor("pod_crash")), nil, "", 0, reasonNotSupported},
		{"a requested scale takes the replicas parameter", workflowFor("high_cpu", params(`{"replicas":4}`)), nil, action.Scale, 4, ""},
		{"a requested scale takes replicas as a string", workflowFor("high_cpu", params(`{"replicas":"3"}`)), nil, action.Scale, 3, ""},
		{"a fractional replicas parameter is refused", workflowFor("high_cpu", params(`{"replicas":2.5}`)), nil, "", 0, reasonNotSupported},
		{"a negative replicas parameter is refused", workflowFor("high_cpu", params(`{"replicas":-1}`)), nil, "", 0, reasonNotSupported},
		{"correlate_alerts changes nothing in the cluster", workflowFor("pod_crash", v1alpha1.RequestedAction{Type: "correlate_alerts"}),
			nil, "", 0, reasonNoExecution},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			owner := deployment
			if tt.wf.Spec.Target.Kind == "Node" {
				owner = nodeOwner
			}
			act, err := choose(t.Context(), tt.wf, owner, tt.rollout)
			var r *action.Refusal
			switch {
			case tt.refusal != "":
				if !errors.As(err, &r) || r.Reason != tt.refusal {
					t.Fatalf("choose() error = %v, want refusal %s", err, tt.refusal)
				}
			case err != nil:
				t.Fatalf("choose() error = %v", err)
			case act.Type != tt.want || act.Replicas != tt.replicas:
				t.Fatalf("choose() = %s replicas %d, want %s replicas %d", act.Type, act.Replicas, tt.want, tt.replicas)
			}
		})
	}
}

func TestChooseRestartPodIsAnEviction(t *testing.T) {
	wf := workflowFor("pod_crash", v1alpha1.RequestedAction{Type: "restart_pod"})
	wf.Spec.Target = v1alpha1.Target{Kind: "Pod", Namespace: "shop", Name: "web-1"}
	act, err := choose(t.Context(), wf, managedby.Resolution{}, nil)
	if err != nil || act.Type != action.Evict {
		t.Fatalf("choose(restart_pod on a Pod) = %s, %v; want evict", act.Type, err)
	}
}

func TestContains(t *testing.T) {
	obj := map[string]any{"spec": map[string]any{"replicas": int64(3), "template": map[string]any{
		"metadata": map[string]any{"annotations": map[string]any{"a": "1"}}}}}
	tests := []struct {
		name  string
		patch map[string]any
		want  bool
	}{
		{"a patch whose values are all in place is in effect", map[string]any{"spec": map[string]any{"replicas": float64(3)}}, true},
		{"a nested annotation in place is in effect", map[string]any{"spec": map[string]any{"template": map[string]any{
			"metadata": map[string]any{"annotations": map[string]any{"a": "1"}}}}}, true},
		{"a changed value means reverted", map[string]any{"spec": map[string]any{"replicas": float64(2)}}, false},
		{"a missing field means reverted", map[string]any{"spec": map[string]any{"paused": true}}, false},
		{"a null in the patch is in effect when the field is absent", map[string]any{"spec": map[string]any{"paused": nil}}, true},
		{"a null in the patch is reverted when the field is back", map[string]any{"spec": map[string]any{"replicas": nil}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := contains(obj, tt.patch); got != tt.want {
				t.Fatalf("contains(%v) = %v, want %v", tt.patch, got, tt.want)
			}
		})
	}
}

func discard() logr.Logger { return logr.Discard() }
