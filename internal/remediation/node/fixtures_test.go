package node

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/guardrail"
	"selfhealing.dev/coordination-engine/internal/managedby"
	"selfhealing.dev/coordination-engine/internal/telemetry"
)

// testTime is the clock of the gates under test.
var testTime = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

// fixture is a node strategy on a real API server, with a namespace and a node name of its own
// and a real safety gate to get permits from.
type fixture struct {
	c      client.Client
	s      *Strategy
	gate   *guardrail.Gate
	events *events.FakeRecorder
	ns     string
	node   string
}

func setup(t *testing.T) *fixture { return setupWith(t, Options{}, nil) }

// setupWith builds the strategy with opts; reader, when set, wraps the client the strategy
// reads with.
func setupWith(t *testing.T, opts Options, reader func(client.Reader) client.Reader) *fixture {
	t.Helper()
	c := env.Client(t)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "node-"}}
	if err := c.Create(t.Context(), ns); err != nil {
		t.Fatal(err)
	}
	rec := events.NewFakeRecorder(1000)
	w := guardrail.NewWriter(c, rec, telemetry.New(prometheus.NewRegistry(), "test"), logr.Discard())
	var r client.Reader = c
	if reader != nil {
		r = reader(c)
	}
	gate := guardrail.NewGate(func() (guardrail.Policy, error) { return guardrail.DefaultPolicy(), nil }, nil,
		func() time.Time { return testTime }, logr.Discard())
	return &fixture{c: c, s: New(r, w, opts, time.Now), gate: gate, events: rec, ns: ns.Name, node: "w-" + ns.Name}
}

// act is an approved deterministic action of type typ on the fixture's node (the default policy
// wants approval for node_remediation).
func (f *fixture) act(typ action.Type) action.Action {
	return action.Action{Type: typ, Target: v1alpha1.Target{Kind: "Node", Name: f.node}, Source: v1alpha1.SourceDeterministic,
		Priority: 5, Workflow: "wf-" + f.ns, Incident: "inc-" + f.ns, Approved: true}
}

// owner is how the resolver describes the fixture's node.
func (f *fixture) owner() managedby.Resolution { return nodeOwner(f.node) }

func nodeOwner(name string) managedby.Resolution {
	obj := managedby.Object{APIVersion: "v1", Kind: "Node", Name: name}
	return managedby.Resolution{Result: managedby.Result{Method: managedby.Manual, Confidence: 1}, Target: obj, Workload: obj, Top: obj}
}

// permit asks the gate for act.
func (f *fixture) permit(t *testing.T, act action.Action) *guardrail.Permit {
	t.Helper()
	p, err := f.gate.Admit(t.Context(), act, guardrail.Scope{})
	if err != nil {
		t.Fatalf("Admit(%s) = %v", act, err)
	}
	t.Cleanup(func() { p.Done(guardrail.NotApplied) })
	return p
}

// plan plans act on the fixture's node and fails the test on error.
func (f *fixture) plan(t *testing.T, act action.Action) v1alpha1.Change {
	t.Helper()
	ch, err := f.s.Plan(t.Context(), act, f.owner())
	if err != nil {
		t.Fatalf("Plan(%s) = %v", act.Type, err)
	}
	return ch
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

// createNode creates the fixture's node, changed by opts, with a Ready status.
func (f *fixture) createNode(t *testing.T, opts ...func(*corev1.Node)) *corev1.Node {
	t.Helper()
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: f.node}}
	for _, o := range opts {
		o(n)
	}
	status := n.Status
	f.create(t, n)
	if len(status.Conditions) == 0 {
		status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady"}}
	}
	n.Status = status
	if err := f.c.Status().Update(t.Context(), n); err != nil {
		t.Fatalf("update status of node %s: %v", n.Name, err)
	}
	t.Cleanup(func() { _ = f.c.Delete(t.Context(), n) })
	return n
}

// cordonedBySomeone is a node a person cordoned with `kubectl cordon`.
func cordonedBySomeone(n *corev1.Node) { n.Spec.Unschedulable = true }

// conditions sets the node's status conditions.
func conditions(cs ...corev1.NodeCondition) func(*corev1.Node) {
	return func(n *corev1.Node) { n.Status.Conditions = cs }
}

func cond(t corev1.NodeConditionType, s corev1.ConditionStatus) corev1.NodeCondition {
	return corev1.NodeCondition{Type: t, Status: s, Reason: "Test"}
}

// createPod creates a pod named name bound to node in the fixture's namespace, labelled
// app=web, changed by opts, and then writes its status: Running and Ready unless an option set
// another.
func (f *fixture) createPod(t *testing.T, name, node string, opts ...func(*corev1.Pod)) *corev1.Pod {
	t.Helper()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: name, Labels: map[string]string{"app": "web"}},
		Spec:       corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "app", Image: "web:1"}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{
			{Type: corev1.PodReady, Status: corev1.ConditionTrue},
		}},
	}
	for _, o := range opts {
		o(pod)
	}
	status := pod.Status
	f.create(t, pod)
	pod.Status = status
	if err := f.c.Status().Update(t.Context(), pod); err != nil {
		t.Fatalf("update status of pod %s: %v", name, err)
	}
	return pod
}

// ownedBy makes the pod's controller a kind (ReplicaSet, DaemonSet) named owner.
func ownedBy(kind, owner string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.OwnerReferences = []metav1.OwnerReference{{APIVersion: appsv1.SchemeGroupVersion.String(), Kind: kind, Name: owner,
			UID: types.UID("uid-" + owner), Controller: new(true)}}
	}
}

// mirror makes the pod the mirror of a static pod.
func mirror(p *corev1.Pod) {
	p.Annotations = map[string]string{MirrorPodAnnotation: "hash"}
}

// phase sets the pod's phase, not ready.
func phase(ph corev1.PodPhase) func(*corev1.Pod) {
	return func(p *corev1.Pod) { p.Status = corev1.PodStatus{Phase: ph} }
}

func labelled(app string) func(*corev1.Pod) {
	return func(p *corev1.Pod) { p.Labels = map[string]string{"app": app} }
}

// createBudget creates a PodDisruptionBudget selecting app=app and writes the status a
// disruption controller would: observed, allowing allowed disruptions.
func (f *fixture) createBudget(t *testing.T, app string, allowed int32, opts ...func(*policyv1.PodDisruptionBudget)) *policyv1.PodDisruptionBudget {
	t.Helper()
	minAvailable := intstr.FromInt32(1)
	pdb := &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: app},
		Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: &minAvailable,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}}},
	}
	for _, o := range opts {
		o(pdb)
	}
	f.create(t, pdb)
	f.allow(t, pdb, allowed)
	return pdb
}

// allow writes pdb's status as a disruption controller would when it allows allowed disruptions.
func (f *fixture) allow(t *testing.T, pdb *policyv1.PodDisruptionBudget, allowed int32) {
	t.Helper()
	f.get(t, pdb)
	pdb.Status = policyv1.PodDisruptionBudgetStatus{ObservedGeneration: pdb.Generation, DisruptionsAllowed: allowed,
		CurrentHealthy: 1 + allowed, DesiredHealthy: 1, ExpectedPods: 1 + allowed}
	if err := f.c.Status().Update(t.Context(), pdb); err != nil {
		t.Fatalf("update status of PodDisruptionBudget %s: %v", pdb.Name, err)
	}
}

// evicted says whether pod was evicted: gone, or terminating (no kubelet finishes the graceful
// deletion of a bound pod here).
func (f *fixture) evicted(t *testing.T, pod *corev1.Pod) bool {
	t.Helper()
	var got corev1.Pod
	err := f.c.Get(t.Context(), client.ObjectKeyFromObject(pod), &got)
	if apierrors.IsNotFound(err) {
		return true
	}
	if err != nil {
		t.Fatalf("get pod %s: %v", pod.Name, err)
	}
	return got.DeletionTimestamp != nil && (pod.DeletionTimestamp == nil || !got.DeletionTimestamp.Equal(pod.DeletionTimestamp))
}

// cordon reads the node's spec.unschedulable and cordoned-by annotation.
func (f *fixture) cordon(t *testing.T) (unschedulable bool, by string, annotated bool) {
	t.Helper()
	var n corev1.Node
	if err := f.c.Get(t.Context(), client.ObjectKey{Name: f.node}, &n); err != nil {
		t.Fatalf("get node %s: %v", f.node, err)
	}
	by, annotated = n.Annotations[CordonedByAnnotation]
	return n.Spec.Unschedulable, by, annotated
}

// remediated counts the Remediated Events recorded so far (and drains the recorder).
func (f *fixture) remediated() int {
	n := 0
	for {
		select {
		case e := <-f.events.Events:
			if strings.HasPrefix(e, corev1.EventTypeNormal+" "+v1alpha1.EventRemediated+" ") {
				n++
			}
		default:
			return n
		}
	}
}

// refusal returns err's *action.Refusal, or nil.
func refusal(err error) *action.Refusal {
	var r *action.Refusal
	if errors.As(err, &r) {
		return r
	}
	return nil
}

func reasonOf(err error) string {
	if r := refusal(err); r != nil {
		return r.Reason
	}
	return ""
}
