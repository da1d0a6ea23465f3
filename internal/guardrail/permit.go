package guardrail

import (
	"sync"

	"selfhealing.dev/coordination-engine/internal/action"
)

// Outcome is how an admitted action ended, which decides what the gate remembers of it.
type Outcome int

// Outcomes.
const (
	// NotApplied: nothing was changed (planning failed, a dry run, cancelled before applying);
	// the action counts toward no budget or cooldown.
	NotApplied Outcome = iota
	// Applied: the change was made; it counts toward budgets and starts the cooldown.
	Applied
)

// Permit is the gate's leave for one action on one target. It holds the target's lock until
// Done. The Writer changes nothing without a live permit.
type Permit struct {
	act     action.Action
	release func(Outcome)

	mu        sync.Mutex
	done      bool
	preempted *action.Refusal
}

// NewPermit is used by the Gate; release runs once, at Done.
func newPermit(act action.Action, release func(Outcome)) *Permit {
	return &Permit{act: act, release: release}
}

// Action is the admitted action.
func (p *Permit) Action() action.Action { return p.act }

// Preempt revokes the permit because a conflicting action won; the holder must stop before
// changing anything. The first reason wins.
func (p *Permit) Preempt(r *action.Refusal) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.preempted == nil {
		p.preempted = r
	}
}

// Live returns nil while the permit may be used, else the refusal that ended it.
func (p *Permit) Live() error {
	if p == nil {
		return action.Refuse(ReasonNoPermit, false, "no permit: every change must pass the safety gate")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.preempted != nil:
		return p.preempted
	case p.done:
		return action.Refuse(ReasonPermitUsed, false, "the permit for %s has been released", p.act)
	}
	return nil
}

// Done releases the target's lock and records the outcome. Later calls do nothing.
func (p *Permit) Done(o Outcome) {
	p.mu.Lock()
	if p.done {
		p.mu.Unlock()
		return
	}
	p.done = true
	p.mu.Unlock()
	if p.release != nil {
		p.release(o)
	}
}
