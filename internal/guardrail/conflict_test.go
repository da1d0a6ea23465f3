package guardrail

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/telemetry"
)

func TestResolve(t *testing.T) {
	scale := act(action.Scale, "shop", "web", priority(5))
	tests := []struct {
		name          string
		holder        action.Action
		holderClass   action.Class
		holderScope   Scope
		req           action.Action
		scope         Scope
		want          string
		wantConflicts []conflictType
		wantPreempt   bool
	}{
		{name: "a deterministic action preempts an AI-driven one on the same target",
			holder: act(action.Rollback, "shop", "web", ai(0.9), priority(10)), req: act(action.Restart, "shop", "web", priority(1)),
			wantConflicts: []conflictType{conflictSameTarget}, wantPreempt: true},
		{name: "an AI-driven action loses to a deterministic one on the same target",
			holder: act(action.Rollback, "shop", "web", priority(1)), req: act(action.Restart, "shop", "web", ai(0.99), priority(10)),
			want: ReasonConflictLost, wantConflicts: []conflictType{conflictSameTarget}},
		{name: "a higher priority preempts a lower one of the same source",
			holder: act(action.Rollback, "shop", "web", priority(3)), req: act(action.Restart, "shop", "web", priority(8)),
			wantConflicts: []conflictType{conflictSameTarget}, wantPreempt: true},
		{name: "a lower priority loses", holder: act(action.Rollback, "shop", "web", priority(8)), req: act(action.Restart, "shop", "web", priority(3)),
			want: ReasonConflictLost, wantConflicts: []conflictType{conflictSameTarget}},
		{name: "an eviction and a scaling in one namespace form a pair; a tie goes to the holder",
			holder: scale, req: act(action.Evict, "shop", "web-1", kind("Pod")),
			want: ReasonConflictLost, wantConflicts: []conflictType{conflictActionPair}},
		{name: "a higher-priority eviction preempts a scaling in its namespace",
			holder: scale, req: act(action.Evict, "shop", "web-1", kind("Pod"), priority(9)),
			wantConflicts: []conflictType{conflictActionPair}, wantPreempt: true},
		{name: "a pair in different namespaces does not conflict",
			holder: scale, req: act(action.Evict, "pay", "api-1", kind("Pod"))},
		{name: "a node action pairs with a scaling in any namespace",
			holder: scale, req: act(action.Evict, "", "", node("w1")),
			want: ReasonConflictLost, wantConflicts: []conflictType{conflictActionPair}},
		{name: "a node action pairs with a scaling in a namespace its pods run in",
			holder: scale, req: act(action.Drain, "", "w1", kind("Node")), scope: Scope{Namespaces: []string{"pay", "shop"}},
			want: ReasonConflictLost, wantConflicts: []conflictType{conflictActionPair}},
		{name: "a node action does not pair with a scaling in a namespace it does not reach",
			holder: scale, req: act(action.Drain, "", "w1", kind("Node")), scope: Scope{Namespaces: []string{"pay"}}},
		{name: "a scaling does not pair with a held node action that reaches other namespaces",
			holder: act(action.Drain, "", "w1", kind("Node")), holderScope: Scope{Namespaces: []string{"pay"}}, req: scale},
		{name: "a scaling pairs with a held node action that reaches its namespace",
			holder: act(action.Drain, "", "w1", kind("Node"), priority(9)), holderScope: Scope{Namespaces: []string{"shop"}}, req: scale,
			want: ReasonConflictLost, wantConflicts: []conflictType{conflictActionPair}},
		{name: "model inference and alert correlation form a pair through the class override",
			holder: act(action.Restart, "shop", "api"), holderClass: action.ClassModelInference,
			req: act(action.Restart, "shop", "web"), scope: Scope{Class: action.ClassAlertCorrelation},
			want: ReasonConflictLost, wantConflicts: []conflictType{conflictActionPair}},
		{name: "two workload actions on different targets do not conflict",
			holder: act(action.Restart, "shop", "api"), req: act(action.Rollback, "shop", "web")},
		{name: "scaling and a restart on different targets do not conflict",
			holder: scale, req: act(action.Restart, "shop", "api")},
		{name: "an AI-driven action below the threshold loses even without a competitor",
			holder: act(action.Restart, "pay", "x"), req: act(action.Restart, "shop", "web", ai(0.3), priority(10)),
			want: ReasonLowConfidence, wantConflicts: []conflictType{conflictLowConfidence}},
		{name: "an AI-driven action without a confidence loses",
			holder: act(action.Restart, "pay", "x"), req: act(action.Restart, "shop", "web", ai(0)),
			want: ReasonLowConfidence, wantConflicts: []conflictType{conflictLowConfidence}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := held(tt.holder)
			if tt.holderClass != "" {
				h.class = tt.holderClass
			}
			h.scope = tt.holderScope
			res := resolve(st(nil, []*holder{h}), req(tt.req, tt.scope))
			if reason(res.refusal) != tt.want {
				t.Errorf("Check(conflict) = %v, want %v", res.refusal, tt.want)
			}
			if d := cmp.Diff(tt.wantConflicts, res.conflicts); d != "" {
				t.Errorf("conflicts (-want +got):\n%s", d)
			}
			if got := slices.Contains(res.preempt, h); got != tt.wantPreempt {
				t.Errorf("preempted = %v, want %v", got, tt.wantPreempt)
			}
		})
	}
}

func TestConflictTypesAreTelemetryLabels(t *testing.T) {
	for _, c := range []conflictType{conflictSameTarget, conflictActionPair, conflictLowConfidence} {
		if !slices.Contains(telemetry.ConflictTypes, string(c)) {
			t.Errorf("conflict type %q is not in telemetry.ConflictTypes %v", c, telemetry.ConflictTypes)
		}
	}
}

func TestAdmitPreemptsTheLoser(t *testing.T) {
	g, _, m := newTestGate(t, fixed(testPolicy()))
	old, err := g.Admit(t.Context(), act(action.Rollback, "shop", "web", ai(0.9), workflow("wf-ai")), Scope{})
	if err != nil {
		t.Fatalf("Admit(AI rollback) = %v, want a permit", err)
	}
	winner, err := g.Admit(t.Context(), act(action.Restart, "shop", "web", workflow("wf-det")), Scope{})
	if err != nil {
		t.Fatalf("Admit(deterministic restart) = %v, want a permit", err)
	}
	if got := errReason(old.Live()); got != ReasonConflictLost {
		t.Errorf("old permit Live() = %v, want %s", old.Live(), ReasonConflictLost)
	}
	if err := winner.Live(); err != nil {
		t.Errorf("winner Live() = %v, want nil", err)
	}
	if got := value(m.Conflicts.WithLabelValues("same_target")); got != 1 {
		t.Errorf("conflicts_total{same_target} = %v, want 1", got)
	}
	// The preempted permit's end frees nothing the winner holds: an equal action still waits.
	old.Done(NotApplied)
	if _, err := g.Admit(t.Context(), act(action.Scale, "shop", "web"), Scope{}); errReason(err) != ReasonTargetLocked {
		t.Errorf("Admit(scale) after the loser ended = %v, want %s", err, ReasonTargetLocked)
	}
}

func TestAdmitCountsConflicts(t *testing.T) {
	g, _, m := newTestGate(t, fixed(testPolicy()))
	if _, err := g.Admit(t.Context(), act(action.Scale, "shop", "web", priority(8)), Scope{}); err != nil {
		t.Fatalf("Admit(scale) = %v", err)
	}
	if _, err := g.Admit(t.Context(), act(action.Evict, "shop", "web-1", kind("Pod")), Scope{}); errReason(err) != ReasonConflictLost {
		t.Fatalf("Admit(evict) = %v, want %s", err, ReasonConflictLost)
	}
	if _, err := g.Admit(t.Context(), act(action.Restart, "pay", "api", ai(0.1)), Scope{}); errReason(err) != ReasonLowConfidence {
		t.Fatalf("Admit(AI restart) = %v, want %s", err, ReasonLowConfidence)
	}
	// A dry run is judged but counts no conflict.
	if _, err := g.Admit(t.Context(), act(action.Restart, "pay", "api", ai(0.1), dryRun), Scope{}); errReason(err) != ReasonLowConfidence {
		t.Fatalf("Admit(AI restart, dry run) = %v, want %s", err, ReasonLowConfidence)
	}
	for label, want := range map[string]float64{"same_target": 0, "action_pair": 1, "low_confidence": 2} {
		if got := value(m.Conflicts.WithLabelValues(label)); got != want {
			t.Errorf("conflicts_total{%s} = %v, want %v", label, got, want)
		}
	}
}

// value reads a counter.
func value(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		return -1
	}
	return m.GetCounter().GetValue()
}
