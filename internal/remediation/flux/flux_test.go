package flux

import (
	"errors"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/guardrail"
	"selfhealing.dev/coordination-engine/internal/managedby"
)

func TestPlanApplyUndoChangeTheHelmReleaseValues(t *testing.T) {
	f := setup(t)
	f.helmInstall(t, "shop", tag("1.0"), tag("2.0")) // revision 2 runs the bad image
	f.helmRelease(t, "shop", tag("2.0"), nil)
	tests := []struct {
		name       string
		act        action.Type
		path       []string
		want, undo any
		revisions  int
	}{
		{"a rollback puts back the image tag of the last deployed revision", action.Rollback, []string{"image", "tag"}, "1.0", "2.0", 2},
		{"a memory raise sets the limit at the chart's values path", action.SetMemoryLimit, []string{"resources", "limits", "memory"}, "96Mi", nil, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			act := f.act(tt.act, "shop")
			ch, err := f.s.Plan(t.Context(), act, f.owner("shop", "HelmRelease"))
			if err != nil {
				t.Fatalf("Plan() error = %v", err)
			}
			if ch.Object.Kind != "HelmRelease" || ch.Object.UID == "" {
				t.Fatalf("Plan() changes %+v, want the HelmRelease with its UID", ch.Object)
			}
			if !strings.Contains(ch.Diff, "spec.values."+strings.Join(tt.path, ".")) {
				t.Fatalf("Plan() diff =\n%s\nwant it to name the values path", ch.Diff)
			}
			p := guardrail.TestPermit(act)
			for range 2 {
				if err := f.s.Apply(t.Context(), p, ch); err != nil {
					t.Fatalf("Apply() error = %v", err)
				}
			}
			if got := value(t, f.get(t, "shop"), tt.path); got != tt.want {
				t.Fatalf("after Apply spec.values.%v = %v, want %v", tt.path, got, tt.want)
			}
			if hist, _ := f.s.releases.History(t.Context(), f.ns, "shop"); len(hist) != tt.revisions {
				t.Fatalf("the Helm release has %d revisions, want %d: the strategy never runs Helm itself", len(hist), tt.revisions)
			}
			if err := f.s.Undo(t.Context(), p, ch); err != nil {
				t.Fatalf("Undo() error = %v", err)
			}
			if got := value(t, f.get(t, "shop"), tt.path); got != tt.undo {
				t.Fatalf("after Undo spec.values.%v = %v, want %v", tt.path, got, tt.undo)
			}
		})
	}
}

func TestPlanRefuses(t *testing.T) {
	f := setup(t)
	f.helmInstall(t, "single", nil)
	f.helmRelease(t, "single", nil, nil)
	f.helmInstall(t, "gitops", nil, tag("2.0"))
	f.helmRelease(t, "gitops", tag("2.0"), map[string]string{managedby.LabelFluxKustomizationName: "apps"})
	tests := []struct {
		name, release, kind string
		act                 action.Type
		reason              string
	}{
		{"a Kustomization-applied workload belongs to Git", "single", "Kustomization", action.SetMemoryLimit, ReasonGitOpsManaged},
		{"a HelmRelease that a Kustomization applies would be reverted", "gitops", "HelmRelease", action.Rollback, ReasonManagedByKustomization},
		{"a rollback with no earlier revision is refused", "single", "HelmRelease", action.Rollback, ReasonNoPreviousRevision},
		{"a restart is not a values change", "single", "HelmRelease", action.Restart, ReasonUnsupportedAction},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.s.Plan(t.Context(), f.act(tt.act, tt.release), f.owner(tt.release, tt.kind))
			var r *action.Refusal
			if !errors.As(err, &r) || r.Reason != tt.reason {
				t.Fatalf("Plan() error = %v, want refusal %s", err, tt.reason)
			}
		})
	}
}

func value(t *testing.T, hr *unstructured.Unstructured, path []string) any {
	t.Helper()
	v, _, _ := unstructured.NestedFieldNoCopy(hr.Object, append([]string{"spec", "values"}, path...)...)
	return v
}
