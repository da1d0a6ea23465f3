package operator

import (
	"encoding/json"
	"errors"
	"os"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/guardrail"
	"selfhealing.dev/coordination-engine/internal/managedby"
	"selfhealing.dev/coordination-engine/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) { os.Exit(testenv.Main(m, &env)) }

const cacheAPIVersion = "example.selfhealing.dev/v1"

// newCache creates a Cache custom resource with spec in namespace ns.
func newCache(t *testing.T, c client.Client, ns, name string, spec map[string]any) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": cacheAPIVersion, "kind": "Cache",
		"metadata": map[string]any{"name": name, "namespace": ns}, "spec": spec}}
	if err := c.Create(t.Context(), u); err != nil {
		t.Fatalf("create Cache: %v", err)
	}
	return u
}

func operatorOwned(ns, cache string) managedby.Resolution {
	return managedby.Resolution{
		Result: managedby.Result{Method: managedby.Operator, Details: map[string]string{
			managedby.DetailOperatorAPIVersion: cacheAPIVersion, managedby.DetailOperatorKind: "Cache", managedby.DetailOperatorName: cache}},
		Workload: managedby.Object{APIVersion: "apps/v1", Kind: "Deployment", Namespace: ns, Name: cache},
	}
}

func newStrategy(t *testing.T, c client.Client, mappings string) *Strategy {
	t.Helper()
	m, err := ParseMappings(mappings)
	if err != nil {
		t.Fatal(err)
	}
	w := guardrail.TestWriter(c)
	fixed := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	return New(c, w, Options{Mappings: m}, func() time.Time { return fixed })
}

func TestPlanApplyUndoChangesTheCustomResource(t *testing.T) {
	c := env.Client(t)
	ns := env.Namespace(t)
	newCache(t, c, ns, "redis", map[string]any{"memory": "256Mi", "replicas": int64(2)})
	s := newStrategy(t, c, "Cache.example.selfhealing.dev:set_memory_limit=/spec/memory,scale=/spec/replicas")
	tests := []struct {
		name  string
		act   action.Type
		path  []string
		want  any
		undid any
	}{
		{"a memory raise sets the mapped field to 1.5 times its value", action.SetMemoryLimit, []string{"spec", "memory"}, "384Mi", "256Mi"},
		{"a scale sets the mapped replicas field one higher", action.Scale, []string{"spec", "replicas"}, int64(3), int64(2)},
		{"a restart without a mapping sets the reconcile-trigger annotation", action.Restart,
			[]string{"metadata", "annotations", DefaultReconcileAnnotation}, "2026-11-25T12:00:00Z", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			act := action.Action{Type: tt.act, Target: v1alpha1.Target{Kind: "Cache", Namespace: ns, Name: "redis"}}
			ch, err := s.Plan(t.Context(), act, operatorOwned(ns, "redis"))
			if err != nil {
				t.Fatalf("Plan() error = %v", err)
			}
			if ch.Object.Kind != "Cache" || ch.Object.UID == "" {
				t.Fatalf("Plan() changes %+v, want the Cache with its UID", ch.Object)
			}
			p := guardrail.TestPermit(act)
			if err := s.Apply(t.Context(), p, ch); err != nil {
				t.Fatalf("Apply() error = %v", err)
			}
			if got := field(t, c, ns, "redis", tt.path); got != tt.want {
				t.Fatalf("after Apply %v = %v, want %v", tt.path, got, tt.want)
			}
			if err := s.Undo(t.Context(), p, ch); err != nil {
				t.Fatalf("Undo() error = %v", err)
			}
			if got := field(t, c, ns, "redis", tt.path); got != tt.undid {
				t.Fatalf("after Undo %v = %v, want %v", tt.path, got, tt.undid)
			}
		})
	}
}

func field(t *testing.T, c client.Client, ns, name string, path []string) any {
	t.Helper()
	u := &unstructured.Unstructured{}
	u.SetAPIVersion(cacheAPIVersion)
	u.SetKind("Cache")
	if err := c.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: name}, u); err != nil {
		t.Fatal(err)
	}
	v, _, _ := unstructured.NestedFieldNoCopy(u.Object, path...)
	return v
}

func TestPlanRefuses(t *testing.T) {
	c := env.Client(t)
	ns := env.Namespace(t)
	newCache(t, c, ns, "memcached", map[string]any{"memory": "4Gi"})
	mapped := newStrategy(t, c, "Cache.example.selfhealing.dev:set_memory_limit=/spec/memory")
	unmapped := newStrategy(t, c, "")
	manual := operatorOwned(ns, "memcached")
	manual.Method = managedby.Manual
	gitops := operatorOwned(ns, "memcached")
	gitops.Method = managedby.ArgoCD
	tests := []struct {
		name   string
		s      *Strategy
		act    action.Type
		owner  managedby.Resolution
		reason string
	}{
		{"a manual workload is not the operator strategy's", mapped, action.SetMemoryLimit, manual, ReasonNotOperatorManaged},
		{"an Argo CD workload is refused", mapped, action.Restart, gitops, ReasonNotOperatorManaged},
		{"a memory raise without a mapped field is refused, naming the setting", unmapped, action.SetMemoryLimit, operatorOwned(ns, "memcached"), ReasonNoFieldMapping},
		{"a rollback has no custom-resource form", mapped, action.Rollback, operatorOwned(ns, "memcached"), ReasonNoFieldMapping},
		{"a memory limit at the ceiling is refused", mapped, action.SetMemoryLimit, operatorOwned(ns, "memcached"), ReasonAtCeiling},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.s.Plan(t.Context(), action.Action{Type: tt.act}, tt.owner)
			var r *action.Refusal
			if !errors.As(err, &r) || r.Reason != tt.reason {
				t.Fatalf("Plan() error = %v, want refusal %s", err, tt.reason)
			}
		})
	}
}

func TestParseMappings(t *testing.T) {
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"an empty setting maps nothing", "", true},
		{"two kinds with fields", "Cache.example.com:set_memory_limit=/spec/memory,scale=/spec/replicas; Db.x.io:restart=/spec/restartedAt", true},
		{"a kind without a group is refused", "Cache:scale=/spec/replicas", false},
		{"a field that is not a JSON pointer is refused", "Cache.example.com:scale=spec.replicas", false},
		{"an unknown action is refused", "Cache.example.com:delete=/spec", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseMappings(tt.in); (err == nil) != tt.ok {
				t.Fatalf("ParseMappings(%q) error = %v, want ok %v", tt.in, err, tt.ok)
			}
		})
	}
}

func TestRaiseMemory(t *testing.T) {
	tests := []struct{ in, ceiling, want string }{
		{"256Mi", "4Gi", "384Mi"},
		{"100M", "4Gi", "144Mi"},
		{"3Gi", "4Gi", "4Gi"},
	}
	for _, tt := range tests {
		got, err := raiseMemory(resource.MustParse(tt.in), 1.5, resource.MustParse(tt.ceiling))
		if err != nil || got != tt.want {
			t.Errorf("raiseMemory(%s) = %s, %v; want %s", tt.in, got, err, tt.want)
		}
	}
}

func TestMergePatchPath(t *testing.T) {
	got := mergePatch(splitPointer("/metadata/annotations/example.com~1restart"), "x")
	var m map[string]any
	if err := json.Unmarshal([]byte(got), &m); err != nil {
		t.Fatal(err)
	}
	want := `{"metadata":{"annotations":{"example.com/restart":"x"}}}`
	if got != want {
		t.Fatalf("mergePatch = %s, want %s", got, want)
	}
}
