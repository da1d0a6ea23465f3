package chart

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"selfhealing.dev/coordination-engine/internal/testenv"
)

// The chart's crds/ are exactly config/crd/bases, which controller-gen writes (make generate).
func TestChartCRDsAreConfigCRDBases(t *testing.T) {
	generated := filepath.Join(testenv.RepoRoot(), "config", "crd", "bases")
	inChart := filepath.Join(Dir(), "crds")
	want, got := yamlFiles(t, generated), yamlFiles(t, inChart)
	fix := "run: cp config/crd/bases/*.yaml charts/coordination-engine/crds/ (and remove the chart's stale ones)"
	if !slices.Equal(got, want) {
		t.Fatalf("chart CRD files %v, config/crd/bases has %v; %s", got, want, fix)
	}
	if len(want) == 0 {
		t.Fatal("config/crd/bases holds no CRDs")
	}
	for _, name := range want {
		a, err := os.ReadFile(filepath.Join(generated, name))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(inChart, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("charts/coordination-engine/crds/%s differs from config/crd/bases/%s; %s", name, name, fix)
		}
	}
	ch, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(ch.CRDObjects()); n != len(want) {
		t.Errorf("Helm loads %d CRDs from the chart, want %d", n, len(want))
	}
}

func yamlFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && (filepath.Ext(e.Name()) == ".yaml" || filepath.Ext(e.Name()) == ".yml") {
			names = append(names, e.Name())
		}
	}
	return names
}
