package chart

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
)

// apiAuth.mode sets API_AUTH_MODE; token mounts the Secret's key tokens as API_AUTH_TOKENS_FILE;
// kubernetes adds Roles on the API's virtual resource and binds the listed clients to them.
func TestChartAPIAuth(t *testing.T) {
	t.Run("none by default: no tokens, no client Roles", func(t *testing.T) {
		objs := render(t, nil)
		env := envMap(deployment(t, objs).Spec.Template.Spec.Containers[0].Env)
		if env["API_AUTH_MODE"] != "none" || env["API_AUTH_TOKENS_FILE"] != "" {
			t.Errorf("API_AUTH_MODE=%q API_AUTH_TOKENS_FILE=%q, want none and unset", env["API_AUTH_MODE"], env["API_AUTH_TOKENS_FILE"])
		}
		if roles := objs.OfKind("Role"); len(roles) != 1 {
			t.Errorf("Roles %v, want only the engine's", roles.Keys())
		}
	})

	t.Run("token: the Secret's key tokens is the tokens file", func(t *testing.T) {
		objs := render(t, map[string]any{"apiAuth": map[string]any{"mode": "token", "tokensSecret": "engine-api-tokens"}})
		d := deployment(t, objs)
		want := ContractWant(releaseNamespace)
		want.TokensSecret = "engine-api-tokens"
		for _, p := range CheckDeployment(d, want) {
			t.Errorf("Deployment: %s", p)
		}
		env := envMap(d.Spec.Template.Spec.Containers[0].Env)
		if env["API_AUTH_MODE"] != "token" || env["API_AUTH_TOKENS_FILE"] != "/etc/coordination-engine/api-auth/tokens" {
			t.Errorf("API_AUTH_MODE=%q API_AUTH_TOKENS_FILE=%q", env["API_AUTH_MODE"], env["API_AUTH_TOKENS_FILE"])
		}
		var secret *corev1.SecretVolumeSource
		for _, v := range d.Spec.Template.Spec.Volumes {
			if v.Secret != nil {
				secret = v.Secret
			}
		}
		if secret == nil || secret.SecretName != "engine-api-tokens" || len(secret.Items) != 1 ||
			secret.Items[0].Key != "tokens" || secret.Items[0].Path != "tokens" {
			t.Errorf("tokens volume %+v, want key tokens of Secret engine-api-tokens as file tokens", secret)
		}
	})

	t.Run("kubernetes: client Roles and bindings", func(t *testing.T) {
		writer := map[string]any{"kind": "ServiceAccount", "name": "mcp-server", "namespace": releaseNamespace}
		objs := render(t, map[string]any{"apiAuth": map[string]any{"mode": "kubernetes", "writers": []any{writer}}})
		if env := envMap(deployment(t, objs).Spec.Template.Spec.Containers[0].Env); env["API_AUTH_MODE"] != "kubernetes" {
			t.Errorf("API_AUTH_MODE=%q, want kubernetes", env["API_AUTH_MODE"])
		}
		for name, verbs := range map[string][]string{"coordination-engine-api-reader": {"get"}, "coordination-engine-api-writer": {"get", "create", "update", "delete"}} {
			var r rbacv1.Role
			if err := objs.Into("Role", name, &r); err != nil {
				t.Fatal(err)
			}
			if len(r.Rules) != 1 || strings.Join(r.Rules[0].APIGroups, ",") != "coordination.selfhealing.dev" ||
				strings.Join(r.Rules[0].Resources, ",") != "api" || strings.Join(r.Rules[0].Verbs, ",") != strings.Join(verbs, ",") {
				t.Errorf("Role %s rules %+v, want %v on api.coordination.selfhealing.dev", name, r.Rules, verbs)
			}
		}
		var b rbacv1.RoleBinding
		if err := objs.Into("RoleBinding", "coordination-engine-api-writer", &b); err != nil {
			t.Fatal(err)
		}
		if b.RoleRef.Name != "coordination-engine-api-writer" || len(b.Subjects) != 1 || b.Subjects[0].Name != "mcp-server" {
			t.Errorf("RoleBinding %+v, want mcp-server bound to coordination-engine-api-writer", b)
		}
		if objs.Find("RoleBinding", "coordination-engine-api-reader") != nil {
			t.Error("a RoleBinding for readers though none are listed")
		}
	})
}

// Values the engine would refuse stop the rendering with a message naming the value.
func TestChartRefusesBadValues(t *testing.T) {
	tests := []struct {
		name   string
		values map[string]any
		want   string
	}{
		{"an unknown API auth mode", map[string]any{"apiAuth": map[string]any{"mode": "basic"}}, "mode"},
		{"token mode without a Secret", map[string]any{"apiAuth": map[string]any{"mode": "token"}}, "apiAuth.tokensSecret"},
		{"an unknown log level", map[string]any{"logLevel": "verbose"}, "logLevel"},
		{"the ML service without a URL", map[string]any{"mlService": map[string]any{"enabled": true, "url": ""}}, "mlService.url"},
	}
	ch, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Render(t.Context(), ch, releaseNamespace, tt.values)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Render(%v) = %v, want an error naming %s", tt.values, err, tt.want)
			}
		})
	}
}

func envMap(env []corev1.EnvVar) map[string]string {
	m := map[string]string{}
	for _, e := range env {
		m[e.Name] = e.Value
	}
	return m
}
