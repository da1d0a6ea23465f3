package guardrail

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"selfhealing.dev/coordination-engine/internal/action"
)

func TestAdmitConcurrentlyOnOneTargetYieldsOnePermit(t *testing.T) {
	g, _, _ := newTestGate(t, fixed(testPolicy()))
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		permits int
		reasons = map[string]int{}
	)
	for i := range 100 {
		wg.Go(func() {
			_, err := g.Admit(t.Context(), act(action.Restart, "shop", "web", workflow(fmt.Sprint("wf-", i))), Scope{})
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				permits++
				return
			}
			reasons[errReason(err)]++
		})
	}
	wg.Wait()
	if permits != 1 {
		t.Errorf("100 concurrent Admits on one target gave %d permits, want 1 (refusals %v)", permits, reasons)
	}
	if reasons[ReasonTargetLocked] != 99 {
		t.Errorf("refusals = %v, want 99 %s", reasons, ReasonTargetLocked)
	}
}

func TestDoneReleasesTheTarget(t *testing.T) {
	tests := []struct {
		name    string
		outcome Outcome
		want    string
	}{
		{"an action that was not applied leaves no cooldown", NotApplied, ""},
		{"an applied action cools the target down", Applied, ReasonCoolingDown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testPolicy()
			p.DedupWindow = 0
			g, _, _ := newTestGate(t, fixed(p))
			web := act(action.Restart, "shop", "web")
			permit, err := g.Admit(t.Context(), web, Scope{})
			if err != nil {
				t.Fatalf("Admit(%s) = %v, want a permit", web, err)
			}
			permit.Done(tt.outcome)
			permit.Done(Applied) // a second Done does nothing
			if err := permit.Live(); err == nil {
				t.Errorf("Live() after Done = nil, want a refusal")
			}
			if _, err := g.Admit(t.Context(), web, Scope{}); errReason(err) != tt.want {
				t.Errorf("Admit(%s) after Done(%v) = %v, want %v", web, tt.outcome, err, tt.want)
			}
		})
	}
}

func TestSeedRestoresCooldownsAndBudgets(t *testing.T) {
	p := testPolicy()
	p.NamespaceBudget = 2
	tests := []struct {
		name    string
		records []Record
		act     action.Action
		want    string
	}{
		{"a seeded action cools down", []Record{{Type: action.Restart, Target: act(action.Restart, "shop", "web").Target, At: newClock().Now().Add(-3 * time.Minute)}},
			act(action.Restart, "shop", "web"), ReasonCoolingDown},
		{"seeded actions use the namespace budget", []Record{
			{Type: action.Restart, Target: act(action.Restart, "shop", "a").Target, At: newClock().Now().Add(-10 * time.Minute)},
			{Type: action.Restart, Target: act(action.Restart, "shop", "b").Target, At: newClock().Now().Add(-20 * time.Minute)},
		}, act(action.Restart, "shop", "web"), ReasonNamespaceBudgetExhausted},
		{"seeded actions older than the window are forgotten", []Record{
			{Type: action.Restart, Target: act(action.Restart, "shop", "a").Target, At: newClock().Now().Add(-2 * time.Hour)},
			{Type: action.Restart, Target: act(action.Restart, "shop", "web").Target, At: newClock().Now().Add(-2 * time.Hour)},
		}, act(action.Restart, "shop", "web"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, _, _ := newTestGate(t, fixed(p))
			g.Seed(tt.records)
			if _, err := g.Admit(t.Context(), tt.act, Scope{}); errReason(err) != tt.want {
				t.Errorf("Admit(%s) after Seed = %v, want %v", tt.act, err, tt.want)
			}
		})
	}
}

func TestHistoryIsPrunedToTheWindow(t *testing.T) {
	p := testPolicy()
	p.NamespaceBudget, p.ClusterBudget = maxBudget, maxBudget
	g, clock, _ := newTestGate(t, fixed(p))
	for i := range 1000 {
		permit, err := g.Admit(t.Context(), act(action.Restart, "shop", fmt.Sprint("web-", i)), Scope{})
		if err != nil {
			t.Fatalf("Admit #%d = %v", i, err)
		}
		permit.Done(Applied)
		clock.Advance(time.Minute)
	}
	g.mu.Lock()
	n := len(g.st.history)
	g.mu.Unlock()
	if want := 61; n > want {
		t.Errorf("history holds %d records after 1000 minutes, want at most %d (one hour)", n, want)
	}
}

func TestDryRunTakesNoBudgetAndNoLock(t *testing.T) {
	p := testPolicy()
	p.NamespaceBudget = 1
	g, _, _ := newTestGate(t, fixed(p))
	web := act(action.Restart, "shop", "web", dryRun)
	for i := range 3 {
		permit, err := g.Admit(t.Context(), web, Scope{})
		if err != nil {
			t.Fatalf("dry run #%d: Admit = %v, want a permit", i, err)
		}
		permit.Done(Applied)
	}
	if got := g.Snapshot(); got.InFlight != 0 || got.ClusterUsed != 0 {
		t.Errorf("Snapshot after dry runs = %+v, want nothing in flight or used", got)
	}
	// A dry run is judged like a real action.
	if _, err := g.Admit(t.Context(), act(action.Restart, "shop", "web", dryRun), Scope{Desired: 2, Ready: 1, Disrupted: 1}); errReason(err) != ReasonBlastRadius {
		t.Errorf("dry run Admit with a large blast radius = %v, want %s", err, ReasonBlastRadius)
	}
}

func TestSnapshot(t *testing.T) {
	g, clock, _ := newTestGate(t, fixed(testPolicy()))
	g.Seed([]Record{{Type: action.Restart, Target: act(action.Restart, "pay", "api").Target, At: clock.Now().Add(-time.Minute)}})
	if _, err := g.Admit(t.Context(), act(action.Restart, "shop", "web"), Scope{}); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Admit(t.Context(), act(action.Evict, "", "", node("w1"), approved), Scope{}); err != nil {
		t.Fatal(err)
	}
	want := Snapshot{InFlight: 2, BudgetWindow: time.Hour, ClusterUsed: 3, ClusterBudget: 20,
		NamespaceUsed: map[string]int{"pay": 1, "shop": 1}, NamespaceBudget: 5}
	if d := cmp.Diff(want, g.Snapshot()); d != "" {
		t.Errorf("Snapshot() (-want +got):\n%s", d)
	}
	paused := NewGate(func() (Policy, error) { p := testPolicy(); p.Paused = true; return p, errors.New("bad key") }, nil, clock.Now, g.log)
	if s := paused.Snapshot(); !s.Paused || s.PolicyError != "bad key" {
		t.Errorf("Snapshot() of a paused gate with an invalid policy = %+v, want paused and the error", s)
	}
}

func TestAdmitWithADoneContext(t *testing.T) {
	g, _, _ := newTestGate(t, fixed(testPolicy()))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := g.Admit(ctx, act(action.Restart, "shop", "web"), Scope{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Admit with a cancelled context = %v, want context.Canceled", err)
	}
}

// BenchmarkAdmit admits and ends an action on one of 50 targets, with 20 applied actions in
// the history, under the default policy without approvals.
func BenchmarkAdmit(b *testing.B) {
	p := testPolicy()
	p.NamespaceBudget, p.ClusterBudget = maxBudget, maxBudget
	g, clock, _ := newTestGate(b, fixed(p))
	var seed []Record
	for i := range 20 {
		a := act(action.Rollback, fmt.Sprint("ns-", i%5), fmt.Sprint("app-", i))
		seed = append(seed, Record{Type: a.Type, Target: a.Target, At: clock.Now().Add(-time.Duration(i) * time.Minute)})
	}
	g.Seed(seed)
	acts := make([]action.Action, 50)
	for i := range acts {
		acts[i] = act(action.Restart, fmt.Sprint("ns-", i%5), fmt.Sprint("web-", i))
	}
	ctx := b.Context()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		permit, err := g.Admit(ctx, acts[i%len(acts)], Scope{Desired: 4, Ready: 4, Disrupted: 1})
		if err != nil {
			b.Fatal(err)
		}
		permit.Done(NotApplied)
		i++
	}
}

// A resumed action (admitted before a restart, its change already seeded) takes the lock again
// but is not cooled down, deduplicated, counted or sent for approval a second time.
func TestResumedActionTakesOnlyTheLock(t *testing.T) {
	p := testPolicy()
	p.NamespaceBudget = 1
	p.ApprovalRequired = []string{"restart"}
	resumed := func(a *action.Action) { a.Resumed = true }
	seeded := []Record{{Type: action.Restart, Target: act(action.Restart, "shop", "web").Target, At: newClock().Now().Add(-time.Minute)}}

	g, _, _ := newTestGate(t, fixed(p))
	g.Seed(seeded)
	if _, err := g.Admit(t.Context(), act(action.Restart, "shop", "web"), Scope{}); errReason(err) == "" {
		t.Fatalf("a fresh restart of a seeded target was admitted; want a refusal")
	}
	permit, err := g.Admit(t.Context(), act(action.Restart, "shop", "web", resumed), Scope{})
	if err != nil {
		t.Fatalf("Admit(resumed) = %v, want a permit despite cooldown, budget and approval", err)
	}
	if _, err := g.Admit(t.Context(), act(action.Restart, "shop", "web", resumed), Scope{}); errReason(err) != ReasonTargetLocked {
		t.Fatalf("a second resumed admit = %v, want TargetLocked", err)
	}
	permit.Done(Applied)
	if snap := g.Snapshot(); snap.NamespaceUsed["shop"] != 1 {
		t.Fatalf("namespace budget used = %d after the resumed action, want 1 (counted once)", snap.NamespaceUsed["shop"])
	}
}

// A resumed action skips conflict resolution, so it must not share its target with any live
// holder, whatever their standing.
func TestResumedActionWaitsForAnyHolder(t *testing.T) {
	g, _, _ := newTestGate(t, fixed(testPolicy()))
	high := act(action.Restart, "shop", "web", func(a *action.Action) { a.Priority = 9 })
	if _, err := g.Admit(t.Context(), high, Scope{}); err != nil {
		t.Fatal(err)
	}
	low := act(action.Rollback, "shop", "web", func(a *action.Action) { a.Priority = 1; a.Resumed = true; a.Workflow = "wf-low" })
	if _, err := g.Admit(t.Context(), low, Scope{}); errReason(err) != ReasonTargetLocked {
		t.Fatalf("Admit(resumed, lower standing, target held) = %v, want TargetLocked", err)
	}
}
