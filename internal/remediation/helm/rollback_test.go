package helm

import (
	"errors"
	"strings"
	"testing"

	rcommon "helm.sh/helm/v4/pkg/release/common"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/guardrail"
	"selfhealing.dev/coordination-engine/internal/remediation/workload"
)

func TestRollbackSkipsAFailedRevisionAndUndoes(t *testing.T) {
	f := setup(t)
	f.install(t, "web", "web", tag("1.0"))                  // 1: good
	f.record(t, "web", rcommon.StatusFailed, 0, tag("1.5")) // 2: an upgrade that failed
	f.upgrade(t, "web", "web", tag("2.0"))                  // 3: the bad image, deployed
	act := f.act(action.Rollback, "web")

	ch, err := f.s.Plan(t.Context(), act, f.owner("web"))
	if err != nil {
		t.Fatalf("Plan() error = %v", err)
	}
	if got := len(f.history(t, "web")); got != 3 {
		t.Fatalf("after Plan the release has %d revisions, want 3: a plan changes nothing", got)
	}
	if !strings.Contains(ch.Summary, "from revision 3 (deployed) to revision 1") {
		t.Fatalf("Plan() summary = %q, want a rollback from 3 to 1, past the failed 2", ch.Summary)
	}
	if !strings.Contains(ch.Diff, `-           image: "example.invalid/web:2.0"`) || !strings.Contains(ch.Diff, `+           image: "example.invalid/web:1.0"`) {
		t.Fatalf("Plan() diff =\n%s\nwant the image line 2.0 → 1.0", ch.Diff)
	}
	p := guardrail.TestPermit(act)
	for range 2 {
		if err := f.s.Apply(t.Context(), p, ch); err != nil {
			t.Fatalf("Apply() error = %v", err)
		}
	}
	hist := f.history(t, "web")
	if got := len(hist); got != 4 {
		t.Fatalf("after applying twice the release has %d revisions, want 4", got)
	}
	if got := image(f.deployment(t, "web")); got != "example.invalid/web:1.0" {
		t.Fatalf("after Apply the Deployment runs %s, want example.invalid/web:1.0", got)
	}
	progress, err := f.s.Follow(t.Context(), ch)
	if err != nil || !progress.Done {
		t.Fatalf("Follow() = %+v, %v; want done", progress, err)
	}

	if err := f.s.Undo(t.Context(), p, ch); err != nil {
		t.Fatalf("Undo() error = %v", err)
	}
	if got := image(f.deployment(t, "web")); got != "example.invalid/web:2.0" {
		t.Fatalf("after Undo the Deployment runs %s, want example.invalid/web:2.0 again", got)
	}
	if progress, err := f.s.Follow(t.Context(), ch); err != nil || progress.Reverted == "" {
		t.Fatalf("Follow() after Undo = %+v, %v; want reverted", progress, err)
	}
}

func TestApplyDoesNotClobberAReleaseThatMovedOn(t *testing.T) {
	f := setup(t)
	f.install(t, "web", "web", tag("1.0"))
	f.upgrade(t, "web", "web", tag("2.0"))
	act := f.act(action.Rollback, "web")
	ch, err := f.s.Plan(t.Context(), act, f.owner("web"))
	if err != nil {
		t.Fatalf("Plan() error = %v", err)
	}
	f.upgrade(t, "web", "web", tag("2.1"))
	if err := f.s.Apply(t.Context(), guardrail.TestPermit(act), ch); !errors.Is(err, ErrReleaseMoved) {
		t.Fatalf("Apply() error = %v, want ErrReleaseMoved", err)
	}
	if got := image(f.deployment(t, "web")); got != "example.invalid/web:2.1" {
		t.Fatalf("the Deployment runs %s, want the newer upgrade's 2.1 left alone", got)
	}
}

func TestPlanRefuses(t *testing.T) {
	f := setup(t)
	f.install(t, "single", "web", nil)
	f.install(t, "fixed", "hardcoded", nil)
	f.install(t, "busy", "web", nil)
	f.record(t, "busy", rcommon.StatusPendingUpgrade, 0, tag("2.0"))
	tests := []struct {
		name      string
		act       action.Type
		release   string
		reason    string
		retryable bool
	}{
		{"a rollback with no earlier revision is refused", action.Rollback, "single", ReasonNoPreviousRevision, false},
		{"a memory raise for a limit written in the template is refused", action.SetMemoryLimit, "fixed", ReasonNoValuesPath, false},
		{"a release without records has nothing to act through", action.Rollback, "uninstalled", v1alpha1.ReasonOwnerNotFound, false},
		{"an eviction is not the Helm strategy's", action.Evict, "single", ReasonUnsupportedAction, false},
		{"a release with an upgrade pending is refused for now", action.Rollback, "busy", ReasonReleasePending, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.s.Plan(t.Context(), f.act(tt.act, tt.release), f.owner(tt.release))
			var r *action.Refusal
			if !errors.As(err, &r) || r.Reason != tt.reason || r.Retryable != tt.retryable {
				t.Fatalf("Plan() error = %v, want refusal %s (retryable %v)", err, tt.reason, tt.retryable)
			}
		})
	}
}

// A restart is no release change: it patches the pod template's restart annotation, which
// Helm's later upgrades keep, and the release gets no revision.
func TestRestartPatchesThePodTemplateNotTheRelease(t *testing.T) {
	f := setup(t)
	f.install(t, "restarted", "web", nil)
	act := f.act(action.Restart, "restarted")
	ch, err := f.s.Plan(t.Context(), act, f.owner("restarted"))
	if err != nil {
		t.Fatalf("Plan(restart) = %v", err)
	}
	if ch.Operation != v1alpha1.OperationPatch || ch.Strategy != Name {
		t.Fatalf("restart change = %+v, want a patch by the helm strategy", ch)
	}
	if err := f.s.Apply(t.Context(), guardrail.TestPermit(act), ch); err != nil {
		t.Fatalf("Apply(restart) = %v", err)
	}
	d := f.deployment(t, "restarted")
	if d.Spec.Template.Annotations[workload.RestartedAtAnnotation] == "" {
		t.Errorf("pod template annotations = %v, want %s", d.Spec.Template.Annotations, workload.RestartedAtAnnotation)
	}
	hist, err := f.s.releases.History(t.Context(), f.ns, "restarted")
	if err != nil || len(hist) != 1 {
		t.Errorf("release history = %d revisions (%v), want the 1 installed", len(hist), err)
	}
}

// A bad image followed by another fix (a raised memory limit) still runs the bad image: the
// rollback goes past that revision to the newest one with another image.
func TestRollbackGoesToTheNewestRevisionWithAnotherImage(t *testing.T) {
	f := setup(t)
	f.install(t, "web", "web", tag("1.0")) // 1: good
	f.upgrade(t, "web", "web", tag("2.0")) // 2: the bad image
	raised := map[string]any{"image": map[string]any{"tag": "2.0"},
		"resources": map[string]any{"limits": map[string]any{"memory": "96Mi"}}}
	f.upgrade(t, "web", "web", raised) // 3: memory raised, still the bad image
	act := f.act(action.Rollback, "web")
	ch, err := f.s.Plan(t.Context(), act, f.owner("web"))
	if err != nil {
		t.Fatalf("Plan() error = %v", err)
	}
	if !strings.Contains(ch.Summary, "to revision 1") {
		t.Errorf("Summary = %q, want a rollback to revision 1 (revision 2 runs the same image as 3)", ch.Summary)
	}
}
