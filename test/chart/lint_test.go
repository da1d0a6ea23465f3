package chart

import (
	"testing"

	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/v2/lint"
	"helm.sh/helm/v4/pkg/chart/v2/lint/support"
)

// The chart passes `helm lint --strict` (no warnings, no errors) with its defaults, with the
// ADR-038 block and with every optional part turned on, for the oldest and the newest Kubernetes
// version it supports.
func TestChartLints(t *testing.T) {
	everything := adr038Block()
	for path, v := range map[string]any{
		"replicas": 3, "serviceMonitor.enabled": true, "prometheusRule.enabled": true,
		"apiAuth.mode": "kubernetes", "rbac.extraClusterRules": []any{map[string]any{"apiGroups": []any{"example.com"}, "resources": []any{"caches"}, "verbs": []any{"get", "patch"}}},
		"apiAuth.writers": []any{map[string]any{"kind": "ServiceAccount", "name": "mcp-server", "namespace": releaseNamespace}},
		"extraEnv":        []any{map[string]any{"name": "PROMETHEUS_URL", "value": "https://thanos-querier.openshift-monitoring.svc:9091"}},
	} {
		everything = with(everything, path, v)
	}
	tests := []struct {
		name   string
		values map[string]any
	}{
		{"the chart's defaults", nil},
		{"the ADR-038 values block", adr038Block()},
		{"every optional part on", everything},
		{"API tokens from a Secret", with(with(nil, "apiAuth.mode", "token"), "apiAuth.tokensSecret", "engine-api-tokens")},
	}
	for _, kube := range []string{OldestKubeVersion, "v1.34.0"} {
		kv, err := common.ParseKubeVersion(kube)
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range tests {
			t.Run(tt.name+" on "+kube, func(t *testing.T) {
				l := lint.RunAll(Dir(), tt.values, releaseNamespace, lint.WithKubeVersion(kv))
				for _, m := range l.Messages {
					if m.Severity >= support.WarningSev {
						t.Errorf("lint: %v", m)
					} else {
						t.Logf("lint: %v", m)
					}
				}
			})
		}
	}
}
