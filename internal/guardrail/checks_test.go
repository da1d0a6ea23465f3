package guardrail

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"selfhealing.dev/coordination-engine/internal/action"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// st builds a state under testPolicy changed by edit.
func st(edit func(*Policy), holders []*holder, history ...Record) *state {
	p := testPolicy()
	if edit != nil {
		edit(&p)
	}
	return &state{policy: p, holders: holders, history: history}
}

func held(a action.Action) *holder { return &holder{act: a, class: a.Type.Class()} }

func req(a action.Action, sc Scope) request {
	r := request{act: a, scope: sc, class: a.Type.Class(), now: t0}
	if sc.Class != "" {
		r.class = sc.Class
	}
	return r
}

func applied(a action.Action, ago time.Duration) Record {
	return Record{Type: a.Type, Target: a.Target, At: t0.Add(-ago)}
}

func TestChecks(t *testing.T) {
	web := act(action.Restart, "shop", "web")
	tests := []struct {
		name      string
		check     check
		state     *state
		req       request
		want      string
		retryable bool
	}{
		{"a running policy passes", chain[0], st(nil, nil), req(web, Scope{}), "", false},
		{"a paused policy refuses", chain[0], st(func(p *Policy) { p.Paused = true }, nil), req(web, Scope{}), ReasonPaused, false},

		{"an ordinary namespace passes", chain[1], st(nil, nil), req(web, Scope{}), "", false},
		{"kube-system is protected by default", chain[1], st(nil, nil), req(act(action.Restart, "kube-system", "dns"), Scope{}), ReasonProtectedNamespace, false},
		{"openshift-monitoring is protected by default", chain[1], st(nil, nil), req(act(action.Restart, "openshift-monitoring", "prom"), Scope{}), ReasonProtectedNamespace, false},
		{"an exact protected name matches", chain[1], st(func(p *Policy) { p.ProtectedNamespaces = []string{"shop"} }, nil), req(web, Scope{}), ReasonProtectedNamespace, false},
		{"a cluster-scoped target is never in a protected namespace", chain[1], st(func(p *Policy) { p.ProtectedNamespaces = []string{"*"} }, nil), req(act(action.Evict, "", "", node("worker-1")), Scope{}), "", false},

		{"a valid policy passes", chain[2], st(nil, nil), req(web, Scope{}), "", false},
		{"an invalid policy refuses", chain[2], &state{policy: testPolicy(), policyErr: &PolicyError{Key: "cooldown"}}, req(web, Scope{}), ReasonInvalidPolicy, false},
		{"a policy not read yet refuses, retryably", chain[2], &state{policy: testPolicy(), policyErr: ErrPolicyNotLoaded}, req(web, Scope{}), ReasonInvalidPolicy, true},

		{"a free target passes", chain[3], st(nil, []*holder{held(act(action.Restart, "shop", "api"))}), req(web, Scope{}), "", false},
		{"a target held by an action of the same standing waits", chain[3], st(nil, []*holder{held(act(action.Rollback, "shop", "web"))}), req(web, Scope{}), ReasonTargetLocked, true},
		{"a target held by a lower-ranked action passes to conflict resolution", chain[3], st(nil, []*holder{held(act(action.Rollback, "shop", "web", ai(0.9)))}), req(web, Scope{}), "", false},
		{"a target held by a higher-ranked action passes to conflict resolution", chain[3], st(nil, []*holder{held(act(action.Rollback, "shop", "web", priority(9)))}), req(web, Scope{}), "", false},
		{"a preempted holder does not lock", chain[3], st(nil, []*holder{{act: act(action.Rollback, "shop", "web"), preempted: true}}), req(web, Scope{}), "", false},

		{"a new action passes dedup", chain[4], st(nil, nil), req(web, Scope{}), "", false},
		{"the same action in flight is a duplicate", chain[4], st(nil, []*holder{held(web)}), req(web, Scope{}), ReasonDuplicate, false},
		{"the same action applied within the dedup window is a duplicate", chain[4], st(nil, nil, applied(web, 30*time.Second)), req(web, Scope{}), ReasonDuplicate, false},
		{"the same action applied before the dedup window is no duplicate", chain[4], st(nil, nil, applied(web, 2*time.Minute)), req(web, Scope{}), "", false},
		{"another action type on the target is no duplicate", chain[4], st(nil, nil, applied(act(action.Rollback, "shop", "web"), time.Second)), req(web, Scope{}), "", false},

		{"an action never applied is not cooling down", chain[5], st(nil, nil), req(web, Scope{}), "", false},
		{"the same action applied within the cooldown cools down", chain[5], st(nil, nil, applied(web, 4*time.Minute)), req(web, Scope{}), ReasonCoolingDown, true},
		{"the cooldown ends", chain[5], st(nil, nil, applied(web, 5*time.Minute)), req(web, Scope{}), "", false},
		{"the cooldown is per target", chain[5], st(nil, nil, applied(act(action.Restart, "shop", "api"), time.Minute)), req(web, Scope{}), "", false},

		{"a namespace under its budget passes", chain[6], st(func(p *Policy) { p.NamespaceBudget = 2 }, nil, applied(act(action.Restart, "shop", "a"), time.Minute)), req(web, Scope{}), "", false},
		{"a namespace at its budget refuses", chain[6], st(func(p *Policy) { p.NamespaceBudget = 2 }, []*holder{held(act(action.Restart, "shop", "b"))}, applied(act(action.Restart, "shop", "a"), time.Minute)), req(web, Scope{}), ReasonNamespaceBudgetExhausted, true},
		{"actions older than the window free the namespace budget", chain[6], st(func(p *Policy) { p.NamespaceBudget = 1 }, nil, applied(act(action.Restart, "shop", "a"), time.Hour)), req(web, Scope{}), "", false},
		{"other namespaces do not use the namespace budget", chain[6], st(func(p *Policy) { p.NamespaceBudget = 1 }, nil, applied(act(action.Restart, "pay", "a"), time.Minute)), req(web, Scope{}), "", false},
		{"a namespace budget of zero refuses", chain[6], st(func(p *Policy) { p.NamespaceBudget = 0 }, nil), req(web, Scope{}), ReasonNamespaceBudgetExhausted, true},
		{"a cluster-scoped target has no namespace budget", chain[6], st(func(p *Policy) { p.NamespaceBudget = 0 }, nil), req(act(action.Evict, "", "", node("w1")), Scope{}), "", false},

		{"a cluster under its budget passes", chain[7], st(func(p *Policy) { p.ClusterBudget = 2 }, nil, applied(act(action.Restart, "pay", "a"), time.Minute)), req(web, Scope{}), "", false},
		{"a cluster at its budget refuses", chain[7], st(func(p *Policy) { p.ClusterBudget = 2 }, []*holder{held(act(action.Evict, "", "", node("w1")))}, applied(act(action.Restart, "pay", "a"), time.Minute)), req(web, Scope{}), ReasonClusterBudgetExhausted, true},
		{"actions older than the window free the cluster budget", chain[7], st(func(p *Policy) { p.ClusterBudget = 1 }, nil, applied(act(action.Restart, "pay", "a"), 61*time.Minute)), req(web, Scope{}), "", false},

		{"an action that disrupts nothing passes", chain[8], st(nil, nil), req(web, Scope{Desired: 4, Ready: 0}), "", false},
		{"one of four disrupted while all are ready passes", chain[8], st(nil, nil), req(web, Scope{Desired: 4, Ready: 4, Disrupted: 1}), "", false},
		{"one of four disrupted while one is down already refuses", chain[8], st(nil, nil), req(web, Scope{Desired: 4, Ready: 3, Disrupted: 1}), ReasonBlastRadius, false},
		{"two of four disrupted at once refuses", chain[8], st(nil, nil), req(web, Scope{Desired: 4, Ready: 4, Disrupted: 2}), ReasonBlastRadius, false},
		{"the single replica of a workload may be disrupted", chain[8], st(nil, nil), req(web, Scope{Desired: 1, Ready: 1, Disrupted: 1}), "", false},
		{"ten replicas allow two at 25 percent", chain[8], st(nil, nil), req(web, Scope{Desired: 10, Ready: 10, Disrupted: 2}), "", false},
		{"zero percent forbids any disruption", chain[8], st(func(p *Policy) { p.MaxUnavailablePercent = 0 }, nil), req(web, Scope{Desired: 10, Ready: 10, Disrupted: 1}), ReasonBlastRadius, false},
		{"a scope that disrupts more than is ready cannot be judged", chain[8], st(nil, nil), req(web, Scope{Desired: 4, Ready: 1, Disrupted: 2}), ReasonCheckFailed, false},
		{"negative counts cannot be judged", chain[8], st(nil, nil), req(web, Scope{Desired: -1}), ReasonCheckFailed, false},

		{"an action without competitors passes", chain[9], st(nil, nil), req(web, Scope{}), "", false},
		{"an AI-driven action below the threshold loses without a competitor", chain[9], st(nil, nil), req(act(action.Restart, "shop", "web", ai(0.79)), Scope{}), ReasonLowConfidence, false},
		{"an AI-driven action at the threshold passes", chain[9], st(nil, nil), req(act(action.Restart, "shop", "web", ai(0.8)), Scope{}), "", false},
		{"an AI-driven action loses to a deterministic one on the target", chain[9], st(nil, []*holder{held(act(action.Rollback, "shop", "web"))}), req(act(action.Restart, "shop", "web", ai(0.95), priority(10)), Scope{}), ReasonConflictLost, false},

		{"an action of no approval class passes", chain[10], st(func(p *Policy) { p.ApprovalRequired = []string{"node_remediation"} }, nil), req(web, Scope{}), "", false},
		{"an action of an approval class waits for approval", chain[10], st(func(p *Policy) { p.ApprovalRequired = []string{"node_remediation"} }, nil), req(act(action.Evict, "shop", "web-1", kind("Pod")), Scope{}), ReasonApprovalRequired, false},
		{"an action type may need approval", chain[10], st(func(p *Policy) { p.ApprovalRequired = []string{"restart"} }, nil), req(web, Scope{}), ReasonApprovalRequired, false},
		{"a class override may need approval", chain[10], st(func(p *Policy) { p.ApprovalRequired = []string{"model_inference"} }, nil), req(web, Scope{Class: action.ClassModelInference}), ReasonApprovalRequired, false},
		{"an action the auto-remediation policy holds waits for approval", chain[10], st(func(p *Policy) { p.ApprovalRequired = nil }, nil), req(act(action.Restart, "shop", "web", needsApproval), Scope{}), ReasonApprovalRequired, false},
		{"an approved action the auto-remediation policy held passes", chain[10], st(nil, nil), req(act(action.Restart, "shop", "web", needsApproval, approved), Scope{}), "", false},

		{"a node action passes while no other node is held", chain[11], st(nil, nil), req(act(action.Drain, "", "w-1", kind("Node")), Scope{Desired: 3, Ready: 2}), "", false},
		{"a node action waits while maxNodesInFlight nodes are held", chain[11], st(nil, []*holder{held(act(action.Cordon, "", "w-2", kind("Node")))}), req(act(action.Drain, "", "w-1", kind("Node")), Scope{Desired: 3, Ready: 2}), ReasonNodeLimit, true},
		{"a second node may be held when maxNodesInFlight allows", chain[11], st(func(p *Policy) { p.MaxNodesInFlight = 2 }, []*holder{held(act(action.Cordon, "", "w-2", kind("Node")))}), req(act(action.Drain, "", "w-1", kind("Node")), Scope{Desired: 3, Ready: 2}), "", false},
		{"a node action that would leave too few healthy nodes waits", chain[11], st(func(p *Policy) { p.MinHealthyNodes = 2 }, nil), req(act(action.Drain, "", "w-1", kind("Node")), Scope{Desired: 3, Ready: 2, Disrupted: 1}), ReasonNodeLimit, true},
		{"cordoning a node that is down leaves the healthy ones as they are", chain[11], st(func(p *Policy) { p.MinHealthyNodes = 2 }, nil), req(act(action.Drain, "", "w-1", kind("Node")), Scope{Desired: 3, Ready: 2}), "", false},
		{"workload actions are not node actions", chain[11], st(nil, []*holder{held(act(action.Cordon, "", "w-2", kind("Node")))}), req(web, Scope{}), "", false},
		{"an approved action passes", chain[10], st(func(p *Policy) { p.ApprovalRequired = []string{"node_remediation"} }, nil), req(act(action.Evict, "shop", "web-1", kind("Pod"), approved), Scope{}), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.check.run(tt.state, tt.req)
			if reason(got) != tt.want {
				t.Fatalf("Check(%s) = %v, want %v", tt.check.name, got, tt.want)
			}
			if got != nil && got.Retryable != tt.retryable {
				t.Errorf("Check(%s).Retryable = %v, want %v", tt.check.name, got.Retryable, tt.retryable)
			}
		})
	}
}

func TestChainOrder(t *testing.T) {
	var got []string
	for _, c := range chain {
		got = append(got, c.name)
	}
	want := []string{"paused", "protectedNamespace", "policy", "lock", "dedup", "cooldown", "namespaceBudget",
		"clusterBudget", "blastRadius", "conflict", "approval", "nodes"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("chain (-want +got):\n%s", d)
	}
}

// TestGateRules drives each rule through Admit, so that removing any rule from the chain makes
// its case admit the action, or refuse it for another reason.
func TestGateRules(t *testing.T) {
	web := act(action.Restart, "shop", "web")
	evict := act(action.Evict, "shop", "web-1", kind("Pod"))
	tests := []struct {
		name  string
		edit  func(*Policy)
		err   error                               // the policy source's error
		setup func(*testing.T, *Gate, *testClock) // actions before the one under test
		act   action.Action
		scope Scope
		want  string
	}{
		{name: "an ordinary action is admitted", act: web},
		{name: "a paused engine refuses", edit: func(p *Policy) { p.Paused = true }, act: web, want: ReasonPaused},
		{name: "a protected namespace refuses", act: act(action.Restart, "kube-system", "coredns"), want: ReasonProtectedNamespace},
		{name: "an invalid policy refuses", err: &PolicyError{Key: "cooldown", Value: "soon", Accepted: "a Go duration"}, act: web, want: ReasonInvalidPolicy},
		{name: "an equal action on a held target waits", setup: admit(act(action.Rollback, "shop", "web")), act: web, want: ReasonTargetLocked},
		{name: "the same action in flight is a duplicate", setup: admit(web), act: act(action.Restart, "shop", "web", priority(9)), want: ReasonDuplicate},
		{name: "the same action applied within the dedup window is a duplicate", edit: func(p *Policy) { p.Cooldown = 0 },
			setup: apply(web, 30*time.Second), act: web, want: ReasonDuplicate},
		{name: "the same action applied within the cooldown cools down", setup: apply(web, 2*time.Minute), act: web, want: ReasonCoolingDown},
		{name: "an exhausted namespace budget refuses", edit: func(p *Policy) { p.NamespaceBudget = 1 },
			setup: apply(act(action.Restart, "shop", "api"), time.Minute), act: web, want: ReasonNamespaceBudgetExhausted},
		{name: "actions in flight use the namespace budget", edit: func(p *Policy) { p.NamespaceBudget = 1 },
			setup: admit(act(action.Restart, "shop", "api")), act: web, want: ReasonNamespaceBudgetExhausted},
		{name: "an exhausted cluster budget refuses", edit: func(p *Policy) { p.ClusterBudget = 1 },
			setup: apply(act(action.Restart, "pay", "api"), time.Minute), act: web, want: ReasonClusterBudgetExhausted},
		{name: "too large a blast radius refuses", act: web, scope: Scope{Desired: 4, Ready: 3, Disrupted: 1}, want: ReasonBlastRadius},
		{name: "an action losing a conflict is refused", setup: admit(act(action.Scale, "shop", "web", priority(8))),
			act: act(action.Evict, "shop", "web-1", kind("Pod"), approved), want: ReasonConflictLost},
		{name: "an AI-driven action below the threshold is refused", act: act(action.Restart, "shop", "web", ai(0.5)), want: ReasonLowConfidence},
		{name: "an unapproved eviction needs approval", edit: func(p *Policy) { p.ApprovalRequired = []string{"node_remediation"} },
			act: evict, want: ReasonApprovalRequired},
		{name: "an action without a target fails closed", act: action.Action{Type: action.Restart}, want: ReasonCheckFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testPolicy()
			if tt.edit != nil {
				tt.edit(&p)
			}
			g, clock, _ := newTestGate(t, func() (Policy, error) { return p, tt.err })
			if tt.setup != nil {
				tt.setup(t, g, clock)
			}
			_, err := g.Admit(t.Context(), tt.act, tt.scope)
			if got := errReason(err); got != tt.want {
				t.Errorf("Admit(%s) = %v, want %v", tt.act, err, tt.want)
			}
		})
	}
}

// admit admits a and leaves it in flight.
func admit(a action.Action) func(*testing.T, *Gate, *testClock) {
	return func(t *testing.T, g *Gate, _ *testClock) {
		t.Helper()
		if _, err := g.Admit(t.Context(), a, Scope{}); err != nil {
			t.Fatalf("setup: Admit(%s) = %v, want a permit", a, err)
		}
	}
}

// apply admits a, applies it and lets ago pass.
func apply(a action.Action, ago time.Duration) func(*testing.T, *Gate, *testClock) {
	return func(t *testing.T, g *Gate, c *testClock) {
		t.Helper()
		p, err := g.Admit(t.Context(), a, Scope{})
		if err != nil {
			t.Fatalf("setup: Admit(%s) = %v, want a permit", a, err)
		}
		p.Done(Applied)
		c.Advance(ago)
	}
}

func TestEvaluateFailsClosedOnPanic(t *testing.T) {
	s := st(nil, []*holder{nil}) // a nil holder makes the lock check panic
	check, got := evaluate(s, req(act(action.Restart, "shop", "web"), Scope{}))
	if reason(got) != ReasonCheckFailed || check != "lock" {
		t.Errorf("evaluate(nil holder) = %s, %v, want lock, %s", check, got, ReasonCheckFailed)
	}
}

func TestInvalidPolicyRefusalNamesTheKey(t *testing.T) {
	_, err := ParsePolicy(map[string]string{KeyCooldown: "soon"})
	g, _, _ := newTestGate(t, func() (Policy, error) { return DefaultPolicy(), fmt.Errorf("ConfigMap x/y: %w", err) })
	_, err = g.Admit(t.Context(), act(action.Restart, "shop", "web"), Scope{})
	var r *action.Refusal
	if !errors.As(err, &r) || r.Reason != ReasonInvalidPolicy || !strings.Contains(r.Message, `"cooldown"`) {
		t.Errorf("Admit under an invalid cooldown = %v, want %s naming \"cooldown\"", err, ReasonInvalidPolicy)
	}
}
