package intake

import (
	"strings"
	"testing"
)

func TestDecide(t *testing.T) {
	custom, err := ParsePolicy(map[string]string{PolicyKey: `
rules:
- namespaces: ["payments"]
  signals: ["oom_kill"]
  mode: approval
- signals: ["node_*"]
  mode: automatic
`}, "coordination-engine")
	if err != nil {
		t.Fatal(err)
	}
	defaults := DefaultPolicy("coordination-engine")
	tests := []struct {
		name      string
		policy    Policy
		signal    string
		namespace string
		want      Mode
	}{
		{"a crash loop of an application is remediated automatically", defaults, "pod_crash", "shop", Automatic},
		{"an OOM kill of an application is remediated automatically", defaults, "oom_kill", "shop", Automatic},
		{"a stuck rollout is rolled back automatically", defaults, "stuck_rollout", "shop", Automatic},
		{"node actions wait for approval", defaults, "node_not_ready", "", Approval},
		{"node pressure waits for approval", defaults, "node_disk_pressure", "", Approval},
		{"kube-system only gets an incident", defaults, "pod_crash", "kube-system", IncidentOnly},
		{"openshift namespaces only get an incident", defaults, "oom_kill", "openshift-monitoring", IncidentOnly},
		{"the engine's own namespace only gets an incident", defaults, "pod_crash", "coordination-engine", IncidentOnly},
		{"a configuration error only gets an incident", defaults, "config_error", "shop", IncidentOnly},
		{"a degraded cluster operator only gets an incident", defaults, "cluster_operator_degraded", "", IncidentOnly},
		{"a signal without an action only gets an incident", defaults, "", "shop", IncidentOnly},
		{"the ConfigMap's rules come first", custom, "oom_kill", "payments", Approval},
		{"the ConfigMap may turn node actions automatic", custom, "node_not_ready", "", Automatic},
		{"the built-in rules still follow the ConfigMap's", custom, "pod_crash", "kube-system", IncidentOnly},
		{"a namespaced rule does not match cluster-scoped targets", custom, "oom_kill", "", Automatic},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, rule := tt.policy.Decide(tt.signal, tt.namespace); got != tt.want {
				t.Errorf("Decide(%q, %q) = %s (%s), want %s", tt.signal, tt.namespace, got, rule, tt.want)
			}
		})
	}
}

func TestParsePolicyNamesWhatIsWrong(t *testing.T) {
	tests := []struct {
		name string
		data map[string]string
		want string
	}{
		{"an unknown key", map[string]string{"policy.yml": "rules: []"}, `key "policy.yml"`},
		{"an unknown field", map[string]string{PolicyKey: "rules:\n- mode: automatic\n  namespace: [shop]\n"}, "namespace"},
		{"an unknown mode", map[string]string{PolicyKey: "rules:\n- mode: sometimes\n"}, `rules[0]: mode "sometimes"`},
		{"a bad glob", map[string]string{PolicyKey: "rules:\n- mode: automatic\n  signals: ['[']\n"}, `rules[0]: glob "["`},
		{"a bad default", map[string]string{PolicyKey: "default: auto\n"}, `default: mode "auto"`},
		{"not YAML", map[string]string{PolicyKey: "rules: [\n"}, PolicyKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePolicy(tt.data, "ce")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParsePolicy() error = %v, want it to name %q", err, tt.want)
			}
		})
	}
}

func TestAnEmptyConfigMapKeepsTheDefaults(t *testing.T) {
	p, err := ParsePolicy(map[string]string{}, "ce")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := p.Decide("node_not_ready", ""); got != Approval {
		t.Errorf("node_not_ready = %s, want approval", got)
	}
}
