package apiauth

import (
	"net/http"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/client-go/kubernetes"

	"selfhealing.dev/coordination-engine/internal/testenv"
)

// apiRole is a rule granting verbs on the API's virtual resource.
func apiRole(verbs ...string) []rbacv1.PolicyRule {
	if len(verbs) == 0 {
		return nil
	}
	return []rbacv1.PolicyRule{{APIGroups: []string{Group}, Resources: []string{Resource}, Verbs: verbs}}
}

// TestKubernetesModeAsksTheClustersRBAC runs the reviews against a real API server with RBAC
// authorization: a ServiceAccount's Role decides whether it may read or also write.
func TestKubernetesModeAsksTheClustersRBAC(t *testing.T) {
	cs := kubernetes.NewForConfigOrDie(env.Config)
	ns := env.Namespace(t)
	writerTok := testenv.ServiceAccountToken(t, cs, ns, "mcp-server", apiRole("get", "create", "update", "delete")...)
	readerTok := testenv.ServiceAccountToken(t, cs, ns, "grafana", apiRole("get")...)
	nobodyTok := testenv.ServiceAccountToken(t, cs, ns, "stranger")
	k := NewKubernetes(cs, ns)
	tests := []struct {
		name, method, token string
		want                int
	}{
		{"no token is unauthenticated", http.MethodGet, "", http.StatusUnauthorized},
		{"a token the cluster did not issue is unauthenticated", http.MethodGet, "not-a-token-at-all", http.StatusUnauthorized},
		{"a writer may trigger remediation", http.MethodPost, writerTok, http.StatusOK},
		{"a writer may read", http.MethodGet, writerTok, http.StatusOK},
		{"a reader may read", http.MethodGet, readerTok, http.StatusOK},
		{"a reader may not trigger remediation", http.MethodPost, readerTok, http.StatusForbidden},
		{"a reader may not cancel an incident", http.MethodDelete, readerTok, http.StatusForbidden},
		{"a ServiceAccount without a Role may not read", http.MethodGet, nobodyTok, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 2 { // the second answer comes from the cache and must agree
				who, err := k.Authorize(t.Context(), request(tt.method, tt.token))
				if status(err) != tt.want {
					t.Fatalf("Authorize = %q, %v, want status %d", who, err, tt.want)
				}
				if tt.want != http.StatusUnauthorized && who == "" {
					t.Errorf("no user name for an authenticated request")
				}
			}
		})
	}
}
