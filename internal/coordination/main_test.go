package coordination

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/clusterstate"
	"selfhealing.dev/coordination-engine/internal/incident"
	"selfhealing.dev/coordination-engine/internal/managedby"
	"selfhealing.dev/coordination-engine/internal/projection"
	"selfhealing.dev/coordination-engine/internal/testenv"
	"selfhealing.dev/coordination-engine/internal/workflow"
)

// env is this package's API server, with the twins of OpenShift's CRDs. No controller-manager,
// kubelet or executor runs: tests write the status those would write (a child workflow's phase
// included).
var env *testenv.Env

func TestMain(m *testing.M) { os.Exit(testenv.Main(m, &env)) }

// harness is a manager running the Controller against the test API server, with the engine's
// records in a namespace of their own, and the Requests that start coordinations.
type harness struct {
	c         client.Client
	ns        string
	incidents *incident.Service
	workflows *workflow.Service
	planner   *Planner
	requests  *Requests
}

// newHarness starts a manager with the Controller tuned by opts until the test ends.
func newHarness(t *testing.T, opts Options) *harness {
	t.Helper()
	ns := env.Namespace(t)
	only := map[string]cache.Config{ns: {}}
	mgr, err := ctrl.NewManager(env.Config, manager.Options{
		Scheme: testenv.Scheme(t), Logger: logr.Discard(),
		Metrics: metricsserver.Options{BindAddress: "0"}, HealthProbeBindAddress: "0",
		Cache: cache.Options{ByObject: map[client.Object]cache.ByObject{
			&v1alpha1.Incident{}: {Namespaces: only}, &v1alpha1.RemediationWorkflow{}: {Namespaces: only},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	incIndex, wfIndex := projection.New[*v1alpha1.Incident](), projection.New[*v1alpha1.RemediationWorkflow]()
	h := &harness{c: env.Client(t), ns: ns,
		incidents: incident.NewService(mgr.GetClient(), mgr.GetAPIReader(), incIndex, ns, logr.Discard()),
		workflows: workflow.NewService(mgr.GetClient(), mgr.GetAPIReader(), wfIndex, ns),
	}
	resolver := managedby.NewResolver(mgr.GetCache(), mgr.GetCache(), mgr.GetRESTMapper(), managedby.Options{}, logr.Discard())
	h.planner = NewPlanner(resolver, mgr.GetAPIReader())
	h.requests = NewRequests(h.planner, h.incidents, h.workflows)
	ctl := NewController(ControllerDeps{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Workflows: h.workflows,
		Incidents: h.incidents, Platform: clusterstate.New(mgr.GetAPIReader())}, opts, logr.Discard())
	if err := ctl.SetupWithManager(mgr); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := mgr.Start(ctx); err != nil {
			t.Errorf("manager: %v", err)
		}
	})
	wg.Go(func() { incIndex.Feed(ctx, mgr.GetCache(), &v1alpha1.Incident{}, logr.Discard()) })
	wg.Go(func() { wfIndex.Feed(ctx, mgr.GetCache(), &v1alpha1.RemediationWorkflow{}, logr.Discard()) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	eventually(t, 10*time.Second, "the indexes to sync", func() bool { return incIndex.Synced() && wfIndex.Synced() })
	return h
}

// eventually polls ok every 50ms until it holds, or fails the test after d.
func eventually(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// newNode creates a Node whose Ready condition has status ready, and deletes it when the test
// ends (nodes are cluster-scoped).
func newNode(t *testing.T, c client.Client, name string, ready corev1.ConditionStatus) *corev1.Node {
	t.Helper()
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"kubernetes.io/hostname": name}}}
	if err := c.Create(t.Context(), n); err != nil {
		t.Fatalf("create Node %s: %v", name, err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), n) })
	setNodeReady(t, c, n, ready)
	return n
}

// setNodeReady writes the node's Ready condition, as its kubelet would.
func setNodeReady(t *testing.T, c client.Client, n *corev1.Node, ready corev1.ConditionStatus) {
	t.Helper()
	reason := "KubeletReady"
	if ready != corev1.ConditionTrue {
		reason = "KubeletNotReady"
	}
	n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: ready, Reason: reason,
		Message: "kubelet says so", LastHeartbeatTime: metav1.Now(), LastTransitionTime: metav1.Now()}}
	if err := c.Status().Update(t.Context(), n); err != nil {
		t.Fatalf("update Node %s status: %v", n.Name, err)
	}
}

type deploymentOption func(*appsv1.Deployment)

func withLabels(kv ...string) deploymentOption {
	return func(d *appsv1.Deployment) {
		for i := 0; i+1 < len(kv); i += 2 {
			d.Labels[kv[i]] = kv[i+1]
		}
	}
}

// newDeployment creates a Deployment selecting app=name.
func newDeployment(t *testing.T, c client.Client, ns, name string, opts ...deploymentOption) *appsv1.Deployment {
	t.Helper()
	labels := map[string]string{"app": name}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"app": name}},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "example/app:1.0"}}}},
		},
	}
	for _, o := range opts {
		o(d)
	}
	if err := c.Create(t.Context(), d); err != nil {
		t.Fatalf("create Deployment %s/%s: %v", ns, name, err)
	}
	return d
}

// newPod creates a pod labelled app=app bound to node, as the scheduler would have.
func newPod(t *testing.T, c client.Client, ns, name, app, node string) {
	t.Helper()
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"app": app}},
		Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "app", Image: "example/app:1.0"}}}}
	if err := c.Create(t.Context(), p); err != nil {
		t.Fatalf("create Pod %s/%s: %v", ns, name, err)
	}
}

// namespace creates a namespace with this exact name.
func namespace(t *testing.T, c client.Client, name string) string {
	t.Helper()
	if err := c.Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}); err != nil {
		t.Fatalf("create namespace %s: %v", name, err)
	}
	return name
}

// platformObject creates a cluster-scoped OpenShift object with status conditions (written
// through the status subresource, as its operator would) and deletes it when the test ends.
func platformObject(t *testing.T, c client.Client, apiVersion, kind, name string, spec map[string]any, conds ...any) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": apiVersion, "kind": kind,
		"metadata": map[string]any{"name": name}, "spec": spec}}
	if err := c.Create(t.Context(), u); err != nil {
		t.Fatalf("create %s %s: %v", kind, name, err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), u) })
	setConditions(t, c, u, conds...)
	return u
}

// setConditions writes u's status.conditions.
func setConditions(t *testing.T, c client.Client, u *unstructured.Unstructured, conds ...any) {
	t.Helper()
	if err := unstructured.SetNestedSlice(u.Object, conds, "status", "conditions"); err != nil {
		t.Fatal(err)
	}
	if err := c.Status().Update(t.Context(), u); err != nil {
		t.Fatalf("update %s %s status: %v", u.GetKind(), u.GetName(), err)
	}
}

// cond is a status condition of an OpenShift object.
func cond(typ, status, message string) any {
	return map[string]any{"type": typ, "status": status, "reason": "Test", "message": message,
		"lastTransitionTime": "2026-11-26T09:00:00Z"}
}

// clusterOperator creates a ClusterOperator that is available and, when degraded, Degraded=True.
func clusterOperator(t *testing.T, c client.Client, name string, degraded bool) *unstructured.Unstructured {
	t.Helper()
	return platformObject(t, c, "config.openshift.io/v1", "ClusterOperator", name, map[string]any{}, operatorConditions(degraded)...)
}

func operatorConditions(degraded bool) []any {
	d := "False"
	if degraded {
		d = "True"
	}
	return []any{cond("Available", "True", ""), cond("Degraded", d, "1 of 6 pods ready")}
}
