package guardrail

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/go-logr/logr"

	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/telemetry"
)

// Scope is what the Gate needs to judge an action's blast radius, measured by the caller
// (the executor or strategy) just before it asks. The zero Scope disrupts nothing.
type Scope struct {
	// Desired is the workload's desired replicas (or the size of the node pool).
	Desired int32
	// Ready is how many of them are ready now.
	Ready int32
	// Disrupted is how many ready replicas (or nodes) the action takes out of service at once,
	// at most Ready: 1 for evicting a ready pod; for a rolling restart the ready pods the
	// rollout may take down beyond those already unavailable, max(0, maxUnavailable -
	// (Desired - Ready)), since the rollout counts those; 0 for acting on pods that are not
	// ready anyway or for a scale-up. The check refuses when (Desired - Ready) + Disrupted
	// exceeds the policy's allowance.
	Disrupted int32
	// Class overrides act.Type.Class() for actions requested in the Python engine's class
	// vocabulary (model_inference, alert_correlation), which conflict resolution is written in.
	Class action.Class
	// Namespaces are, for a cluster-scoped action (a node's cordon or drain), the namespaces
	// of the pods it disrupts. Class-pair conflicts with namespaced actions are limited to
	// them, so draining one node does not hold back a memory fix on a workload elsewhere.
	// nil means the whole cluster.
	Namespaces []string
}

func (s Scope) validate() error {
	switch {
	case s.Desired < 0 || s.Ready < 0 || s.Disrupted < 0:
		return fmt.Errorf("negative replica counts (desired %d, ready %d, disrupted %d)", s.Desired, s.Ready, s.Disrupted)
	case s.Disrupted > s.Ready:
		return fmt.Errorf("disrupts %d ready replicas of %d ready", s.Disrupted, s.Ready)
	}
	return nil
}

// Gate decides whether an action may go ahead and hands out Permits. All its state is behind
// one mutex and the whole check chain runs under it, so concurrent Admits on one target yield
// one permit.
type Gate struct {
	policy  func() (Policy, error)
	metrics *telemetry.Metrics
	now     func() time.Time
	log     logr.Logger

	mu     sync.Mutex
	st     state
	nextID uint64
}

// NewGate returns a gate that reads the policy from policy on every Admit (PolicySource.Policy,
// or a func returning a fixed Policy in tests), counts conflicts in metrics (nil counts
// nothing) and tells time by clock.
func NewGate(policy func() (Policy, error), metrics *telemetry.Metrics, clock func() time.Time, log logr.Logger) *Gate {
	return &Gate{policy: policy, metrics: metrics, now: clock, log: log}
}

// Admit runs the check chain for act (see chain) and returns a Permit, or an *action.Refusal
// saying which check refused and why; a check that cannot decide refuses (CheckFailed). An
// admitted action that beats in-flight conflicting ones preempts their permits (ConflictLost).
// A dry run is judged like any action but its permit holds no lock, reserves no budget, preempts
// nothing and records nothing. Admit returns ctx's error, wrapped, when ctx is done.
func (g *Gate) Admit(ctx context.Context, act action.Action, scope Scope) (*Permit, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("admit %s: %w", act, err)
	}
	pol, perr := g.policy()
	req := request{act: act, scope: scope, class: act.Type.Class()}
	if scope.Class != "" {
		req.class = scope.Class
	}

	g.mu.Lock()
	req.now = g.now()
	g.st.policy, g.st.policyErr = pol, perr
	if perr == nil {
		g.st.prune(req.now)
	}
	failed, refusal := evaluate(&g.st, req)
	var res resolution
	if failed == "conflict" || (refusal == nil && !act.DryRun && !act.Resumed) {
		res = resolve(&g.st, req)
	}
	var p *Permit
	if refusal == nil {
		p = g.admitLocked(req, res.preempt)
	}
	g.mu.Unlock()

	if g.metrics != nil {
		for _, c := range res.conflicts {
			g.metrics.Conflicts.WithLabelValues(string(c)).Inc()
		}
	}
	log := g.log.WithValues("action", act.Type, "target", act.Target.String(), "workflow", act.Workflow,
		"incident", act.Incident, "source", act.Source, "dryRun", act.DryRun)
	if refusal != nil {
		log.Info("Action refused", "check", failed, "reason", refusal.Reason, "message", refusal.Message)
		return nil, refusal
	}
	for _, h := range res.preempt {
		log.Info("Action preempted", "preempted", h.act.String(), "preemptedWorkflow", h.act.Workflow)
	}
	log.V(1).Info("Action admitted")
	return p, nil
}

// evaluate runs the chain and returns the name of the check that refused and its refusal. A
// panicking check refuses: the gate fails closed.
func evaluate(s *state, r request) (failed string, refusal *action.Refusal) {
	if r.act.Target.Kind == "" || r.act.Target.Name == "" || r.act.Type == "" {
		return "action", action.Refuse(ReasonCheckFailed, false, "the action %q has no type or no target", r.act)
	}
	defer func() {
		if v := recover(); v != nil {
			refusal = action.Refuse(ReasonCheckFailed, false, "the %s check failed: %v", failed, v)
		}
	}()
	for _, c := range chain {
		if r.act.Resumed && !c.onResume {
			continue
		}
		failed = c.name
		if refusal = c.run(s, r); refusal != nil {
			return failed, refusal
		}
	}
	return "", nil
}

// admitLocked hands out the permit and preempts the losers; g.mu is held.
func (g *Gate) admitLocked(r request, losers []*holder) *Permit {
	if r.act.DryRun {
		return newPermit(r.act, nil)
	}
	for _, h := range losers {
		h.preempted = true
		h.permit.Preempt(action.Refuse(ReasonConflictLost, false, "%s (workflow %s, %s, priority %d) goes first",
			r.act, r.act.Workflow, r.act.Source, r.act.Priority))
	}
	g.nextID++
	h := &holder{id: g.nextID, act: r.act, class: r.class, scope: r.scope}
	h.permit = newPermit(r.act, func(o Outcome) { g.release(h, o) })
	g.st.holders = append(g.st.holders, h)
	return h.permit
}

// release ends h: it frees the target and its budget reservation, and remembers an applied
// action for cooldown, dedup and budgets.
func (g *Gate) release(h *holder, o Outcome) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.st.remove(h)
	// A resumed action's change is already in the seeded history.
	if o == Applied && !h.act.Resumed {
		g.st.history = append(g.st.history, Record{Type: h.act.Type, Target: h.act.Target, At: g.now()})
	}
}

// Seed replaces the remembered applied actions with records, which the executor rebuilds from
// the durable workflows after a restart, so that cooldowns and budgets survive it. Records
// older than the policy's horizon are dropped at the next Admit. Actions in flight are kept.
func (g *Gate) Seed(records []Record) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.st.history = append(g.st.history[:0:0], records...)
}

// Snapshot is the gate's state for /api/v1/status.
type Snapshot struct {
	// Paused is the policy's pause.
	Paused bool
	// PolicyError says why the policy is invalid (every action is refused); empty when valid.
	PolicyError string
	// InFlight counts admitted actions that have not finished.
	InFlight int
	// BudgetWindow is the window the budgets count in.
	BudgetWindow time.Duration
	// ClusterUsed counts actions applied within the window or in flight; ClusterBudget is the cap.
	ClusterUsed, ClusterBudget int
	// NamespaceUsed counts them per namespace (namespaces with none are absent);
	// NamespaceBudget is the cap for each.
	NamespaceUsed   map[string]int
	NamespaceBudget int
}

// Snapshot returns the gate's state now, under the current policy.
func (g *Gate) Snapshot() Snapshot {
	pol, perr := g.policy()
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	s := state{policy: pol, holders: g.st.holders, history: g.st.history}
	snap := Snapshot{Paused: pol.Paused, InFlight: len(s.holders), BudgetWindow: pol.BudgetWindow,
		ClusterBudget: pol.ClusterBudget, NamespaceBudget: pol.NamespaceBudget, NamespaceUsed: map[string]int{}}
	if perr != nil {
		snap.PolicyError = perr.Error()
	}
	snap.ClusterUsed, _ = s.used("", true, now)
	since := now.Add(-pol.BudgetWindow)
	for _, r := range s.history {
		if r.Target.Namespace != "" && r.At.After(since) {
			snap.NamespaceUsed[r.Target.Namespace]++
		}
	}
	for _, h := range s.holders {
		if h.act.Target.Namespace != "" {
			snap.NamespaceUsed[h.act.Target.Namespace]++
		}
	}
	return snap
}
