package guardrail

import (
	"slices"
	"time"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
)

// Record is an action that was applied, as the Gate remembers it for cooldowns, dedup and
// budgets. The executor rebuilds them from the durable workflows after a restart (Gate.Seed).
type Record struct {
	// Type is the action type.
	Type action.Type
	// Target is what the action changed; its namespace is the budget's namespace.
	Target v1alpha1.Target
	// At is when the change was applied.
	At time.Time
}

// holder is an admitted action that has not finished: it holds its target's lock, reserves
// budget and takes part in conflict resolution.
type holder struct {
	id        uint64
	act       action.Action
	class     action.Class
	scope     Scope
	permit    *Permit
	preempted bool
}

// state is what the checks decide on. It is owned by the Gate and read under its mutex.
type state struct {
	policy    Policy
	policyErr error
	engineNS  string
	holders   []*holder
	history   []Record
}

// request is one Admit call.
type request struct {
	act   action.Action
	scope Scope
	class action.Class
	now   time.Time
}

// horizon is how far back history matters under the current policy.
func (s *state) horizon() time.Duration {
	return max(s.policy.BudgetWindow, s.policy.Cooldown, s.policy.DedupWindow)
}

// prune drops history older than the horizon, which bounds the gate's memory.
func (s *state) prune(now time.Time) {
	cut := now.Add(-s.horizon())
	kept := s.history[:0]
	for _, r := range s.history {
		if !r.At.Before(cut) {
			kept = append(kept, r)
		}
	}
	clear(s.history[len(kept):])
	s.history = kept
}

func (s *state) remove(h *holder) {
	if i := slices.Index(s.holders, h); i >= 0 {
		s.holders = slices.Delete(s.holders, i, i+1)
	}
}

// used counts actions in namespace ns (every namespace when all) applied within the budget
// window before now or still in flight, and says when a slot frees.
func (s *state) used(ns string, all bool, now time.Time) (int, string) {
	n := 0
	var oldest time.Time
	since := now.Add(-s.policy.BudgetWindow)
	for _, r := range s.history {
		if (all || r.Target.Namespace == ns) && r.At.After(since) {
			n++
			if oldest.IsZero() || r.At.Before(oldest) {
				oldest = r.At
			}
		}
	}
	for _, h := range s.holders {
		if all || h.act.Target.Namespace == ns {
			n++
		}
	}
	switch {
	case n == 0:
		return n, "the budget allows none"
	case oldest.IsZero():
		return n, "a slot frees when an action in flight ends"
	}
	return n, "a slot frees at " + oldest.Add(s.policy.BudgetWindow).UTC().Format(time.RFC3339)
}

// lastApplied is when t was last applied to target, and whether it was within the horizon.
func (s *state) lastApplied(t action.Type, target v1alpha1.Target) (time.Time, bool) {
	var last time.Time
	found := false
	for _, r := range s.history {
		if r.Type == t && r.Target == target && (!found || r.At.After(last)) {
			last, found = r.At, true
		}
	}
	return last, found
}
