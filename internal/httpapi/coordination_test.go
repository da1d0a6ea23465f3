package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/coordination"
	"selfhealing.dev/coordination-engine/internal/incident"
	"selfhealing.dev/coordination-engine/internal/managedby"
	"selfhealing.dev/coordination-engine/internal/workflow"
)

// fakeCoordinations records the trigger it gets and answers with a coordination of a NotReady
// node and a Deployment on it; incident "missing" is unknown.
type fakeCoordinations struct {
	got     coordination.Trigger
	created bool
	err     error
}

func (f *fakeCoordinations) Trigger(_ context.Context, t coordination.Trigger) (coordination.Result, error) {
	f.got = t
	if f.err != nil {
		return coordination.Result{}, f.err
	}
	if t.IncidentID == openAPIMissingID {
		return coordination.Result{}, fmt.Errorf("%w: %s", incident.ErrNotFound, t.IncidentID)
	}
	wf := coordinationWorkflow("wf-coord-1")
	return coordination.Result{Workflow: wf, Created: f.created, Plan: wf.Spec.Plan,
		Layers: []string{"infrastructure", "application"}, RootCauseLayer: "infrastructure"}, nil
}

// coordinationWorkflow is a coordination workflow whose node step ran and whose application
// step waits.
func coordinationWorkflow(id string) *v1alpha1.RemediationWorkflow {
	node := v1alpha1.Target{Kind: "Node", Name: "worker-1"}
	web := v1alpha1.Target{Kind: "Deployment", Namespace: "shop", Name: "web"}
	started := metav1.NewTime(openAPITime)
	return &v1alpha1.RemediationWorkflow{
		ObjectMeta: metav1.ObjectMeta{Name: id, CreationTimestamp: metav1.NewTime(openAPITime)},
		Spec: v1alpha1.RemediationWorkflowSpec{IncidentRef: "inc-1", Issue: v1alpha1.Issue{Type: "node_not_ready"},
			Source: v1alpha1.SourceManual, Priority: 10, Plan: []v1alpha1.PlanItem{
				{Layer: "infrastructure", Target: node, Issue: v1alpha1.Issue{Type: "node_not_ready", Severity: v1alpha1.SeverityCritical},
					Why: "placement: pods of Deployment/shop/web (web-1) run on node worker-1, which shows Ready=False"},
				{Layer: "application", Target: web, Issue: v1alpha1.Issue{Type: "pod_crash"}, Why: "a workload outside the platform's namespaces"},
			}},
		Status: v1alpha1.RemediationWorkflowStatus{Phase: v1alpha1.WorkflowRunning, Layers: []string{"infrastructure", "application"},
			StartedAt: &started,
			Steps: []v1alpha1.Step{
				{Order: 1, Layer: "infrastructure", Action: "remediate", Description: "remediate node_not_ready on Node/worker-1",
					Status: "completed", StartedAt: &started, CompletedAt: &started, Workflow: "wf-node-1", Target: &node},
				{Order: 2, Layer: "application", Action: "remediate", Description: "remediate pod_crash on Deployment/shop/web",
					Status: "awaiting_approval", StartedAt: &started, Workflow: "wf-web-1", Target: &web},
			},
			Checkpoints: []v1alpha1.Checkpoint{
				{Layer: "infrastructure", AfterStep: 1, Status: "passed", Checks: []string{"step 1 (Node/worker-1) completed by workflow wf-node-1"}},
				{Layer: "application", AfterStep: 2, Status: "pending"},
			}},
	}
}

// coordinationWorkflows serves the coordination workflow and its child.
type coordinationWorkflows struct{}

func (coordinationWorkflows) Get(_ context.Context, id string) (*v1alpha1.RemediationWorkflow, error) {
	switch id {
	case "wf-coord-1":
		return coordinationWorkflow(id), nil
	case "wf-node-1":
		child := openAPIBareWorkflow(id)
		child.Spec.ParentRef = "wf-coord-1"
		return child, nil
	}
	return nil, fmt.Errorf("%w: %s", workflow.ErrNotFound, id)
}

func (coordinationWorkflows) List(string, int, int) ([]*v1alpha1.RemediationWorkflow, int, workflow.Counts) {
	return nil, 0, workflow.Counts{}
}

func newCoordinationServer(t *testing.T, c Coordinations) *Server {
	t.Helper()
	reg := prometheus.NewRegistry()
	src := healthySources()
	deps := Deps{Health: src, Status: src, Workflows: coordinationWorkflows{}, Gatherer: reg, Registerer: reg}
	if c != nil {
		deps.Coordinations = c
	}
	s := New(Options{Version: "test", MaxBodyBytes: 1 << 20}, deps, logr.Discard())
	s.now = func() time.Time { return openAPITime }
	return s
}

// checkAgainstDocument checks an answer (and the request that led to it) against openapi.yaml.
func checkAgainstDocument(t *testing.T, method, path, body string, rec *httptest.ResponseRecorder) {
	t.Helper()
	doc := loadOpenAPIDocument(t)
	for _, o := range openAPIOperations(t, doc) {
		if o.method == method && o.path == path {
			v := openAPIValidator{doc: doc}
			v.checkRequest(t, o, body, rec.Code)
			v.checkAnswer(t, o, rec)
			return
		}
	}
	t.Fatalf("openapi.yaml has no %s %s", method, path)
}

func TestCoordinationTriggerAnswersWithThePlan(t *testing.T) {
	f := &fakeCoordinations{created: true}
	s := newCoordinationServer(t, f)
	body := `{"incidentId":"inc-1","description":"web crash-loops on a dead node","resources":[` +
		`{"kind":"Deployment","name":"web","namespace":"shop","issue":"CrashLoopBackOff"},` +
		`{"kind":"Node","name":"worker-1","namespace":"ignored","issue":"NotReady"}]}`
	rec := do(t, s.Handler(), http.MethodPost, "/api/v1/coordination/trigger", body)
	if rec.Code != http.StatusAccepted {
		t.Fatalf("POST /api/v1/coordination/trigger = %d %s, want 202", rec.Code, rec.Body.String())
	}
	wantTrigger := coordination.Trigger{IncidentID: "inc-1", Description: "web crash-loops on a dead node", Source: v1alpha1.SourceManual,
		Resources: []coordination.Resource{
			{Kind: "Deployment", Namespace: "shop", Name: "web", Issue: v1alpha1.Issue{Type: "pod_crash"}},
			{Kind: "Node", Name: "worker-1", Issue: v1alpha1.Issue{Type: "node_not_ready"}},
		}}
	if diff := cmp.Diff(wantTrigger, f.got); diff != "" {
		t.Errorf("Trigger() got (-want +got):\n%s", diff)
	}
	got := decode[coordinationTriggeredBody](t, rec)
	want := coordinationTriggeredBody{WorkflowID: "wf-coord-1", IncidentID: "inc-1", Status: "running",
		AffectedLayers: []string{"infrastructure", "application"}, RootCauseLayer: "infrastructure", EstimatedSteps: 2,
		Steps: []coordinationStepBody{
			{Order: 1, Layer: "infrastructure", Target: targetBody{Kind: "Node", Name: "worker-1"}, Issue: "node_not_ready",
				Why: "placement: pods of Deployment/shop/web (web-1) run on node worker-1, which shows Ready=False"},
			{Order: 2, Layer: "application", Target: targetBody{Kind: "Deployment", Namespace: "shop", Name: "web"}, Issue: "pod_crash",
				Why: "a workload outside the platform's namespaces"},
		},
		Message: "recorded; the coordinator works through infrastructure, application, checking health after each layer"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("202 body (-want +got):\n%s", diff)
	}
	rec = do(t, s.Handler(), http.MethodPost, "/api/v1/coordination/trigger", body)
	checkAgainstDocument(t, http.MethodPost, "/api/v1/coordination/trigger", body, rec)

	t.Run("the same request again is the active workflow; kinds match case-insensitively", func(t *testing.T) {
		f.created = false
		rec := do(t, s.Handler(), http.MethodPost, "/api/v1/coordination/trigger", strings.Replace(body, `"Deployment"`, `"deployment"`, 1))
		if got := decode[coordinationTriggeredBody](t, rec); rec.Code != http.StatusAccepted || !got.Duplicate || got.WorkflowID != "wf-coord-1" {
			t.Errorf("again = %d %+v, want 202 with duplicate true", rec.Code, got)
		}
	})
}

func TestCoordinationTriggerRefusesInvalidRequests(t *testing.T) {
	resources := func(n int) string {
		items := make([]string, n)
		for i := range items {
			items[i] = fmt.Sprintf(`{"kind":"Node","name":"w-%d","issue":"node_not_ready"}`, i)
		}
		return `{"resources":[` + strings.Join(items, ",") + `]}`
	}
	tests := []struct {
		name, body, field string
		code              int
		err               error
		message           string
	}{
		{name: "no resources", body: `{"description":"x"}`, field: "resources", code: 400},
		{name: "empty resources", body: `{"resources":[]}`, field: "resources", code: 400},
		{name: "more than 50 resources", body: resources(51), field: "resources", code: 400},
		{name: "no kind", body: `{"resources":[{"name":"w","issue":"node_not_ready"}]}`, field: "resources[0].kind", code: 400},
		{name: "an unknown kind", body: `{"resources":[{"kind":"Node","name":"w","issue":"NotReady"},{"kind":"CronJob","name":"x","namespace":"a","issue":"pod_crash"}]}`,
			field: "resources[1].kind", code: 400, message: "Node, MachineConfigPool, ClusterOperator"},
		{name: "an invalid name", body: `{"resources":[{"kind":"Node","name":"a","issue":"NotReady"},{"kind":"Node","name":"b","issue":"NotReady"},{"kind":"Pod","name":"Web_1","namespace":"a","issue":"pod_crash"}]}`,
			field: "resources[2].name", code: 400},
		{name: "a Deployment without a namespace", body: `{"resources":[{"kind":"Deployment","name":"web","issue":"pod_crash"}]}`,
			field: "resources[0].namespace", code: 400},
		{name: "an unknown issue type", body: `{"resources":[{"kind":"Deployment","name":"web","namespace":"shop","issue":"sunspots"}]}`,
			field: "resources[0].issue", code: 400, message: "pod_crash"},
		{name: "an issue that is not a string", body: `{"resources":[{"kind":"Deployment","name":"web","namespace":"shop","issue":{"type":"pod_crash"}}]}`,
			field: "resources.issue", code: 400},
		{name: "an invalid incident id", body: `{"incident_id":"Not_A_Name","resources":[{"kind":"Node","name":"w","issue":"NotReady"}]}`,
			field: "incident_id", code: 400},
		{name: "an unknown incident", body: `{"incident_id":"missing","resources":[{"kind":"Node","name":"w","issue":"NotReady"}]}`, code: 404},
		{name: "a plan that grows too large", body: resources(1), code: 400, field: "resources",
			err: &coordination.FieldError{Field: "resources", Message: "the plan would have 51 items"}},
		{name: "a resource that does not exist", body: resources(1), code: 404,
			err: fmt.Errorf("%w: Node w-0", managedby.ErrTargetNotFound)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newCoordinationServer(t, &fakeCoordinations{err: tt.err})
			rec := do(t, s.Handler(), http.MethodPost, "/api/v1/coordination/trigger", tt.body)
			if rec.Code != tt.code {
				t.Fatalf("POST = %d %s, want %d", rec.Code, rec.Body.String(), tt.code)
			}
			got := decode[errorBody](t, rec)
			if got.Field != tt.field || got.Error == "" || !strings.Contains(got.Error, tt.message) {
				t.Errorf("error body = %+v, want field %q and a message with %q", got, tt.field, tt.message)
			}
		})
	}
	t.Run("without coordination wired the endpoint is unavailable", func(t *testing.T) {
		s := newCoordinationServer(t, nil)
		if rec := do(t, s.Handler(), http.MethodPost, "/api/v1/coordination/trigger", resources(1)); rec.Code != http.StatusServiceUnavailable {
			t.Errorf("POST = %d, want 503", rec.Code)
		}
	})
}

func TestWorkflowShowsACoordinationsLayersStepsAndCheckpoints(t *testing.T) {
	s := newCoordinationServer(t, &fakeCoordinations{})
	rec := do(t, s.Handler(), http.MethodGet, "/api/v1/workflows/wf-coord-1", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET = %d %s", rec.Code, rec.Body.String())
	}
	checkAgainstDocument(t, http.MethodGet, "/api/v1/workflows/{id}", "", rec)
	rec = do(t, s.Handler(), http.MethodGet, "/api/v1/workflows/wf-coord-1", "")
	got := decode[workflowBody](t, rec)
	if len(got.Steps) != 2 || got.Steps[0].WorkflowID != "wf-node-1" || got.Steps[1].Status != "awaiting_approval" ||
		got.Steps[1].Target == nil || *got.Steps[1].Target != (targetBody{Kind: "Deployment", Namespace: "shop", Name: "web"}) {
		t.Errorf("steps = %+v, want both with their child workflow and target", got.Steps)
	}
	if len(got.Plan) != 2 || got.Plan[0].Layer != "infrastructure" || !strings.HasPrefix(got.Plan[0].Why, "placement:") ||
		len(got.Checkpoints) != 2 || got.Checkpoints[0].Status != "passed" {
		t.Errorf("plan = %+v, checkpoints = %+v; want the plan with why and a checkpoint per layer", got.Plan, got.Checkpoints)
	}
	rec = do(t, s.Handler(), http.MethodGet, "/api/v1/workflows/wf-node-1", "")
	checkAgainstDocument(t, http.MethodGet, "/api/v1/workflows/{id}", "", rec)
	rec = do(t, s.Handler(), http.MethodGet, "/api/v1/workflows/wf-node-1", "")
	if child := decode[workflowBody](t, rec); child.ParentID != "wf-coord-1" || len(child.Plan) != 0 {
		t.Errorf("child = parent %q, plan %v; want parent wf-coord-1 and no plan", child.ParentID, child.Plan)
	}
}
