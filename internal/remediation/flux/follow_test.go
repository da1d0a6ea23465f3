package flux

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/guardrail"
)

func TestFollow(t *testing.T) {
	f := setup(t)
	f.helmInstall(t, "shop", tag("1.0"), tag("2.0"))
	f.helmRelease(t, "shop", tag("2.0"), nil)
	act := f.act(action.Rollback, "shop")
	ch, err := f.s.Plan(t.Context(), act, f.owner("shop", "HelmRelease"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.s.Apply(t.Context(), guardrail.TestPermit(act), ch); err != nil {
		t.Fatal(err)
	}
	gen := f.get(t, "shop").GetGeneration()
	tests := []struct {
		name     string
		observed int64
		ready    string
		reason   string
		tag      string
		done     bool
		failed   bool
		reverted bool
	}{
		{"Flux has not seen the new generation yet", gen - 1, "True", "UpgradeSucceeded", "1.0", false, false, false},
		{"Ready at the new generation is done", gen, "True", "UpgradeSucceeded", "1.0", true, false, false},
		{"an upgrade that failed at the new generation is failed", gen, "False", "UpgradeFailed", "1.0", false, true, false},
		{"a dependency not ready yet is waited for", gen, "False", "DependencyNotReady", "1.0", false, false, false},
		{"values changed back are reverted", gen, "True", "UpgradeSucceeded", "2.0", false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hr := f.get(t, "shop")
			if err := unstructured.SetNestedField(hr.Object, tt.tag, "spec", "values", "image", "tag"); err != nil {
				t.Fatal(err)
			}
			if err := f.c.Update(t.Context(), hr); err != nil {
				t.Fatal(err)
			}
			hr = f.get(t, "shop")
			hr.Object["status"] = map[string]any{"observedGeneration": tt.observed, "conditions": []any{map[string]any{
				"type": "Ready", "status": tt.ready, "reason": tt.reason, "message": "m", "lastTransitionTime": "2026-11-26T09:00:00Z"}}}
			if err := f.c.Status().Update(t.Context(), hr); err != nil {
				t.Fatal(err)
			}
			p, err := f.s.Follow(t.Context(), ch)
			if err != nil {
				t.Fatalf("Follow() error = %v", err)
			}
			if p.Done != tt.done || (p.Failed != "") != tt.failed || (p.Reverted != "") != tt.reverted {
				t.Fatalf("Follow() = %+v, want done %v, failed %v, reverted %v", p, tt.done, tt.failed, tt.reverted)
			}
		})
	}
}
