package engine

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/client-go/kubernetes"

	"selfhealing.dev/coordination-engine/internal/apiauth"
	"selfhealing.dev/coordination-engine/internal/config"
	"selfhealing.dev/coordination-engine/internal/testenv"
)

// call sends a request with an optional bearer token and returns the status and the
// WWW-Authenticate header.
func (e *testEngine) call(t *testing.T, method, path, body, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, e.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header.Get("WWW-Authenticate")
}

type authCase struct {
	name, method, path, token string
	want                      int
}

func (e *testEngine) checkAuth(t *testing.T, ns string, cases []authCase) {
	t.Helper()
	for _, tc := range cases {
		body := ""
		if tc.method == http.MethodPost {
			body = triggerBody(ns, "Deployment", "web", "pod_crash", true)
		}
		code, challenge := e.call(t, tc.method, tc.path, body, tc.token)
		if code != tc.want {
			t.Errorf("%s: %s %s = %d, want %d", tc.name, tc.method, tc.path, code, tc.want)
		}
		if code == http.StatusUnauthorized && !strings.HasPrefix(challenge, "Bearer") {
			t.Errorf("%s: 401 without a Bearer challenge (%q)", tc.name, challenge)
		}
	}
}

// TestAPIAuthenticationModes is issue 8's "Done when" for the API: unauthenticated writes are
// refused in token and kubernetes modes (and allowed in none, which every other test runs in);
// probes and the OpenAPI document stay open.
func TestAPIAuthenticationModes(t *testing.T) {
	const writer, reader = "mcp-0123456789abcdef", "grafana-0123456789ab"
	open := []authCase{
		{"probes stay open", http.MethodGet, "/health", "", http.StatusOK},
		{"readiness stays open", http.MethodGet, "/readyz", "", http.StatusOK},
		{"the deep health stays open", http.MethodGet, "/api/v1/health", "", http.StatusOK},
		{"the OpenAPI document stays open", http.MethodGet, "/api/v1/openapi.yaml", "", http.StatusOK},
	}
	t.Run("token", func(t *testing.T) {
		tokens := filepath.Join(t.TempDir(), "tokens")
		if err := os.WriteFile(tokens, []byte(writer+" write\n"+reader+" read\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		e, _, ns := engineWithWeb(t, func(o *config.Options) { o.APIAuthMode, o.APIAuthTokensFile = "token", tokens })
		e.checkAuth(t, ns, append(open,
			authCase{"an unauthenticated write is refused", http.MethodPost, "/api/v1/remediation/trigger", "", http.StatusUnauthorized},
			authCase{"an unauthenticated read is refused", http.MethodGet, "/api/v1/incidents", "", http.StatusUnauthorized},
			authCase{"a wrong token is refused", http.MethodPost, "/api/v1/remediation/trigger", "nope-0123456789abcdef", http.StatusUnauthorized},
			authCase{"a read token may not write", http.MethodPost, "/api/v1/remediation/trigger", reader, http.StatusForbidden},
			authCase{"a read token may read", http.MethodGet, "/api/v1/incidents", reader, http.StatusOK},
			authCase{"a write token may trigger remediation", http.MethodPost, "/api/v1/remediation/trigger", writer, http.StatusAccepted},
		))
	})
	t.Run("kubernetes", func(t *testing.T) {
		e, _, ns := engineWithWeb(t, func(o *config.Options) { o.APIAuthMode = string(apiauth.ModeKubernetes) })
		cs := kubernetes.NewForConfigOrDie(env.Config)
		writerTok := testenv.ServiceAccountToken(t, cs, e.namespace, "mcp-server", apiRules("get", "create")...)
		readerTok := testenv.ServiceAccountToken(t, cs, e.namespace, "grafana", apiRules("get")...)
		e.checkAuth(t, ns, append(open,
			authCase{"an unauthenticated write is refused", http.MethodPost, "/api/v1/remediation/trigger", "", http.StatusUnauthorized},
			authCase{"a reader's ServiceAccount may not write", http.MethodPost, "/api/v1/remediation/trigger", readerTok, http.StatusForbidden},
			authCase{"a reader's ServiceAccount may read", http.MethodGet, "/api/v1/workflows", readerTok, http.StatusOK},
			authCase{"a writer's ServiceAccount may trigger remediation", http.MethodPost, "/api/v1/remediation/trigger", writerTok, http.StatusAccepted},
		))
	})
}

// apiRules grant verbs on the API's virtual resource.
func apiRules(verbs ...string) []rbacv1.PolicyRule {
	return []rbacv1.PolicyRule{{APIGroups: []string{apiauth.Group}, Resources: []string{apiauth.Resource}, Verbs: verbs}}
}
