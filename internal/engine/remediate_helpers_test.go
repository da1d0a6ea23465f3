package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/internal/config"
)

// fastVerify makes verification quick enough for tests: healthy for 1s, undo after 15s.
func fastVerify(o *config.Options) {
	o.VerifyWindow, o.VerifyTimeout = time.Second, 15*time.Second
}

type deploymentOption func(*appsv1.Deployment)

func withAnnotations(kv ...string) deploymentOption {
	return func(d *appsv1.Deployment) {
		if d.Annotations == nil {
			d.Annotations = map[string]string{}
		}
		for i := 0; i+1 < len(kv); i += 2 {
			d.Annotations[kv[i]] = kv[i+1]
		}
	}
}

func withLabels(kv ...string) deploymentOption {
	return func(d *appsv1.Deployment) {
		for i := 0; i+1 < len(kv); i += 2 {
			d.Labels[kv[i]] = kv[i+1]
		}
	}
}

func ownedBy(apiVersion, kind, name string, uid string) deploymentOption {
	return func(d *appsv1.Deployment) {
		yes := true
		d.OwnerReferences = []metav1.OwnerReference{{APIVersion: apiVersion, Kind: kind, Name: name, UID: types.UID(uid), Controller: &yes}}
	}
}

// newDeployment creates a Deployment with one container limited to 256Mi.
func newDeployment(t testing.TB, c client.Client, ns, name string, opts ...deploymentOption) *appsv1.Deployment {
	t.Helper()
	replicas := int32(2)
	labels := map[string]string{"app": name}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"app": name}},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "example/app:1.0",
					Resources: corev1.ResourceRequirements{
						Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")},
						Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("256Mi")},
					}}}},
			},
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

// playDeploymentController keeps the Deployments of ns reporting a finished, healthy rollout,
// as kube-controller-manager would if it ran (envtest has none), until the test ends.
func playDeploymentController(t *testing.T, c client.Client, ns string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		for ctx.Err() == nil {
			var list appsv1.DeploymentList
			if err := c.List(ctx, &list, client.InNamespace(ns)); err == nil {
				for i := range list.Items {
					d := &list.Items[i]
					n := *d.Spec.Replicas
					st := appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: n, UpdatedReplicas: n,
						ReadyReplicas: n, AvailableReplicas: n}
					if !equality.Semantic.DeepEqual(d.Status, st) {
						d.Status = st
						_ = c.Status().Update(ctx, d)
					}
				}
			}
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
	t.Cleanup(func() { cancel(); wg.Wait() })
}

type triggerAnswer struct {
	WorkflowID       string `json:"workflow_id"`
	IncidentID       string `json:"incident_id"`
	Status           string `json:"status"`
	DeploymentMethod string `json:"deployment_method"`
	Strategy         string `json:"strategy"`
	Change           *struct {
		Patch, Diff, Summary, Operation string
	} `json:"change"`
	Refusal *struct{ Reason, Message string } `json:"refusal"`
	Message string                            `json:"message"`
}

type workflowView struct {
	ID               string `json:"id"`
	Status           string `json:"status"`
	DeploymentMethod string `json:"deployment_method"`
	Strategy         string `json:"strategy"`
	Reason           string `json:"reason"`
	Message          string `json:"message"`
	Steps            []struct {
		Action, Status string
		Change         *struct{ Patch, Summary string }
		Undone         bool
	} `json:"steps"`
	Checkpoints []struct{ Status string } `json:"checkpoints"`
}

func triggerBody(ns, kind, name, issueType string, dryRun bool) string {
	return fmt.Sprintf(`{"namespace":%q,"resource":{"kind":%q,"name":%q},"issue":{"type":%q,"description":"test of the executor","severity":"medium"},"dry_run":%t}`,
		ns, kind, name, issueType, dryRun)
}

// waitWorkflow polls the workflow until its status is one of want (or fails after 30s).
func (e *testEngine) waitWorkflow(id string, want ...string) workflowView {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var wf workflowView
		e.mustDo(http.MethodGet, "/api/v1/workflows/"+id, "", http.StatusOK, &wf)
		for _, w := range want {
			if wf.Status == w {
				return wf
			}
		}
		if time.Now().After(deadline) {
			raw, _ := json.Marshal(wf)
			e.t.Fatalf("workflow %s is %s after 30s, want %s: %s", id, wf.Status, strings.Join(want, " or "), raw)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// eventsOn lists the events.k8s.io Events regarding the object with the reason.
func eventsOn(t *testing.T, c client.Client, ns, name, reason string) []eventsv1.Event {
	t.Helper()
	var list eventsv1.EventList
	if err := c.List(t.Context(), &list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	var out []eventsv1.Event
	for _, ev := range list.Items {
		if ev.Regarding.Name == name && ev.Reason == reason {
			out = append(out, ev)
		}
	}
	return out
}

// waitEvents waits until n Events with the reason regard the object, and returns them.
func waitEvents(t *testing.T, c client.Client, ns, name, reason string, n int) []eventsv1.Event {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		evs := eventsOn(t, c, ns, name, reason)
		if len(evs) >= n || time.Now().After(deadline) {
			return evs
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func getDeployment(t *testing.T, c client.Client, ns, name string) *appsv1.Deployment {
	t.Helper()
	var d appsv1.Deployment
	if err := c.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: name}, &d); err != nil {
		t.Fatal(err)
	}
	return &d
}

// withSafetyPolicy writes the safety ConfigMap into the engine's namespace before the engine
// starts, so the first action already sees it.
func withSafetyPolicy(t testing.TB, data map[string]string) func(*config.Options) {
	return func(o *config.Options) {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: o.Namespace, Name: o.SafetyConfigMap}, Data: data}
		if err := env.Client(t).Create(t.Context(), cm); err != nil {
			t.Fatalf("create the safety ConfigMap: %v", err)
		}
	}
}

type incidentView struct {
	Status   string `json:"status"`
	Severity string `json:"severity"`
}

// waitIncident polls the incident until ok says so (or fails after 10s).
func (e *testEngine) waitIncident(id string, ok func(incidentView) bool) incidentView {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var inc incidentView
		e.mustDo(http.MethodGet, "/api/v1/incidents/"+id, "", http.StatusOK, &inc)
		if ok(inc) {
			return inc
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("incident %s = %+v after 10s", id, inc)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func namespaceObject(name string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
}

func sleep100ms() { time.Sleep(100 * time.Millisecond) }

// operatedDeployment creates a Cache custom resource with spec and the Deployment it controls,
// both named name, as the test operator's would be, and returns the Cache.
func operatedDeployment(t *testing.T, c client.Client, ns, name string, spec map[string]any) *unstructured.Unstructured {
	t.Helper()
	cr := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "example.selfhealing.dev/v1", "kind": "Cache",
		"metadata": map[string]any{"name": name, "namespace": ns}, "spec": spec}}
	if err := c.Create(t.Context(), cr); err != nil {
		t.Fatal(err)
	}
	newDeployment(t, c, ns, name, ownedBy("example.selfhealing.dev/v1", "Cache", name, string(cr.GetUID())))
	return cr
}

// engineWithWeb starts an engine with opts and creates the Deployment "web" (256Mi) in a
// namespace of its own, which it returns with an admin client.
func engineWithWeb(t *testing.T, opts ...func(*config.Options)) (*testEngine, client.Client, string) {
	t.Helper()
	e := startEngine(t, opts...)
	c := env.Client(t)
	ns := env.Namespace(t)
	newDeployment(t, c, ns, "web")
	return e, c, ns
}
