package guardrail

import (
	"slices"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
)

// resolution is the outcome of conflict resolution for one request.
type resolution struct {
	// conflicts found, one per competitor (or one low_confidence), for the metric.
	conflicts []conflictType
	// preempt are the holders the request beats; they lose their permits if it is admitted.
	preempt []*holder
	// refusal is set when the request loses.
	refusal *action.Refusal
}

// resolve applies the Python engine's conflict rules. An AI-driven action below the confidence
// threshold always loses. Otherwise the request conflicts with every live holder on the same
// target (same_target) and with every live holder whose class pairs with its class
// (node_remediation with resource_scaling, model_inference with alert_correlation) in the same
// namespace; a cluster-scoped one reaches the namespaces its Scope names, or all (action_pair). It wins when it outranks
// every one of them (then they are preempted) and loses otherwise; a tie goes to the holder.
func resolve(s *state, r request) resolution {
	if r.act.Source == v1alpha1.SourceAIDriven && !(r.act.Confidence >= s.policy.ConfidenceThreshold) {
		return resolution{conflicts: []conflictType{conflictLowConfidence},
			refusal: action.Refuse(ReasonLowConfidence, false, "%s is AI-driven with confidence %.2f, below the threshold %.2f",
				r.act, r.act.Confidence, s.policy.ConfidenceThreshold)}
	}
	var res resolution
	var winner *holder
	for _, h := range s.holders {
		if h.preempted {
			continue
		}
		kind, ok := conflictBetween(r, h)
		if !ok {
			continue
		}
		res.conflicts = append(res.conflicts, kind)
		if outranks(r.act, h.act) {
			res.preempt = append(res.preempt, h)
		} else if winner == nil {
			winner = h
		}
	}
	if winner != nil {
		res.preempt = nil
		res.refusal = action.Refuse(ReasonConflictLost, false, "%s (%s, priority %d) conflicts with %s of workflow %s (%s, priority %d), which goes first",
			r.act, r.act.Source, r.act.Priority, winner.act, winner.act.Workflow, winner.act.Source, winner.act.Priority)
	}
	return res
}

// conflictBetween says whether the request conflicts with h, and how.
func conflictBetween(r request, h *holder) (conflictType, bool) {
	if h.act.Target == r.act.Target {
		return conflictSameTarget, true
	}
	if pairs(r.class, h.class) && overlap(r.act.Target.Namespace, r.scope.Namespaces, h.act.Target.Namespace, h.scope.Namespaces) {
		return conflictActionPair, true
	}
	return "", false
}

// overlap reports whether two actions reach a common namespace: namespaced ones when they share
// their namespace, a cluster-scoped one (namespace "") when the other's namespace is among those
// it disrupts (all of them when it does not say).
func overlap(nsA string, reachA []string, nsB string, reachB []string) bool {
	switch {
	case nsA != "" && nsB != "":
		return nsA == nsB
	case nsA == "" && nsB == "":
		return true
	case nsA == "":
		return reachA == nil || slices.Contains(reachA, nsB)
	default:
		return reachB == nil || slices.Contains(reachB, nsA)
	}
}

// pairs reports whether classes a and b form one of the Python engine's conflicting pairs.
func pairs(a, b action.Class) bool {
	is := func(x, y action.Class) bool { return (a == x && b == y) || (a == y && b == x) }
	return is(action.ClassNodeRemediation, action.ClassResourceScaling) || is(action.ClassModelInference, action.ClassAlertCorrelation)
}

// outranks reports whether a goes before b: deterministic (any source but ai_driven) before
// AI-driven, then the higher priority.
func outranks(a, b action.Action) bool {
	aiA, aiB := a.Source == v1alpha1.SourceAIDriven, b.Source == v1alpha1.SourceAIDriven
	if aiA != aiB {
		return aiB
	}
	return a.Priority > b.Priority
}
