package node

import (
	"context"
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/guardrail"
)

// drain evicts node's evictable pods under p, one Writer.Apply each, at most
// Options.MaxEvictionsPerApply of them. A pod whose PodDisruptionBudget would refuse the
// eviction now is not tried; one the API server refuses with 429 TooManyRequests (a budget
// spent meanwhile) is left. When pods remain, drain returns a retryable *action.Refusal
// (ReasonDrainBlocked) naming them and why; another error of the Writer (a refused permit, an
// eviction forbidden) ends the drain and is returned.
func (s *Strategy) drain(ctx context.Context, p *guardrail.Permit, node string) error {
	set, err := s.podsOn(ctx, node)
	if err != nil {
		return err
	}
	pdbs := newBudgets(s.reader)
	var blocked []string
	tried, deferred := 0, 0
	for i := range set.evict {
		pod := &set.evict[i]
		if tried == s.opts.MaxEvictionsPerApply {
			deferred = len(set.evict) - i
			break
		}
		selecting, err := pdbs.selecting(ctx, pod)
		if err != nil {
			return err
		}
		spends, why := judge(pod, selecting)
		if why != "" {
			blocked = append(blocked, podName(pod)+" "+why)
			continue
		}
		tried++
		err = s.writer.Apply(ctx, p, evictChange(pod, node))
		switch {
		case apierrors.IsTooManyRequests(err):
			blocked = append(blocked, podName(pod)+" was refused by the API server: "+statusMessage(err))
		case err != nil:
			return err
		case spends != nil:
			spends.allowed--
		}
	}
	if len(blocked) == 0 && deferred == 0 {
		return nil
	}
	var msg []string
	if len(blocked) > 0 {
		msg = append(msg, fmt.Sprintf("%s not evicted yet: %s", plural(len(blocked), "pod"), names(blocked, "; ")))
	}
	if deferred > 0 {
		msg = append(msg, fmt.Sprintf("%s more wait for the next try (at most %d evictions a call)", plural(deferred, "pod"), s.opts.MaxEvictionsPerApply))
	}
	return action.Refuse(ReasonDrainBlocked, true, "draining node %s: %s", node, strings.Join(msg, "; "))
}

// evictChange evicts pod, named with its UID so that a pod recreated under the same name is not
// evicted by it.
func evictChange(pod *corev1.Pod, node string) v1alpha1.Change {
	return v1alpha1.Change{
		Strategy:  Name,
		Object:    v1alpha1.ObjectRef{APIVersion: "v1", Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: string(pod.UID)},
		Operation: v1alpha1.OperationEvict,
		Summary:   fmt.Sprintf("evict pod %s from node %s", podName(pod), node),
	}
}

// statusMessage is the API server's message for err, with the causes it gives (the budget that
// refused).
func statusMessage(err error) string {
	var st apierrors.APIStatus
	if !errors.As(err, &st) {
		return err.Error()
	}
	s := st.Status()
	msg := s.Message
	if s.Details != nil {
		for _, c := range s.Details.Causes {
			msg += " " + c.Message
		}
	}
	return msg
}
