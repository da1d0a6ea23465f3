package detection

import (
	corev1 "k8s.io/api/core/v1"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/issue"
)

// Node returns the node's symptoms in condition order, or nil when it has none: node_not_ready
// (critical) when Ready is False or Unknown, and node_memory_pressure, node_disk_pressure,
// node_pid_pressure (high) when the matching pressure condition is True. A node that has no
// Ready condition yet has just registered and is not NotReady. A node being deleted has none.
func Node(n *corev1.Node) []Symptom {
	if n == nil || n.DeletionTimestamp != nil {
		return nil
	}
	var out []Symptom
	for i := range n.Status.Conditions {
		c := &n.Status.Conditions[i]
		var s Symptom
		switch {
		case c.Type == corev1.NodeReady:
			if c.Status != corev1.ConditionFalse && c.Status != corev1.ConditionUnknown {
				continue
			}
			s = Symptom{Issue: issue.NodeNotReady, Reason: reasonNotReady, Severity: v1alpha1.SeverityCritical}
		case c.Status != corev1.ConditionTrue:
			continue
		case c.Type == corev1.NodeMemoryPressure:
			s = Symptom{Issue: issue.NodeMemoryPressure, Reason: string(c.Type), Severity: v1alpha1.SeverityHigh}
		case c.Type == corev1.NodeDiskPressure:
			s = Symptom{Issue: issue.NodeDiskPressure, Reason: string(c.Type), Severity: v1alpha1.SeverityHigh}
		case c.Type == corev1.NodePIDPressure:
			s = Symptom{Issue: issue.NodePIDPressure, Reason: string(c.Type), Severity: v1alpha1.SeverityHigh}
		default:
			continue
		}
		s.Message = conditionMessage(string(c.Type), string(c.Status), c.Reason, c.Message)
		out = append(out, s)
	}
	return out
}
