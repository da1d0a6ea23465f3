package node

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/remediation"
)

// Follow reports how far change got. Reverted when someone uncordoned the node
// (spec.unschedulable false); Failed when the node is gone. A cordon is Done at once; a drain
// is Done when no evictable pod is left on the node, and until then its Checks name the pods
// left (and those still terminating, which no longer hold it up).
func (s *Strategy) Follow(ctx context.Context, change v1alpha1.Change) (remediation.Progress, error) {
	if err := own(change); err != nil {
		return remediation.Progress{}, fmt.Errorf("follow %s: %w", change.Summary, err)
	}
	n, err := s.getNode(ctx, change.Object.Name)
	if apierrors.IsNotFound(err) {
		return remediation.Progress{Failed: fmt.Sprintf("node %s no longer exists", change.Object.Name)}, nil
	}
	if err != nil {
		return remediation.Progress{}, err
	}
	if !n.Spec.Unschedulable {
		return remediation.Progress{Reverted: uncordoned(n)}, nil
	}
	p := remediation.Progress{Checks: []string{fmt.Sprintf("node %s is cordoned (spec.unschedulable true)", n.Name)}}
	if !isDrain(change.Diff) {
		p.Done = true
		return p, nil
	}
	set, err := s.podsOn(ctx, n.Name)
	if err != nil {
		return remediation.Progress{}, err
	}
	if len(set.evict) > 0 {
		left := make([]string, len(set.evict))
		for i := range set.evict {
			left[i] = podName(&set.evict[i])
		}
		p.Checks = append(p.Checks, fmt.Sprintf("%s still to evict from node %s: %s", plural(len(left), "pod"), n.Name, names(left, ", ")))
	} else {
		p.Done = true
		check := "no pod left to evict on node " + n.Name
		if stay := set.stay(); stay != "" {
			check += " (" + stay + ")"
		}
		p.Checks = append(p.Checks, check)
	}
	if len(set.terminating) > 0 {
		now := s.clock()
		gone := make([]string, len(set.terminating))
		for i := range set.terminating {
			pod := &set.terminating[i]
			gone[i] = fmt.Sprintf("%s (for %s)", podName(pod), now.Sub(pod.DeletionTimestamp.Time).Round(time.Second))
		}
		p.Checks = append(p.Checks, fmt.Sprintf("%s terminating on node %s: %s", plural(len(gone), "pod"), n.Name, names(gone, ", ")))
	}
	return p, nil
}

// uncordoned says who undid the cordon, as far as the node tells.
func uncordoned(n *corev1.Node) string {
	if by, ok := n.Annotations[CordonedByAnnotation]; ok {
		return fmt.Sprintf("node %s was uncordoned (spec.unschedulable false) though %s still names workflow %s: someone ran an uncordon", n.Name, CordonedByAnnotation, by)
	}
	return fmt.Sprintf("node %s was uncordoned (spec.unschedulable false, no %s annotation): someone undid the cordon", n.Name, CordonedByAnnotation)
}
