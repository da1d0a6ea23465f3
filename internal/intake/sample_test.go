package intake

import (
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"selfhealing.dev/coordination-engine/internal/testenv"
)

func TestTheSamplePolicyParses(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "samples", "coordination-engine-autoremediation.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cm corev1.ConfigMap
	if err := yaml.UnmarshalStrict(raw, &cm); err != nil {
		t.Fatal(err)
	}
	p, err := ParsePolicy(cm.Data, "self-healing-platform")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := p.Decide("oom_kill", "payments"); got != Approval {
		t.Errorf("oom_kill in payments = %s, want approval as the sample says", got)
	}
	if got, _ := p.Decide("node_disk_pressure", ""); got != Automatic {
		t.Errorf("node_disk_pressure = %s, want automatic as the sample says", got)
	}
}
