package helm

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	rcommon "helm.sh/helm/v4/pkg/release/common"

	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/guardrail"
)

func TestMemoryRaiseUpgradesTheReleaseWithItsValuesPlusTheOverride(t *testing.T) {
	f := setup(t)
	f.install(t, "web", "web", tag("1.0"))
	act := f.act(action.SetMemoryLimit, "web")

	ch, err := f.s.Plan(t.Context(), act, f.owner("web"))
	if err != nil {
		t.Fatalf("Plan() error = %v", err)
	}
	if got := memoryLimit(f.deployment(t, "web")); got != "64Mi" || len(f.history(t, "web")) != 1 {
		t.Fatalf("after Plan the limit is %s with %d revisions, want 64Mi and 1: a plan changes nothing", got, len(f.history(t, "web")))
	}
	if !strings.Contains(ch.Diff, "values resources.limits.memory: 64Mi → 96Mi") || !strings.Contains(ch.Diff, "+               memory: 96Mi") {
		t.Fatalf("Plan() diff =\n%s\nwant the values change and the rendered line", ch.Diff)
	}
	p := guardrail.TestPermit(act)
	for range 2 {
		if err := f.s.Apply(t.Context(), p, ch); err != nil {
			t.Fatalf("Apply() error = %v", err)
		}
	}
	hist := f.history(t, "web")
	if len(hist) != 2 {
		t.Fatalf("after applying twice the release has %d revisions, want 2", len(hist))
	}
	want := map[string]any{"image": map[string]any{"tag": "1.0"}, "resources": map[string]any{"limits": map[string]any{"memory": "96Mi"}}}
	if d := cmp.Diff(want, hist[1].Config); d != "" {
		t.Fatalf("revision 2 values mismatch (-want +got):\n%s", d)
	}
	if got := memoryLimit(f.deployment(t, "web")); got != "96Mi" {
		t.Fatalf("after Apply the memory limit is %s, want 96Mi", got)
	}
	if progress, err := f.s.Follow(t.Context(), ch); err != nil || !progress.Done {
		t.Fatalf("Follow() = %+v, %v; want done", progress, err)
	}
	f.upgrade(t, "web", "web", tag("1.0")) // a person upgrades with their old values
	if progress, err := f.s.Follow(t.Context(), ch); err != nil || progress.Reverted == "" {
		t.Fatalf("Follow() after a later upgrade without the override = %+v, %v; want reverted", progress, err)
	}
}

func TestStuckReleaseIsMarkedFailedThenUpgraded(t *testing.T) {
	f := setup(t)
	f.install(t, "web", "web", nil)
	f.record(t, "web", rcommon.StatusPendingUpgrade, 10*time.Minute, tag("2.0"))
	act := f.act(action.SetMemoryLimit, "web")

	ch, err := f.s.Plan(t.Context(), act, f.owner("web"))
	if err != nil {
		t.Fatalf("Plan() error = %v", err)
	}
	if !strings.HasPrefix(ch.Summary, "mark revision 2, stuck pending-upgrade since") {
		t.Fatalf("Plan() summary = %q, want the stuck revision marked failed first", ch.Summary)
	}
	if err := f.s.Apply(t.Context(), guardrail.TestPermit(act), ch); err != nil {
		t.Fatalf("Apply() error = %v", err)
	}
	hist := f.history(t, "web")
	var got []string
	for _, r := range hist {
		got = append(got, string(status(r)))
	}
	if d := cmp.Diff([]string{"superseded", "failed", "deployed"}, got); d != "" {
		t.Fatalf("revision statuses mismatch (-want +got):\n%s", d)
	}
	if got := memoryLimit(f.deployment(t, "web")); got != "96Mi" {
		t.Fatalf("after Apply the memory limit is %s, want 96Mi", got)
	}
}

func BenchmarkPlanUpgrade(b *testing.B) {
	f := setup(b)
	f.install(b, "web", "web", nil)
	act := f.act(action.SetMemoryLimit, "web")
	owner := f.owner("web")
	for b.Loop() {
		if _, err := f.s.Plan(b.Context(), act, owner); err != nil {
			b.Fatal(err)
		}
	}
}
