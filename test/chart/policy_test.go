package chart

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"selfhealing.dev/coordination-engine/internal/guardrail"
	"selfhealing.dev/coordination-engine/internal/intake"
	"selfhealing.dev/coordination-engine/internal/testenv"
)

func sample(t *testing.T, name string) corev1.ConfigMap {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "samples", name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cm corev1.ConfigMap
	if err := yaml.UnmarshalStrict(raw, &cm); err != nil {
		t.Fatal(err)
	}
	return cm
}

// The safety and auto-remediation ConfigMaps carry the samples of config/samples by default,
// under the names the engine reads, and what values put in them parses as the engine parses it.
func TestChartPolicyConfigMaps(t *testing.T) {
	objs := render(t, nil)
	for _, name := range []string{"coordination-engine-safety", "coordination-engine-autoremediation"} {
		var cm corev1.ConfigMap
		if err := objs.Into("ConfigMap", name, &cm); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(sample(t, name).Data, cm.Data); diff != "" {
			t.Errorf("ConfigMap %s differs from config/samples/%s.yaml (-sample +chart):\n%s", name, name, diff)
		}
	}

	values := map[string]any{
		"safety":          map[string]any{"data": map[string]any{"paused": true, "namespaceBudget": 2, "cooldown": "10m"}},
		"autoRemediation": map[string]any{"policy": "rules:\n- namespaces: [\"shop\"]\n  mode: approval\ndefault: automatic\n"},
	}
	objs = render(t, values)
	var safety, auto corev1.ConfigMap
	if err := objs.Into("ConfigMap", "coordination-engine-safety", &safety); err != nil {
		t.Fatal(err)
	}
	if err := objs.Into("ConfigMap", "coordination-engine-autoremediation", &auto); err != nil {
		t.Fatal(err)
	}
	p, err := guardrail.ParsePolicy(safety.Data)
	if err != nil {
		t.Fatalf("guardrail.ParsePolicy(the chart's safety ConfigMap %v) = %v", safety.Data, err)
	}
	if !p.Paused || p.NamespaceBudget != 2 || safety.Data["cooldown"] != "10m" {
		t.Errorf("safety policy %+v from %v, want paused, namespace budget 2, cooldown 10m", p, safety.Data)
	}
	if _, err := intake.ParsePolicy(auto.Data, releaseNamespace); err != nil {
		t.Errorf("intake.ParsePolicy(the chart's auto-remediation ConfigMap %v) = %v", auto.Data, err)
	}

	off := render(t, map[string]any{"safety": map[string]any{"create": false}, "autoRemediation": map[string]any{"create": false}})
	if len(off.OfKind("ConfigMap")) != 1 { // the dashboard's
		t.Errorf("ConfigMaps %v with safety.create and autoRemediation.create false, want only the dashboard's", off.OfKind("ConfigMap").Keys())
	}
}
