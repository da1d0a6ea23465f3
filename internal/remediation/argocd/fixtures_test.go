package argocd_test

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/internal/remediation/argocd"
)

const (
	repoURL = "https://git.example.test/shop/deploy.git"
	commit  = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"
	older   = "0f0e0d0c0b0a09080706050403020100ffeeddcc"
	newer   = "9999888877776666555544443333222211110000"
)

// application builds an Application with one plain-manifest source; opts change its fields.
func application(namespace, name string, opts ...func(map[string]any)) *unstructured.Unstructured {
	obj := map[string]any{
		"apiVersion": "argoproj.io/v1alpha1",
		"kind":       "Application",
		"metadata":   map[string]any{"namespace": namespace, "name": name},
		"spec": map[string]any{
			"project": "default",
			"source": map[string]any{
				"repoURL": repoURL, "path": "apps/web", "targetRevision": "main",
			},
			"destination": map[string]any{"server": "https://kubernetes.default.svc", "namespace": "shop"},
		},
	}
	for _, o := range opts {
		o(obj)
	}
	return &unstructured.Unstructured{Object: obj}
}

func spec(obj map[string]any) map[string]any { return obj["spec"].(map[string]any) }

func withAutoSync(obj map[string]any) {
	spec(obj)["syncPolicy"] = map[string]any{"automated": map[string]any{"prune": true, "selfHeal": true}}
}

func withSyncOptions(obj map[string]any) {
	spec(obj)["syncPolicy"] = map[string]any{
		"syncOptions": []any{"CreateNamespace=true"},
		"retry":       map[string]any{"limit": int64(2)},
	}
}

func withOperation(obj map[string]any) {
	obj["operation"] = map[string]any{
		"initiatedBy": map[string]any{"username": "alice"},
		"sync":        map[string]any{"revision": "main"},
	}
}

func withStatus(status map[string]any) func(map[string]any) {
	return func(obj map[string]any) { obj["status"] = status }
}

// create creates u and returns the parsed Application as the API server stored it.
func create(t *testing.T, c client.Client, u *unstructured.Unstructured) argocd.Application {
	t.Helper()
	if err := c.Create(t.Context(), u); err != nil {
		t.Fatalf("create %s: %v", u.GetName(), err)
	}
	app, err := argocd.ReadApplication(t.Context(), c, u.GetNamespace(), u.GetName())
	if err != nil {
		t.Fatal(err)
	}
	return app
}
