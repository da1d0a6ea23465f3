package node

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// NodeHealth reports whether node name is healthy: its Ready condition True and none of
// MemoryPressure, DiskPressure and PIDPressure True. checks say what was looked at, one line a
// condition. A node that cannot be read returns the error (wrapping NotFound for a node that is
// gone).
func (s *Strategy) NodeHealth(ctx context.Context, name string) (healthy bool, checks []string, err error) {
	n, err := s.getNode(ctx, name)
	if err != nil {
		return false, nil, err
	}
	healthy = true
	ready := condition(n, corev1.NodeReady)
	if ready == nil {
		healthy = false
		checks = append(checks, fmt.Sprintf("node %s Ready Unknown (no condition reported)", name))
	} else {
		healthy = ready.Status == corev1.ConditionTrue
		checks = append(checks, conditionCheck(name, ready))
	}
	for _, t := range []corev1.NodeConditionType{corev1.NodeMemoryPressure, corev1.NodeDiskPressure, corev1.NodePIDPressure} {
		c := condition(n, t)
		if c == nil {
			continue
		}
		checks = append(checks, conditionCheck(name, c))
		if c.Status == corev1.ConditionTrue {
			healthy = false
		}
	}
	return healthy, checks, nil
}

func condition(n *corev1.Node, t corev1.NodeConditionType) *corev1.NodeCondition {
	for i := range n.Status.Conditions {
		if n.Status.Conditions[i].Type == t {
			return &n.Status.Conditions[i]
		}
	}
	return nil
}

// conditionCheck is "node w-3 Ready False (KubeletNotReady)".
func conditionCheck(node string, c *corev1.NodeCondition) string {
	s := fmt.Sprintf("node %s %s %s", node, c.Type, c.Status)
	if c.Reason != "" {
		s += " (" + c.Reason + ")"
	}
	return s
}
