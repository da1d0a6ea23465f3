package workload

import (
	"os"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/guardrail"
	"selfhealing.dev/coordination-engine/internal/managedby"
	"selfhealing.dev/coordination-engine/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) { os.Exit(testenv.Main(m, &env)) }

// planTime is the fixed clock of the strategies under test.
var planTime = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

// fixture is a strategy on a real API server, with a namespace of its own.
type fixture struct {
	c  client.Client
	s  *Strategy
	ns string
}

// newFixture creates a namespace and a strategy whose Writer and reader use cfg.
func newFixture(t *testing.T, cfg *rest.Config, clock func() time.Time) *fixture {
	t.Helper()
	c, err := client.New(cfg, client.Options{Scheme: testenv.Scheme(t)})
	if err != nil {
		t.Fatal(err)
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "workload-"}}
	if err := c.Create(t.Context(), ns); err != nil {
		t.Fatal(err)
	}
	w := guardrail.TestWriter(c)
	return &fixture{c: c, s: New(c, w, Options{}, clock), ns: ns.Name}
}

func setup(t *testing.T) *fixture {
	return newFixture(t, env.Config, func() time.Time { return planTime })
}

// create creates obj and fails the test on error.
func (f *fixture) create(t *testing.T, obj client.Object) {
	t.Helper()
	if err := f.c.Create(t.Context(), obj); err != nil {
		t.Fatalf("create %T %s: %v", obj, obj.GetName(), err)
	}
}

// get reads obj again.
func (f *fixture) get(t *testing.T, obj client.Object) {
	t.Helper()
	if err := f.c.Get(t.Context(), client.ObjectKeyFromObject(obj), obj); err != nil {
		t.Fatalf("get %T %s: %v", obj, obj.GetName(), err)
	}
}

// apply plans act on owner and applies the change under a test permit.
func (f *fixture) apply(t *testing.T, act action.Action, owner managedby.Resolution) v1alpha1.Change {
	t.Helper()
	ch, err := f.s.Plan(t.Context(), act, owner)
	if err != nil {
		t.Fatalf("Plan(%s) = %v", act.Type, err)
	}
	if err := f.s.Apply(t.Context(), guardrail.TestPermit(act), ch); err != nil {
		t.Fatalf("Apply(%s) = %v", ch.Summary, err)
	}
	return ch
}

func act(typ action.Type, ns, name string) action.Action {
	return action.Action{Type: typ, Target: v1alpha1.Target{Kind: "Deployment", Namespace: ns, Name: name}, Source: v1alpha1.SourceDeterministic, Workflow: "wf-1", Incident: "inc-1"}
}
