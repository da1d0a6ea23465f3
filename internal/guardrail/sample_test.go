package guardrail

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"selfhealing.dev/coordination-engine/internal/testenv"
)

// The sample ConfigMap in config/samples says what the defaults are; it must stay true.
func TestTheSampleConfigMapHoldsTheDefaults(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "samples", "coordination-engine-safety.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cm corev1.ConfigMap
	if err := yaml.Unmarshal(raw, &cm); err != nil {
		t.Fatal(err)
	}
	if cm.Name != PolicyConfigMap {
		t.Errorf("sample name = %q, want %q", cm.Name, PolicyConfigMap)
	}
	p, err := ParsePolicy(cm.Data)
	if err != nil {
		t.Fatalf("ParsePolicy(sample) error = %v", err)
	}
	if d := cmp.Diff(DefaultPolicy(), p); d != "" {
		t.Errorf("sample differs from DefaultPolicy (-default +sample):\n%s", d)
	}
}
