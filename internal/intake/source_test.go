package intake

import (
	"testing"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
)

func TestAnInvalidPolicyMakesEverySignalIncidentOnly(t *testing.T) {
	s := NewPolicySource(nil, "ce", PolicyConfigMap, logr.Discard())
	s.set(&corev1.ConfigMap{Data: map[string]string{PolicyKey: "rules:\n- mode: sometimes\n"}}, nil)
	p, err := s.Policy()
	if err == nil {
		t.Fatal("Policy() error = nil, want the ConfigMap's error")
	}
	for _, signal := range []string{"pod_crash", "oom_kill", "node_not_ready"} {
		if got, _ := p.Decide(signal, "shop"); got != IncidentOnly {
			t.Errorf("%s with an invalid policy = %s, want incident only", signal, got)
		}
	}
	s.set(nil, nil) // the ConfigMap was deleted: the defaults again
	if p, err := s.Policy(); err != nil {
		t.Errorf("Policy() after the ConfigMap went = %v, want the defaults", err)
	} else if got, _ := p.Decide("pod_crash", "shop"); got != Automatic {
		t.Errorf("pod_crash with the defaults = %s, want automatic", got)
	}
}
