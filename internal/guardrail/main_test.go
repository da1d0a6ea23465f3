package guardrail

import (
	"flag"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/telemetry"
	"selfhealing.dev/coordination-engine/internal/testenv"
)

var env *testenv.Env

// TestMain starts the API server once, except while fuzzing: every fuzz worker process runs
// TestMain, and FuzzParsePolicy needs no API server.
func TestMain(m *testing.M) {
	flag.Parse()
	if f := flag.Lookup("test.fuzz"); f != nil && f.Value.String() != "" {
		os.Exit(m.Run())
	}
	if f := flag.Lookup("test.fuzzworker"); f != nil && f.Value.String() == "true" {
		os.Exit(m.Run())
	}
	os.Exit(testenv.Main(m, &env))
}

// needAPIServer skips t when TestMain started no API server.
func needAPIServer(t *testing.T) {
	t.Helper()
	if env == nil {
		t.Skip("no API server while fuzzing")
	}
}

// testClock is a clock the test moves.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *testClock { return &testClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// testPolicy is DefaultPolicy without approvals, so that one rule at a time can be switched on.
func testPolicy() Policy {
	p := DefaultPolicy()
	p.ApprovalRequired = nil
	return p
}

func fixed(p Policy) func() (Policy, error) { return func() (Policy, error) { return p, nil } }

func newTestGate(t testing.TB, policy func() (Policy, error)) (*Gate, *testClock, *telemetry.Metrics) {
	t.Helper()
	clock := newClock()
	m := telemetry.New(prometheus.NewRegistry(), "test")
	return NewGate(policy, m, clock.Now, logr.Discard()), clock, m
}

// act is a deterministic action of type typ on Deployment ns/name, priority 5.
func act(typ action.Type, ns, name string, opts ...func(*action.Action)) action.Action {
	a := action.Action{Type: typ, Target: v1alpha1.Target{Kind: "Deployment", Namespace: ns, Name: name},
		Source: v1alpha1.SourceDeterministic, Priority: 5, Workflow: "wf-" + name, Incident: "inc-" + name}
	for _, o := range opts {
		o(&a)
	}
	return a
}

func ai(confidence float64) func(*action.Action) {
	return func(a *action.Action) { a.Source, a.Confidence = v1alpha1.SourceAIDriven, confidence }
}

func priority(p int32) func(*action.Action) { return func(a *action.Action) { a.Priority = p } }

func approved(a *action.Action) { a.Approved = true }

func needsApproval(a *action.Action) { a.ApprovalRequired = true }

func dryRun(a *action.Action) { a.DryRun = true }

func kind(k string) func(*action.Action) { return func(a *action.Action) { a.Target.Kind = k } }

func workflow(w string) func(*action.Action) { return func(a *action.Action) { a.Workflow = w } }

// node is a cluster-scoped Node target.
func node(name string) func(*action.Action) {
	return func(a *action.Action) { a.Target = v1alpha1.Target{Kind: "Node", Name: name} }
}

// reason is the refusal's reason, "" for nil.
func reason(r *action.Refusal) string {
	if r == nil {
		return ""
	}
	return r.Reason
}

// errReason is err's refusal reason, "" for nil, or the error text when it is no refusal.
func errReason(err error) string {
	if err == nil {
		return ""
	}
	if r, ok := err.(*action.Refusal); ok {
		return r.Reason
	}
	return "not a refusal: " + err.Error()
}
