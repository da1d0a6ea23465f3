package engine

import (
	"context"
	"sync"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes"

	"selfhealing.dev/coordination-engine/internal/config"
	"selfhealing.dev/coordination-engine/internal/testenv"
	"selfhealing.dev/coordination-engine/test/chart"
)

var helmChart = sync.OnceValues(chart.Load)

// extraRules are what the chart leaves to the installation (rbac.extraClusterRules) and these
// tests need: the test operator's Cache custom resources, for the operator strategy.
var extraRules = []any{
	map[string]any{"apiGroups": []any{"example.selfhealing.dev"}, "resources": []any{"caches"}, "verbs": []any{"get", "list", "watch", "patch"}},
}

// chartIdentity binds the chart's ServiceAccount in ns to exactly the chart's RBAC, rendered for
// the engine's options (API_AUTH_MODE=kubernetes adds the reviews), and returns a kubeconfig
// that authenticates as it, so the engine under test has the least privilege it is shipped
// with: a permission the code uses but the chart does not grant fails the test that exercises
// it. The cluster-scoped objects are renamed per namespace, since the tests share one API server.
func chartIdentity(t testing.TB, ns string, opts config.Options) string {
	t.Helper()
	ch, err := helmChart()
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]any{"rbac": map[string]any{"extraClusterRules": extraRules}, "apiAuth": map[string]any{"mode": authMode(opts)}}
	objs, err := chart.Render(t.Context(), ch, ns, values)
	if err != nil {
		t.Fatal(err)
	}
	c := env.Client(t)
	var sa string
	for _, u := range objs {
		switch u.GetKind() {
		case "ClusterRole", "ClusterRoleBinding":
			u = perNamespace(u, ns)
		case "ServiceAccount":
			sa = u.GetName()
		case "Role", "RoleBinding":
		default:
			continue
		}
		if err := c.Create(t.Context(), u); err != nil {
			t.Fatalf("create the chart's %s %s: %v", u.GetKind(), u.GetName(), err)
		}
		t.Cleanup(func() { _ = c.Delete(context.Background(), u) })
	}
	token := testenv.MintToken(t, kubernetes.NewForConfigOrDie(env.Config), ns, sa)
	return env.TokenKubeconfig(t, t.TempDir(), token)
}

// perNamespace renames a cluster-scoped RBAC object, and a binding's role, after ns.
func perNamespace(u *unstructured.Unstructured, ns string) *unstructured.Unstructured {
	u = u.DeepCopy()
	u.SetName(u.GetName() + "-" + ns)
	if u.GetKind() == "ClusterRoleBinding" {
		name, _, _ := unstructured.NestedString(u.Object, "roleRef", "name")
		_ = unstructured.SetNestedField(u.Object, name+"-"+ns, "roleRef", "name")
	}
	return u
}

// authMode is the chart's apiAuth.mode whose RBAC the options need: only kubernetes adds rules.
func authMode(opts config.Options) string {
	if opts.APIAuthMode == "kubernetes" {
		return "kubernetes"
	}
	return "none"
}
