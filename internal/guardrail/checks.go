package guardrail

import (
	"errors"
	"time"

	"selfhealing.dev/coordination-engine/internal/action"
)

// check is one question of "should we act?": it returns why the action may not go ahead, or
// nil. Checks are pure: they read the state and the request and change neither.
type check struct {
	name string
	run  func(*state, request) *action.Refusal
	// onResume says the check also judges a resumed action (one admitted before the engine
	// restarted): the policy-wide answers and the lock do; what was already counted, cooled
	// down, resolved or approved at its first admission does not count again.
	onResume bool
}

// chain is the order the Gate asks in; the first refusal wins. The cheap, policy-wide answers
// come first, so that a paused engine says Paused rather than a budget.
var chain = []check{
	{"paused", checkPaused, true},
	{"protectedNamespace", checkProtectedNamespace, true},
	{"policy", checkPolicy, true},
	{"lock", checkLock, true},
	{"dedup", checkDedup, false},
	{"cooldown", checkCooldown, false},
	{"namespaceBudget", checkNamespaceBudget, false},
	{"clusterBudget", checkClusterBudget, false},
	{"blastRadius", checkBlastRadius, false},
	{"conflict", checkConflict, false},
	{"approval", checkApproval, false},
	{"nodes", checkNodes, false},
}

func checkPaused(s *state, r request) *action.Refusal {
	if s.policy.Paused {
		return action.Refuse(ReasonPaused, false, "the safety policy pauses every action")
	}
	return nil
}

func checkProtectedNamespace(s *state, r request) *action.Refusal {
	if glob, ok := s.policy.protects(r.act.Target.Namespace); ok {
		return action.Refuse(ReasonProtectedNamespace, false, "namespace %s is protected (%s)", r.act.Target.Namespace, glob)
	}
	return nil
}

func checkPolicy(s *state, r request) *action.Refusal {
	if s.policyErr != nil {
		return action.Refuse(ReasonInvalidPolicy, errors.Is(s.policyErr, ErrPolicyNotLoaded),
			"every action is refused until the safety policy is valid: %v", s.policyErr)
	}
	return nil
}

// checkLock allows one admitted action per target. An action of higher standing passes (the
// conflict check preempts the holder) and so does one of lower standing (it loses the conflict);
// an equal one waits.
// A resumed action skips conflict resolution, so any live holder of its target locks it out.
func checkLock(s *state, r request) *action.Refusal {
	for _, h := range s.holders {
		if !h.preempted && h.act.Target == r.act.Target && (r.act.Resumed || !outranks(r.act, h.act) && !outranks(h.act, r.act)) {
			return action.Refuse(ReasonTargetLocked, true, "%s holds %s (workflow %s)", h.act.Type, r.act.Target, h.act.Workflow)
		}
	}
	return nil
}

func checkDedup(s *state, r request) *action.Refusal {
	for _, h := range s.holders {
		if !h.preempted && h.act.Type == r.act.Type && h.act.Target == r.act.Target {
			return action.Refuse(ReasonDuplicate, false, "%s is in flight (workflow %s)", r.act, h.act.Workflow)
		}
	}
	if last, ok := s.lastApplied(r.act.Type, r.act.Target); ok && r.now.Sub(last) < s.policy.DedupWindow {
		return action.Refuse(ReasonDuplicate, false, "%s was applied at %s, within the dedup window of %s",
			r.act, last.UTC().Format(time.RFC3339), s.policy.DedupWindow)
	}
	return nil
}

func checkCooldown(s *state, r request) *action.Refusal {
	if last, ok := s.lastApplied(r.act.Type, r.act.Target); ok && r.now.Sub(last) < s.policy.Cooldown {
		return action.Refuse(ReasonCoolingDown, true, "%s was applied at %s; it cools down until %s", r.act,
			last.UTC().Format(time.RFC3339), last.Add(s.policy.Cooldown).UTC().Format(time.RFC3339))
	}
	return nil
}

func checkNamespaceBudget(s *state, r request) *action.Refusal {
	ns := r.act.Target.Namespace
	if ns == "" {
		return nil
	}
	if n, free := s.used(ns, false, r.now); n >= s.policy.NamespaceBudget {
		return action.Refuse(ReasonNamespaceBudgetExhausted, true, "namespace %s used %d of %d actions in %s; %s",
			ns, n, s.policy.NamespaceBudget, s.policy.BudgetWindow, free)
	}
	return nil
}

func checkClusterBudget(s *state, r request) *action.Refusal {
	if n, free := s.used("", true, r.now); n >= s.policy.ClusterBudget {
		return action.Refuse(ReasonClusterBudgetExhausted, true, "the cluster used %d of %d actions in %s; %s",
			n, s.policy.ClusterBudget, s.policy.BudgetWindow, free)
	}
	return nil
}

func checkBlastRadius(s *state, r request) *action.Refusal {
	sc := r.scope
	if err := sc.validate(); err != nil {
		return action.Refuse(ReasonCheckFailed, false, "cannot judge the blast radius of %s: %v", r.act, err)
	}
	if sc.Disrupted == 0 {
		return nil
	}
	allowed := allowedUnavailable(sc.Desired, s.policy.MaxUnavailablePercent)
	if unavailable := max(sc.Desired-sc.Ready, 0) + sc.Disrupted; unavailable > allowed {
		return action.Refuse(ReasonBlastRadius, false,
			"%s would leave %d of %d replicas unavailable (%d ready, %d disrupted); maxUnavailablePercent %d%% allows %d",
			r.act, unavailable, sc.Desired, sc.Ready, sc.Disrupted, s.policy.MaxUnavailablePercent, allowed)
	}
	return nil
}

// checkNodes holds node actions to MaxNodesInFlight nodes at once and MinHealthyNodes Ready,
// schedulable nodes left afterwards.
func checkNodes(s *state, r request) *action.Refusal {
	if r.act.Target.Kind != "Node" {
		return nil
	}
	held := 0
	for _, h := range s.holders {
		if h.act.Target.Kind == "Node" && h.act.Target != r.act.Target {
			held++
		}
	}
	if held >= s.policy.MaxNodesInFlight {
		return action.Refuse(ReasonNodeLimit, true, "the engine holds %d node(s) already; maxNodesInFlight allows %d at once",
			held, s.policy.MaxNodesInFlight)
	}
	if left := r.scope.Ready - r.scope.Disrupted; r.scope.Disrupted > 0 && int(left) < s.policy.MinHealthyNodes {
		return action.Refuse(ReasonNodeLimit, true, "%s would leave %d Ready, schedulable node(s) of %d; minHealthyNodes is %d",
			r.act, left, r.scope.Desired, s.policy.MinHealthyNodes)
	}
	return nil
}

// allowedUnavailable is pct % of desired, rounded down but at least one while pct > 0.
func allowedUnavailable(desired int32, pct int) int32 {
	if pct <= 0 || desired <= 0 {
		return 0
	}
	return max(int32(int64(desired)*int64(pct)/100), 1)
}

func checkConflict(s *state, r request) *action.Refusal { return resolve(s, r).refusal }

func checkApproval(s *state, r request) *action.Refusal {
	switch {
	case r.act.Approved:
	case r.act.ApprovalRequired:
		return action.Refuse(ReasonApprovalRequired, false, "%s needs a person's approval: the auto-remediation policy asks for it", r.act)
	case s.policy.needsApproval(r.act.Type, r.class):
		return action.Refuse(ReasonApprovalRequired, false, "%s (class %s) needs a person's approval", r.act, r.class)
	}
	return nil
}

// conflictType is a conflict_type label value of coordination_engine_conflicts_total.
type conflictType string

// Conflict types, as telemetry.ConflictTypes names them.
const (
	conflictSameTarget    conflictType = "same_target"
	conflictActionPair    conflictType = "action_pair"
	conflictLowConfidence conflictType = "low_confidence"
)
