package detection

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/issue"
)

func node(conditions ...corev1.NodeCondition) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "worker-1"}, Status: corev1.NodeStatus{Conditions: conditions}}
}

func nodeCondition(typ corev1.NodeConditionType, status corev1.ConditionStatus) corev1.NodeCondition {
	return corev1.NodeCondition{Type: typ, Status: status}
}

func TestNode(t *testing.T) {
	const high, critical = v1alpha1.SeverityHigh, v1alpha1.SeverityCritical
	healthy := []corev1.NodeCondition{
		nodeCondition(corev1.NodeMemoryPressure, corev1.ConditionFalse),
		nodeCondition(corev1.NodeDiskPressure, corev1.ConditionFalse),
		nodeCondition(corev1.NodePIDPressure, corev1.ConditionFalse),
		nodeCondition(corev1.NodeReady, corev1.ConditionTrue),
	}
	beingDeleted := node(nodeCondition(corev1.NodeReady, corev1.ConditionUnknown))
	beingDeleted.DeletionTimestamp = &metav1.Time{}
	tests := []struct {
		name string
		node *corev1.Node
		want []Symptom
	}{
		{"a ready node without pressure has no symptoms", node(healthy...), nil},
		{"a node that just registered, without a Ready condition, is not NotReady", node(), nil},
		{"a node whose Ready is False is node_not_ready and critical",
			node(nodeCondition(corev1.NodeReady, corev1.ConditionFalse)),
			[]Symptom{symptom(issue.NodeNotReady, "NotReady", "", critical)}},
		{"a node whose Ready is Unknown is node_not_ready",
			node(nodeCondition(corev1.NodeReady, corev1.ConditionUnknown)),
			[]Symptom{symptom(issue.NodeNotReady, "NotReady", "", critical)}},
		{"memory pressure is node_memory_pressure",
			node(nodeCondition(corev1.NodeMemoryPressure, corev1.ConditionTrue), nodeCondition(corev1.NodeReady, corev1.ConditionTrue)),
			[]Symptom{symptom(issue.NodeMemoryPressure, "MemoryPressure", "", high)}},
		{"disk pressure is node_disk_pressure",
			node(nodeCondition(corev1.NodeDiskPressure, corev1.ConditionTrue)),
			[]Symptom{symptom(issue.NodeDiskPressure, "DiskPressure", "", high)}},
		{"PID pressure is node_pid_pressure",
			node(nodeCondition(corev1.NodePIDPressure, corev1.ConditionTrue)),
			[]Symptom{symptom(issue.NodePIDPressure, "PIDPressure", "", high)}},
		{"pressure reported Unknown is not pressure",
			node(nodeCondition(corev1.NodeMemoryPressure, corev1.ConditionUnknown), nodeCondition(corev1.NodeDiskPressure, corev1.ConditionUnknown)), nil},
		{"a node not ready and under disk pressure has both, in condition order",
			node(nodeCondition(corev1.NodeDiskPressure, corev1.ConditionTrue), nodeCondition(corev1.NodeReady, corev1.ConditionFalse)),
			[]Symptom{symptom(issue.NodeDiskPressure, "DiskPressure", "", high), symptom(issue.NodeNotReady, "NotReady", "", critical)}},
		{"other conditions are ignored",
			node(nodeCondition(corev1.NodeNetworkUnavailable, corev1.ConditionTrue)), nil},
		{"a node being deleted has no symptoms", beingDeleted, nil},
		{"no node has no symptoms", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Node(tt.node)
			if diff := cmp.Diff(tt.want, got, ignoreMessage); diff != "" {
				t.Errorf("Node() mismatch (-want +got):\n%s", diff)
			}
			if tt.want == nil && got != nil {
				t.Errorf("Node() = %#v, want nil", got)
			}
		})
	}
}

func TestNodeMessageGivesTheCondition(t *testing.T) {
	n := node(corev1.NodeCondition{Type: corev1.NodeReady, Status: corev1.ConditionUnknown,
		Reason: "NodeStatusUnknown", Message: "Kubelet stopped posting node status."})
	const want = "Ready=Unknown (NodeStatusUnknown): Kubelet stopped posting node status."
	if got := Node(n); len(got) != 1 || got[0].Message != want {
		t.Errorf("Node() = %+v, want one symptom with message %q", got, want)
	}
}
