package chart

import (
	"os"
	"testing"

	"github.com/go-logr/logr/funcr"
	"k8s.io/klog/v2"

	"selfhealing.dev/coordination-engine/internal/testenv"
)

// env is a real kube-apiserver with RBAC authorization (envtest's default), for the tests that
// apply the chart's RBAC and act as its ServiceAccount.
var env *testenv.Env

// klogLines collects what client-go logs through klog (the in-process engine's leader-election
// Events among it), instead of it going to the test's stderr.
var klogLines testenv.SyncBuffer

func TestMain(m *testing.M) {
	klog.SetLogger(funcr.New(func(prefix, args string) { _, _ = klogLines.Write([]byte(prefix + " " + args + "\n")) }, funcr.Options{}))
	os.Exit(testenv.Main(m, &env))
}

// releaseNamespace is where the tests render and install the chart: the platform's namespace.
const releaseNamespace = "self-healing-platform"

// render renders the chart with values in releaseNamespace, failing the test on an error.
func render(t testing.TB, values map[string]any) Objects {
	t.Helper()
	ch, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	objs, err := Render(t.Context(), ch, releaseNamespace, values)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// adr038Block is the platform's coordinationEngine values block (ADR-038, contract §7), passed
// to the chart as it is.
func adr038Block() map[string]any {
	return map[string]any{
		"image":     map[string]any{"repository": "example/coordination-engine", "tag": "1.2.3", "pullPolicy": "Always"},
		"replicas":  1,
		"logLevel":  "info",
		"mlService": map[string]any{"enabled": true, "url": "http://aiops-ml-service:8080"},
		"resources": map[string]any{
			"requests": map[string]any{"cpu": "200m", "memory": "256Mi"},
			"limits":   map[string]any{"cpu": "500m", "memory": "512Mi"},
		},
	}
}

// with returns a copy of base with the dotted path set to v.
func with(base map[string]any, path string, v any) map[string]any {
	out := deepCopy(base)
	m := out
	keys := splitPath(path)
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[keys[len(keys)-1]] = v
	return out
}

func splitPath(path string) []string {
	var keys []string
	start := 0
	for i := range len(path) {
		if path[i] == '.' {
			keys = append(keys, path[start:i])
			start = i + 1
		}
	}
	return append(keys, path[start:])
}

func deepCopy(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok {
			v = deepCopy(sub)
		}
		out[k] = v
	}
	return out
}
