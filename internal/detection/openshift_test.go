package detection

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/issue"
)

// openshiftObject is an unstructured object with the given status conditions.
func openshiftObject(apiVersion, kind string, conditions ...map[string]any) *unstructured.Unstructured {
	items := make([]any, len(conditions))
	for i, c := range conditions {
		items[i] = c
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": apiVersion, "kind": kind, "metadata": map[string]any{"name": "example"},
		"status": map[string]any{"conditions": items},
	}}
}

func clusterOperator(conditions ...map[string]any) *unstructured.Unstructured {
	return openshiftObject("config.openshift.io/v1", "ClusterOperator", conditions...)
}

func machineConfigPool(conditions ...map[string]any) *unstructured.Unstructured {
	return openshiftObject("machineconfiguration.openshift.io/v1", "MachineConfigPool", conditions...)
}

func cond(typ, status, reason, message string) map[string]any {
	return map[string]any{"type": typ, "status": status, "reason": reason, "message": message}
}

// ignored are objects whose status or metadata has the wrong shape, and a degraded object being
// deleted: every rule must return nil for them, without panicking.
func ignored() map[string]*unstructured.Unstructured {
	withStatus := func(status any) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{"status": status}}
	}
	deleting := clusterOperator(cond("Degraded", "True", "", ""), cond("NodeDegraded", "True", "", ""))
	deleting.SetDeletionTimestamp(&metav1.Time{Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)})
	return map[string]*unstructured.Unstructured{
		"no object":                       nil,
		"no content":                      {},
		"no status":                       {Object: map[string]any{"kind": "ClusterOperator"}},
		"a status that is a string":       withStatus("Degraded"),
		"conditions that are a map":       withStatus(map[string]any{"conditions": map[string]any{"type": "Degraded", "status": "True"}}),
		"conditions that are not maps":    withStatus(map[string]any{"conditions": []any{"Degraded", 1, nil, []any{"True"}}}),
		"a condition type that is number": withStatus(map[string]any{"conditions": []any{map[string]any{"type": 1, "status": "True"}}}),
		"a condition status that is bool": withStatus(map[string]any{"conditions": []any{map[string]any{"type": "Degraded", "status": true}}}),
		"metadata that is a list":         {Object: map[string]any{"metadata": []any{}, "status": map[string]any{"conditions": []any{}}}},
		"an object being deleted":         deleting,
	}
}

func TestClusterOperator(t *testing.T) {
	const high = v1alpha1.SeverityHigh
	tests := []struct {
		name string
		obj  *unstructured.Unstructured
		want []Symptom
	}{
		{"Degraded=True is cluster_operator_degraded with the condition's reason",
			clusterOperator(cond("Available", "True", "AsExpected", ""), cond("Degraded", "True", "NodeInstaller_InstallerPodFailed", "installer pod failed\nmore")),
			[]Symptom{{Issue: issue.ClusterOperatorDegraded, Reason: "NodeInstaller_InstallerPodFailed", Severity: high,
				Message: "Degraded=True (NodeInstaller_InstallerPodFailed): installer pod failed"}}},
		{"Degraded=True without a reason reads Degraded",
			clusterOperator(cond("Degraded", "True", "", "")),
			[]Symptom{{Issue: issue.ClusterOperatorDegraded, Reason: "Degraded", Severity: high, Message: "Degraded=True"}}},
		{"Degraded=False has no symptoms",
			clusterOperator(cond("Degraded", "False", "AsExpected", ""), cond("Available", "True", "", "")), nil},
		{"Progressing or unavailable alone is not degraded",
			clusterOperator(cond("Progressing", "True", "", ""), cond("Available", "False", "", "")), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, ClusterOperator(tt.obj)); diff != "" {
				t.Errorf("ClusterOperator() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMachineConfigPool(t *testing.T) {
	const high = v1alpha1.SeverityHigh
	tests := []struct {
		name string
		obj  *unstructured.Unstructured
		want []Symptom
	}{
		{"NodeDegraded=True is machine_config_pool_degraded and named before Degraded",
			machineConfigPool(cond("Degraded", "True", "", ""), cond("NodeDegraded", "True", "1 nodes are reporting degraded status on sync", `Node worker-1 is reporting: "unexpected on-disk state"`)),
			[]Symptom{{Issue: issue.MachineConfigPoolDegraded, Reason: "NodeDegraded", Severity: high,
				Message: `NodeDegraded=True (1 nodes are reporting degraded status on sync): Node worker-1 is reporting: "unexpected on-disk state"`}}},
		{"RenderDegraded=True is machine_config_pool_degraded",
			machineConfigPool(cond("RenderDegraded", "True", "", "controller version mismatch")),
			[]Symptom{{Issue: issue.MachineConfigPoolDegraded, Reason: "RenderDegraded", Severity: high,
				Message: "RenderDegraded=True: controller version mismatch"}}},
		{"Degraded=True alone is machine_config_pool_degraded",
			machineConfigPool(cond("Degraded", "True", "", "")),
			[]Symptom{{Issue: issue.MachineConfigPoolDegraded, Reason: "Degraded", Severity: high, Message: "Degraded=True"}}},
		{"an updated pool has no symptoms",
			machineConfigPool(cond("Updated", "True", "", ""), cond("Degraded", "False", "", ""), cond("NodeDegraded", "False", "", ""), cond("RenderDegraded", "False", "", "")), nil},
		{"an updating pool has no symptoms",
			machineConfigPool(cond("Updating", "True", "", "")), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, MachineConfigPool(tt.obj)); diff != "" {
				t.Errorf("MachineConfigPool() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOpenShiftRulesIgnoreMalformedAndDeletedObjects(t *testing.T) {
	for name, obj := range ignored() {
		t.Run(name, func(t *testing.T) {
			if got := ClusterOperator(obj); got != nil {
				t.Errorf("ClusterOperator(%s) = %v, want nil", name, got)
			}
			if got := MachineConfigPool(obj); got != nil {
				t.Errorf("MachineConfigPool(%s) = %v, want nil", name, got)
			}
		})
	}
}
