package chartvalues

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
)

var rel = Release{Name: "shop", Namespace: "prod"}

func loadChart(t testing.TB, name string) *chart.Chart {
	t.Helper()
	ch, err := loader.LoadDir(filepath.Join("testdata", "charts", name))
	if err != nil {
		t.Fatalf("load chart %s: %v", name, err)
	}
	return ch
}

func TestFindPath(t *testing.T) {
	tests := []struct {
		name          string
		chart         string
		values        map[string]any
		w             Workload
		field         Field
		current, next string
		want          Override
	}{
		{"the memory limit comes from resources.limits.memory", "web", nil,
			Workload{Kind: "Deployment", Name: "shop", Container: "web"}, FieldMemoryLimit, "64Mi", "96Mi",
			Override{Path: Path{"resources", "limits", "memory"}, Value: "96Mi", Old: "64Mi"}},
		{"a live limit written another way still matches the values", "web", nil,
			Workload{Kind: "Deployment", Name: "shop", Container: "web"}, FieldMemoryLimit, "67108864", "96Mi",
			Override{Path: Path{"resources", "limits", "memory"}, Value: "96Mi", Old: "64Mi"}},
		{"user values override the chart's default", "web", map[string]any{"resources": map[string]any{"limits": map[string]any{"memory": "200Mi"}}},
			Workload{Kind: "Deployment", Name: "shop", Container: "web"}, FieldMemoryLimit, "200Mi", "300Mi",
			Override{Path: Path{"resources", "limits", "memory"}, Value: "300Mi", Old: "200Mi"}},
		{"a nested path is proven and the worker's equal value is not taken", "nested", nil,
			Workload{Kind: "Deployment", Name: "shop", Container: "shop"}, FieldMemoryLimit, "128Mi", "192Mi",
			Override{Path: Path{"app", "resources", "limits", "memory"}, Value: "192Mi", Old: "128Mi"}},
		{"the worker's limit is its own path", "nested", nil,
			Workload{Kind: "Deployment", Name: "shop-worker", Container: "worker"}, FieldMemoryLimit, "128Mi", "192Mi",
			Override{Path: Path{"worker", "memory"}, Value: "192Mi", Old: "128Mi"}},
		{"an image change sets the tag", "web", nil,
			Workload{Kind: "Deployment", Name: "shop", Container: "web"}, FieldImage, "example.invalid/web:1.0", "example.invalid/web:0.9",
			Override{Path: Path{"image", "tag"}, Value: "0.9", Old: "1.0"}},
		{"an image held whole is set whole", "hardcoded", nil,
			Workload{Kind: "Deployment", Name: "shop", Container: "api"}, FieldImage, "example.invalid/api:2.0", "example.invalid/api:1.9",
			Override{Path: Path{"image"}, Value: "example.invalid/api:1.9", Old: "example.invalid/api:2.0"}},
		{"replicas come from replicaCount", "web", nil,
			Workload{Kind: "Deployment", Name: "shop"}, FieldReplicas, "2", "3",
			Override{Path: Path{"replicaCount"}, Value: int64(3), Old: float64(2)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FindPath(loadChart(t, tt.chart), tt.values, rel, tt.w, tt.field, tt.current, tt.next)
			if err != nil {
				t.Fatalf("FindPath() error = %v", err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Fatalf("FindPath() mismatch (-want +got):\n%s", d)
			}
		})
	}
}

func TestFindPathRefuses(t *testing.T) {
	tests := []struct {
		name, chart string
		w           Workload
		current     string
		mention     string
	}{
		{"a limit written in the template has no values path", "hardcoded",
			Workload{Kind: "Deployment", Name: "shop", Container: "api"}, "64Mi", "defaultMemory=200Mi (renders 64Mi)"},
		{"a value two containers share changes more than the one container", "shared",
			Workload{Kind: "Deployment", Name: "shop", Container: "app"}, "96Mi", "changes more of Deployment shop"},
		{"a live value the chart does not render is not the release's", "web",
			Workload{Kind: "Deployment", Name: "shop", Container: "web"}, "80Mi", "not the live 80Mi"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FindPath(loadChart(t, tt.chart), nil, rel, tt.w, FieldMemoryLimit, tt.current, "200Mi")
			var r *action.Refusal
			if !errors.As(err, &r) || r.Reason != v1alpha1.ReasonNoValuesPath {
				t.Fatalf("FindPath() error = %v, want refusal %s", err, v1alpha1.ReasonNoValuesPath)
			}
			if !strings.Contains(r.Message, tt.mention) {
				t.Fatalf("FindPath() message = %q, want it to mention %q", r.Message, tt.mention)
			}
		})
	}
}

func TestFindPathFailsForAWorkloadTheChartDoesNotRender(t *testing.T) {
	_, err := FindPath(loadChart(t, "web"), nil, rel, Workload{Kind: "StatefulSet", Name: "shop", Container: "web"}, FieldMemoryLimit, "64Mi", "96Mi")
	if !errors.Is(err, ErrNotRendered) {
		t.Fatalf("FindPath() error = %v, want ErrNotRendered", err)
	}
}
