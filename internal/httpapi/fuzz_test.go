package httpapi

// Native fuzz tests of the request decoders (contract §2-3): every input sent to the real
// handlers through Server.Handler must give a 2xx or a 4xx (never a panic or a 5xx; the one 3xx
// allowed is ServeMux's JSON redirect of an unclean path, e.g. an {id} of ".."), a JSON body
// with Content-Type application/json, a non-empty "error" on a 4xx (with "field" set when the
// error is about a field), no change when it is a 4xx, and, when it is a 2xx, a call into the
// engine whose arguments satisfy the documented invariants.
//
// Run one target with, e.g.:
//
//	go test ./internal/httpapi -run='^$' -fuzz='^FuzzCreateIncident$' -fuzztime=30s -parallel=1
//
// testdata/fuzz/<FuzzName>/regression-* are inputs that once exposed a bug and stay as
// regression seeds: regression-param-json-escapes sends Python-era parameters with the JSON-only
// escapes \/ and \uD83D\uDD25, which were once stored as raw quoted text.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/incident"
	"selfhealing.dev/coordination-engine/internal/issue"
	"selfhealing.dev/coordination-engine/internal/remediation"
	"selfhealing.dev/coordination-engine/internal/workflow"
)

// Ids the fakes treat specially, to reach the handlers' error mapping as the real services would.
const (
	fuzzMissingID  = "missing"        // Get/Update/Cancel/Correlate/Trigger: not found (404)
	fuzzFinishedID = "finished"       // Cancel: already finished (409)
	fuzzExistingID = "existing"       // Create: externalId/correlationId already known (201, duplicate)
	fuzzIncidentID = "inc-payments-1" // a plausible incident id for the seeds
)

var fuzzNow = time.Date(2026, 11, 25, 10, 5, 0, 0, time.UTC)

// ---------------------------------------------------------------------------------------------
// Fakes: they record every call and count the calls that changed something ("applied").

type fuzzUpdateCall struct {
	id string
	c  incident.Change
}

type fuzzCancelCall struct{ id, by string }

type fuzzCorrelateCall struct {
	id string
	c  v1alpha1.Correlation
}

// recordingIncidents is a fake Incidents.
type recordingIncidents struct {
	mu         sync.Mutex
	creates    []incident.New
	updates    []fuzzUpdateCall
	cancels    []fuzzCancelCall
	correlates []fuzzCorrelateCall
	filters    []incident.Filter
	gets       int
	applied    int
}

func fuzzIncidentObject(id string) *v1alpha1.Incident {
	created := metav1.NewTime(fuzzNow.Add(-10 * time.Minute))
	started := metav1.NewTime(fuzzNow.Add(-9 * time.Minute))
	return &v1alpha1.Incident{
		ObjectMeta: metav1.ObjectMeta{Name: id, Namespace: "self-healing-platform", CreationTimestamp: created},
		Spec: v1alpha1.IncidentSpec{
			Title: "Payments pods crashlooping", Description: "payments restarts every 30 s since the 2.3 rollout",
			Severity: v1alpha1.SeverityHigh, Priority: v1alpha1.SeverityHigh.Priority(), Source: v1alpha1.SourceManual,
			Target:    &v1alpha1.Target{Kind: "Deployment", Namespace: "payments", Name: "payments"},
			TargetRef: "payments/deployment", Labels: map[string]string{"team": "payments"},
			AffectedResources: []string{"deployment/payments"}, CorrelationID: "corr-1", ExternalID: "ext-1",
			CreatedBy: "mcp-server", Confidence: 0.85, Parameters: &apiextensionsv1.JSON{Raw: []byte(`{"replicas":3}`)},
		},
		Status: v1alpha1.IncidentStatus{Phase: v1alpha1.IncidentRunning, StartedAt: &started, WorkflowRef: "wf-" + id},
	}
}

func (f *recordingIncidents) Create(_ context.Context, n incident.New) (*v1alpha1.Incident, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.creates = append(f.creates, n)
	if n.ExternalID == fuzzExistingID || n.CorrelationID == fuzzExistingID {
		return fuzzIncidentObject("inc-existing"), false, nil
	}
	f.applied++
	inc := &v1alpha1.Incident{
		ObjectMeta: metav1.ObjectMeta{Name: "inc-fuzz-1", Namespace: "self-healing-platform", CreationTimestamp: metav1.NewTime(fuzzNow)},
		Spec: v1alpha1.IncidentSpec{Title: n.Title, Description: n.Description, Severity: n.Severity,
			Priority: n.Severity.Priority(), Source: n.Source, Target: n.Target, TargetRef: n.TargetRef,
			ActionType: n.ActionType, Labels: n.Labels, AffectedResources: n.AffectedResources,
			CorrelationID: n.CorrelationID, ExternalID: n.ExternalID, CreatedBy: n.CreatedBy, Confidence: n.Confidence},
	}
	if len(n.Parameters) > 0 {
		inc.Spec.Parameters = &apiextensionsv1.JSON{Raw: n.Parameters}
	}
	return inc, true, nil
}

func (f *recordingIncidents) Get(_ context.Context, id string) (*v1alpha1.Incident, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets++
	if id == fuzzMissingID {
		return nil, fmt.Errorf("%w: %s", incident.ErrNotFound, id)
	}
	return fuzzIncidentObject(id), nil
}

func (f *recordingIncidents) List(filter incident.Filter) incident.Page {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.filters = append(f.filters, filter)
	done := fuzzIncidentObject("inc-done-1")
	completed := metav1.NewTime(fuzzNow.Add(-time.Minute))
	done.Status.Phase, done.Status.CompletedAt = v1alpha1.IncidentCompleted, &completed
	return incident.Page{Items: []*v1alpha1.Incident{fuzzIncidentObject(fuzzIncidentID), done}, Matched: 2,
		Summary: incident.Summary{Total: 2, Active: 1, Completed: 1,
			BySeverity: map[string]int{"low": 0, "medium": 0, "high": 2, "critical": 0}}}
}

func (f *recordingIncidents) Update(_ context.Context, id string, c incident.Change) (*v1alpha1.Incident, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.updates = append(f.updates, fuzzUpdateCall{id, c})
	if id == fuzzMissingID {
		return nil, fmt.Errorf("%w: %s", incident.ErrNotFound, id)
	}
	f.applied++
	inc := fuzzIncidentObject(id)
	if c.Title != nil {
		inc.Spec.Title = *c.Title
	}
	if c.Description != nil {
		inc.Spec.Description = *c.Description
	}
	if c.Severity != nil {
		inc.Spec.Severity, inc.Spec.Priority = *c.Severity, c.Severity.Priority()
	}
	for k, v := range c.Labels {
		inc.Spec.Labels[k] = v
	}
	if c.AffectedResources != nil {
		inc.Spec.AffectedResources = *c.AffectedResources
	}
	if c.Phase != nil {
		inc.Status.Phase = *c.Phase
	}
	return inc, nil
}

func (f *recordingIncidents) Cancel(_ context.Context, id, by string) (*v1alpha1.Incident, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cancels = append(f.cancels, fuzzCancelCall{id, by})
	switch id {
	case fuzzMissingID:
		return nil, fmt.Errorf("%w: %s", incident.ErrNotFound, id)
	case fuzzFinishedID:
		return nil, &incident.StateError{ID: id, Message: "is already completed and cannot be cancelled"}
	}
	f.applied++
	inc := fuzzIncidentObject(id)
	at := metav1.NewTime(fuzzNow)
	inc.Status.Phase, inc.Status.CompletedAt, inc.Status.CancelledBy = v1alpha1.IncidentCancelled, &at, by
	return inc, nil
}

func (f *recordingIncidents) Correlate(_ context.Context, id string, c v1alpha1.Correlation) (*v1alpha1.Incident, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.correlates = append(f.correlates, fuzzCorrelateCall{id, c})
	if id == fuzzMissingID {
		return nil, fmt.Errorf("%w: %s", incident.ErrNotFound, id)
	}
	for i, other := range c.IncidentIDs {
		switch other {
		case id:
			return nil, &incident.FieldError{Field: fmt.Sprintf("relatedIncidents[%d]", i), Message: "an incident cannot be correlated with itself"}
		case fuzzMissingID:
			return nil, &incident.FieldError{Field: fmt.Sprintf("relatedIncidents[%d]", i), Message: "no incident " + other}
		}
	}
	f.applied++
	inc := fuzzIncidentObject(id)
	c.At = metav1.NewTime(fuzzNow)
	inc.Status.Correlations = append(inc.Status.Correlations, c)
	return inc, nil
}

// recordingWorkflows is a fake Workflows (read-only).
type recordingWorkflows struct {
	mu    sync.Mutex
	lists []fuzzWorkflowList
	gets  int
}

type fuzzWorkflowList struct {
	incidentID    string
	limit, offset int
}

func fuzzWorkflowObject(t remediation.Trigger, name string) *v1alpha1.RemediationWorkflow {
	incidentRef := t.IncidentID
	if incidentRef == "" {
		incidentRef = "inc-auto-1"
	}
	started := metav1.NewTime(fuzzNow.Add(-time.Minute))
	return &v1alpha1.RemediationWorkflow{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "self-healing-platform", CreationTimestamp: metav1.NewTime(fuzzNow.Add(-2 * time.Minute))},
		Spec: v1alpha1.RemediationWorkflowSpec{IncidentRef: incidentRef, Target: t.Target, Issue: t.Issue,
			Actions: t.Actions, DryRun: t.DryRun, Source: t.Source, Priority: t.Priority, Confidence: t.Confidence},
		Status: v1alpha1.RemediationWorkflowStatus{Phase: v1alpha1.WorkflowRunning, DeploymentMethod: "argocd",
			Layers: []string{"application"}, StartedAt: &started,
			Steps: []v1alpha1.Step{{Order: 1, Layer: "application", Action: "restart", Description: "restart the rollout",
				Status: "running", StartedAt: &started}},
			Checkpoints: []v1alpha1.Checkpoint{{Layer: "application", AfterStep: 1, Status: "pending"}},
			Conditions: []metav1.Condition{{Type: v1alpha1.ConditionExecuted, Status: metav1.ConditionFalse,
				Reason: "Running", Message: "running", LastTransitionTime: started}}},
	}
}

func (f *recordingWorkflows) Get(_ context.Context, id string) (*v1alpha1.RemediationWorkflow, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets++
	if id == fuzzMissingID {
		return nil, fmt.Errorf("%w: %s", workflow.ErrNotFound, id)
	}
	return fuzzWorkflowObject(remediation.Trigger{IncidentID: fuzzIncidentID}, id), nil
}

func (f *recordingWorkflows) List(incidentID string, limit, offset int) ([]*v1alpha1.RemediationWorkflow, int, workflow.Counts) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lists = append(f.lists, fuzzWorkflowList{incidentID, limit, offset})
	wf := fuzzWorkflowObject(remediation.Trigger{IncidentID: fuzzIncidentID, Target: v1alpha1.Target{Kind: "Deployment",
		Namespace: "payments", Name: "payments"}, Issue: v1alpha1.Issue{Type: "pod_crash"}}, "wf-1")
	return []*v1alpha1.RemediationWorkflow{wf}, 1, workflow.Counts{Total: 1}
}

// recordingRemediations is a fake Remediations.
type recordingRemediations struct {
	mu       sync.Mutex
	triggers []remediation.Trigger
	applied  int
}

func (f *recordingRemediations) Trigger(_ context.Context, t remediation.Trigger) (remediation.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.triggers = append(f.triggers, t)
	if t.IncidentID == fuzzMissingID {
		return remediation.Result{}, fmt.Errorf("%w: %s", incident.ErrNotFound, t.IncidentID)
	}
	f.applied++
	wf := fuzzWorkflowObject(t, fmt.Sprintf("wf-fuzz-%d", len(f.triggers)))
	inc := fuzzIncidentObject(wf.Spec.IncidentRef)
	return remediation.Result{Incident: inc, Workflow: wf, Created: true}, nil
}

// ---------------------------------------------------------------------------------------------
// Harness.

type fuzzHarness struct {
	h               http.Handler
	lastEscapedPath string // the path of the last request, as sent
	inc             *recordingIncidents
	wf              *recordingWorkflows
	rem             *recordingRemediations
	ap              *recordingApprovals
}

// newFuzzHarness builds one server per fuzz target and process; the fuzz function resets the
// fakes before each input (a worker process calls it sequentially).
func newFuzzHarness(tb testing.TB) *fuzzHarness {
	tb.Helper()
	fh := &fuzzHarness{}
	fh.reset()
	src := healthySources()
	reg := prometheus.NewRegistry()
	s := New(Options{Version: "fuzz", MaxBodyBytes: 1 << 20}, Deps{Health: src, Status: src, Incidents: fh.inc,
		Workflows: fh.wf, Remediations: fh.rem, Approvals: fh.ap, Gatherer: reg, Registerer: reg}, logr.Discard())
	s.now = func() time.Time { return fuzzNow }
	fh.h = s.Handler()
	return fh
}

func (fh *fuzzHarness) reset() {
	if fh.inc == nil {
		fh.inc, fh.wf, fh.rem, fh.ap = &recordingIncidents{}, &recordingWorkflows{}, &recordingRemediations{}, &recordingApprovals{}
		return
	}
	fh.ap.reset()
	fh.inc.mu.Lock()
	fh.inc.creates, fh.inc.updates, fh.inc.cancels, fh.inc.correlates, fh.inc.filters = nil, nil, nil, nil, nil
	fh.inc.gets, fh.inc.applied = 0, 0
	fh.inc.mu.Unlock()
	fh.wf.mu.Lock()
	fh.wf.lists, fh.wf.gets = nil, 0
	fh.wf.mu.Unlock()
	fh.rem.mu.Lock()
	fh.rem.triggers, fh.rem.applied = nil, 0
	fh.rem.mu.Unlock()
}

func (fh *fuzzHarness) applied() int {
	fh.inc.mu.Lock()
	defer fh.inc.mu.Unlock()
	fh.rem.mu.Lock()
	defer fh.rem.mu.Unlock()
	return fh.inc.applied + fh.rem.applied + fh.ap.count()
}

// serve sends method escapedPath?rawQuery with body (nil: no body) and returns the response.
func (fh *fuzzHarness) serve(t *testing.T, method, escapedPath, rawQuery string, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req := httptest.NewRequestWithContext(t.Context(), method, "/", rd)
	u, err := url.Parse(escapedPath)
	if err != nil {
		t.Fatalf("test bug: cannot parse path %q: %v", escapedPath, err)
	}
	u.RawQuery = rawQuery // set raw: the fuzzed query goes to the handler as the server would read it
	req.URL, req.RequestURI = u, u.RequestURI()
	fh.lastEscapedPath = u.EscapedPath()
	rec := httptest.NewRecorder()
	fh.h.ServeHTTP(rec, req)
	return rec
}

// cleanPath is ServeMux's path cleaning (path.Clean keeping a trailing slash); the mux cleans
// the escaped path, so an escaped slash is no separator.
func cleanPath(p string) string {
	np := path.Clean(p)
	if strings.HasSuffix(p, "/") && np != "/" {
		np += "/"
	}
	return np
}

// fuzzResult is a response that passed the generic checks.
type fuzzResult struct {
	code int
	raw  []byte
	err  errorBody
}

func (r fuzzResult) ok() bool { return r.code >= 200 && r.code < 300 }

var fieldCodes = map[string]bool{"invalid_field": true, "missing_field": true, "invalid_type": true}

// checkResponse asserts the properties every answer must have, and that a 4xx changed nothing.
func (fh *fuzzHarness) checkResponse(t *testing.T, rec *httptest.ResponseRecorder, desc string) fuzzResult {
	t.Helper()
	r := fuzzResult{code: rec.Code, raw: rec.Body.Bytes()}
	// The one deliberate exception to "2xx or 4xx": a path that is not clean (an {id} of "", "."
	// or "..") gets ServeMux's redirect to the cleaned path, answered as JSON by Server.unmatched.
	// It must be JSON, point at the cleaned path and change nothing.
	redirect := r.code >= 300 && r.code < 400 && cleanPath(fh.lastEscapedPath) != fh.lastEscapedPath &&
		rec.Header().Get("Location") == cleanPath(fh.lastEscapedPath)
	if !(r.code >= 200 && r.code < 300 || r.code >= 400 && r.code < 500 || redirect) {
		t.Fatalf("%s: status %d, want 2xx or 4xx; Content-Type %q, Location %q, body %q", desc, r.code,
			rec.Header().Get("Content-Type"), rec.Header().Get("Location"), r.raw)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s: status %d with Content-Type %q, want application/json; body %q", desc, r.code, ct, r.raw)
	}
	if !json.Valid(r.raw) {
		t.Fatalf("%s: status %d with a body that is not JSON: %q", desc, r.code, r.raw)
	}
	if r.code >= 400 {
		if err := json.Unmarshal(r.raw, &r.err); err != nil {
			t.Fatalf("%s: status %d: error body does not decode: %v; body %q", desc, r.code, err, r.raw)
		}
		if strings.TrimSpace(r.err.Error) == "" {
			t.Fatalf("%s: status %d without an error string: %q", desc, r.code, r.raw)
		}
		if fieldCodes[r.err.Code] && r.err.Field == "" {
			t.Fatalf("%s: status %d, code %q does not name the field: %q", desc, r.code, r.err.Code, r.raw)
		}
		if r.err.Code == "missing_field" && !strings.Contains(r.err.Error, r.err.Field) {
			t.Fatalf("%s: missing-field error %q does not name field %q", desc, r.err.Error, r.err.Field)
		}
	}
	if r.code >= 300 {
		if n := fh.applied(); n != 0 {
			t.Fatalf("%s: status %d (%s) but %d change(s) reached the engine", desc, r.code, r.err.Error, n)
		}
	}
	return r
}

// decodeStrict decodes a 2xx body into the client's typed struct (JSON types are contract).
func decodeStrict(t *testing.T, r fuzzResult, v any, desc string) {
	t.Helper()
	if err := json.Unmarshal(r.raw, v); err != nil {
		t.Fatalf("%s: %d body does not decode into %T: %v; body %q", desc, r.code, v, err, r.raw)
	}
}

// ---------------------------------------------------------------------------------------------
// Invariants of what reached the engine.

var (
	fuzzSeverities   = []string{"low", "medium", "high", "critical"}
	fuzzPriorityOf   = map[string]int{"critical": 10, "high": 8, "medium": 5, "low": 2}
	fuzzSources      = []string{"manual", "deterministic", "ai_driven", "alert", "watcher"}
	fuzzPhases       = []string{"pending", "running", "completed", "failed", "cancelled"}
	fuzzCorrelations = []string{"related", "duplicate", "root_cause", "symptom"}
	fuzzActions      = []string{"scale_deployment", "scale_up", "scale_down", "restart_pod", "remediate_node",
		"clear_alerts", "correlate_alerts", "run_inference"}
	fuzzMCPKinds    = []string{"Deployment", "Pod", "StatefulSet", "DaemonSet"}
	fuzzTargetKinds = []string{"Deployment", "Pod", "StatefulSet", "DaemonSet", "Node"}
)

func runes(s string) int { return utf8.RuneCountInString(s) }

func isName(s string) bool      { return len(validation.IsDNS1123Subdomain(s)) == 0 }
func isNamespace(s string) bool { return len(validation.IsDNS1123Label(s)) == 0 }
func isFraction(f float64) bool { return !math.IsNaN(f) && f >= 0 && f <= 1 }

func checkTitle(t *testing.T, desc, title string) {
	t.Helper()
	if title != strings.TrimSpace(title) || runes(title) < 5 || runes(title) > 256 {
		t.Fatalf("%s: accepted title %q (%d characters), want trimmed, 5..256", desc, title, runes(title))
	}
}

func checkDescription(t *testing.T, desc, d string) {
	t.Helper()
	if d != strings.TrimSpace(d) || runes(d) < 10 || runes(d) > 8192 {
		t.Fatalf("%s: accepted description of %d characters, want trimmed, 10..8192", desc, runes(d))
	}
}

func checkLabelMap(t *testing.T, desc string, m map[string]string) {
	t.Helper()
	if len(m) > 64 {
		t.Fatalf("%s: accepted %d labels, want at most 64", desc, len(m))
	}
	for k, v := range m {
		if k == "" || len(k) > 253 || len(v) > 1024 {
			t.Fatalf("%s: accepted label %q=%q", desc, k, v)
		}
	}
}

func checkResourceList(t *testing.T, desc string, items []string) {
	t.Helper()
	if len(items) > 256 {
		t.Fatalf("%s: accepted %d affectedResources, want at most 256", desc, len(items))
	}
	for _, it := range items {
		if it == "" || len(it) > 512 {
			t.Fatalf("%s: accepted affectedResources item of %d bytes, want 1..512", desc, len(it))
		}
	}
}

func checkIncidentID(t *testing.T, desc, got, want string) {
	t.Helper()
	if got != want || !isName(got) {
		t.Fatalf("%s: engine got incident id %q (path id %q), want the path id and a valid Kubernetes name", desc, got, want)
	}
}

// ---------------------------------------------------------------------------------------------
// Targets.

// FuzzCreateIncident drives POST /api/v1/incidents.
func FuzzCreateIncident(f *testing.F) {
	for _, s := range []string{
		// The MCP server's camelCase create-incident body (contract §2).
		`{"title":"Payment service crashlooping","description":"payments pods restart every 30 s after the 2.3 rollout","severity":"high","target":"payments/deployment","source":"mcp-server","labels":{"team":"payments","env":"prod"},"affectedResources":["deployment/payments","pod/payments-7d9f-abcde"],"correlationId":"corr-123","externalId":"ext-123","createdBy":"claude","confidence":0.85,"parameters":{"replicas":3}}`,
		// The snake_case twins.
		`{"title":"Payment service crashlooping","description":"payments pods restart every 30 s","severity":"critical","affected_resources":["deployment/payments"],"correlation_id":"corr-9","external_id":"ext-9","created_by":"notebook"}`,
		`{"title":"Disk full","description":"node-1 root filesystem at 97%","severity":"low"}`,
		`{"title":"  Disk full  ","description":"   node-1 root filesystem at 97%   ","severity":" MEDIUM ","source":"Alertmanager"}`,
		`{"title":"Seen before","description":"the same alert fired again","severity":"high","externalId":"existing"}`,
		// Missing, short and wrong values.
		`{"description":"payments pods restart every 30 s","severity":"high"}`,
		`{"title":"Payment service crashlooping","severity":"high"}`,
		`{"title":"Payment service crashlooping","description":"payments pods restart every 30 s"}`,
		`{"title":"Oops","description":"payments pods restart every 30 s","severity":"high"}`,
		`{"title":"Payment service","description":"too short","severity":"high"}`,
		`{"title":"Payment service","description":"payments pods restart","severity":"urgent"}`,
		`{"title":"Payment service","description":"payments pods restart","severity":"high","source":"carrier-pigeon"}`,
		`{"title":"Payment service","description":"payments pods restart","severity":"high","labels":{"":"x"}}`,
		`{"title":"Payment service","description":"payments pods restart","severity":"high","affectedResources":[""]}`,
		// Wrong types and nulls.
		`{"title":123,"description":"payments pods restart","severity":"high"}`,
		`{"title":"Payment service","description":"payments pods restart","severity":["high"]}`,
		`{"title":"Payment service","description":"payments pods restart","severity":"high","labels":["team=payments"]}`,
		`{"title":"Payment service","description":"payments pods restart","severity":"high","labels":{"team":7}}`,
		`{"title":"Payment service","description":"payments pods restart","severity":"high","affectedResources":"deployment/payments"}`,
		`{"title":"Payment service","description":"payments pods restart","severity":"high","confidence":"0.9"}`,
		`{"title":"Payment service","description":"payments pods restart","severity":"high","parameters":[1,2]}`,
		`{"title":"Payment service","description":"payments pods restart","severity":"high","parameters":"{\"a\":1}"}`,
		`{"title":null,"description":null,"severity":null}`,
		`{"title":"Payment service","description":"payments pods restart","severity":"high","labels":null,"affectedResources":null,"confidence":null,"parameters":null}`,
		// Huge and out-of-range numbers.
		`{"title":"Payment service","description":"payments pods restart","severity":"high","confidence":1e400}`,
		`{"title":"Payment service","description":"payments pods restart","severity":"high","confidence":1.0000001}`,
		`{"title":"Payment service","description":"payments pods restart","severity":"high","confidence":-0.0}`,
		`{"title":"Payment service","description":"payments pods restart","severity":"high","confidence":-1e-300}`,
		// Unicode.
		`{"title":"Überlastung 🔥 des Knotens","description":"Speicher \u00fcber 95 % seit 10 Minuten","severity":"critical"}`,
		`{"title":"\ud83d\udd25\ud83d\udd25\ud83d\udd25\ud83d\udd25\ud83d\udd25","description":"\u202eevil right-to-left text","severity":"high"}`,
		"{\"title\":\"\xff\xfe\xfd\xfc\xfb\",\"description\":\"invalid utf-8 \xc3\x28 bytes\",\"severity\":\"low\"}",
		"\xef\xbb\xbf{\"title\":\"Payment service\",\"description\":\"payments pods restart\",\"severity\":\"high\"}",
		// Broken JSON and other top-level values.
		`{"title":"Payment service crash`,
		`{"title":"Payment service","description":"payments pods restart","severity":"high"`,
		`[{"title":"Payment service","description":"payments pods restart","severity":"high"}]`,
		`[]`, `null`, `{}`, ``, `   `, `"title"`, `42`, `true`,
		`{"title":"Payment service","description":"payments pods restart","severity":"high"} trailing`,
		`{"title":"Payment service","description":"payments pods restart","severity":"high"}{}`,
		`{"title":"Payment service","description":"payments pods restart","severity":"high"}}`,
		// Duplicated keys (the last one wins) and case-folded keys.
		`{"title":"x","title":"Payment service","description":"payments pods restart","severity":"high","severity":"urgent"}`,
		`{"TITLE":"Payment service","Description":"payments pods restart","SEVERITY":"high"}`,
		`{"title":"Payment service","description":"payments pods restart","severity":"high","parameters":{"a":{"b":[1,{"c":null}]}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"title":"` + strings.Repeat("x", 257) + `","description":"payments pods restart","severity":"high"}`))
	f.Add([]byte(`{"title":"Payment service","description":"payments pods restart","severity":"high","parameters":` + strings.Repeat("[", 20000) + `}`))
	fh := newFuzzHarness(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		fh.reset()
		const desc = "POST /api/v1/incidents"
		r := fh.checkResponse(t, fh.serve(t, http.MethodPost, "/api/v1/incidents", "", body), desc)
		if !r.ok() {
			return
		}
		if r.code != http.StatusCreated {
			t.Fatalf("%s: status %d, the MCP server accepts only 201", desc, r.code)
		}
		if len(fh.inc.creates) != 1 {
			t.Fatalf("%s: 201 after %d Create calls, want 1", desc, len(fh.inc.creates))
		}
		n := fh.inc.creates[0]
		checkTitle(t, desc, n.Title)
		checkDescription(t, desc, n.Description)
		if !slices.Contains(fuzzSeverities, string(n.Severity)) || !slices.Contains(fuzzSources, string(n.Source)) {
			t.Fatalf("%s: accepted severity %q, source %q", desc, n.Severity, n.Source)
		}
		if runes(n.TargetRef) > 512 || runes(n.CorrelationID) > 253 || runes(n.ExternalID) > 253 || runes(n.CreatedBy) > 253 {
			t.Fatalf("%s: accepted an over-long target or id: %+v", desc, n)
		}
		checkLabelMap(t, desc, n.Labels)
		checkResourceList(t, desc, n.AffectedResources)
		if !isFraction(n.Confidence) {
			t.Fatalf("%s: accepted confidence %v", desc, n.Confidence)
		}
		if n.Parameters != nil {
			var obj map[string]any
			if len(n.Parameters) > 64<<10 || json.Unmarshal(n.Parameters, &obj) != nil || obj == nil {
				t.Fatalf("%s: accepted parameters that are not a JSON object of at most 64 KiB: %q", desc, n.Parameters)
			}
		}
		// What the client sent, decoded the way the handler does.
		var sent struct{ Title, Description, Severity string }
		if err := json.Unmarshal(body, &sent); err != nil {
			t.Fatalf("%s: 201 for a body encoding/json rejects: %v", desc, err)
		}
		if n.Title != strings.TrimSpace(sent.Title) || n.Description != strings.TrimSpace(sent.Description) ||
			string(n.Severity) != strings.ToLower(strings.TrimSpace(sent.Severity)) {
			t.Fatalf("%s: engine got %q/%q/%q for title/description/severity %q/%q/%q", desc, n.Title, n.Description,
				n.Severity, sent.Title, sent.Description, sent.Severity)
		}
		var resp struct {
			IncidentID  string `json:"incident_id"`
			ID          string `json:"id"`
			Title       string `json:"title"`
			Description string `json:"description"`
			Severity    string `json:"severity"`
			Priority    int    `json:"priority"`
			Status      string `json:"status"`
			CreatedAt   string `json:"created_at"`
			Message     string `json:"message"`
			Duplicate   bool   `json:"duplicate"`
		}
		decodeStrict(t, r, &resp, desc)
		if resp.IncidentID == "" || resp.ID != resp.IncidentID || resp.Priority != fuzzPriorityOf[resp.Severity] {
			t.Fatalf("%s: 201 body %s: want incident_id = id, priority from severity", desc, r.raw)
		}
		if _, err := time.Parse(time.RFC3339, resp.CreatedAt); err != nil {
			t.Fatalf("%s: created_at %q is not RFC 3339", desc, resp.CreatedAt)
		}
		if !resp.Duplicate && (resp.Status != "created" || resp.Severity != string(n.Severity) || resp.Title != n.Title) {
			t.Fatalf("%s: 201 body %s does not describe the created incident %+v", desc, r.raw, n)
		}
	})
}

// incidentPath is /api/v1/incidents/{id}[suffix] with id escaped as a client would.
func incidentPath(id, suffix string) string {
	return "/api/v1/incidents/" + url.PathEscape(id) + suffix
}

// FuzzUpdateIncident drives PUT /api/v1/incidents/{id}.
func FuzzUpdateIncident(f *testing.F) {
	for _, s := range [][2]string{
		{fuzzIncidentID, `{"status":"resolved"}`},
		{fuzzIncidentID, `{"status":"Investigating"}`},
		{fuzzIncidentID, `{"severity":"critical"}`},
		{fuzzIncidentID, `{"labels":{"owner":"sre","ticket":"OPS-42"}}`},
		{fuzzIncidentID, `{"affectedResources":["deployment/payments"],"affected_resources":["ignored"]}`},
		{fuzzIncidentID, `{"affected_resources":[]}`},
		{fuzzIncidentID, `{"title":"Payments recovered after rollback","description":"rolled back to 2.2; error rate is normal again","severity":"low","status":"closed"}`},
		{fuzzIncidentID, `{"title":"  Payments degraded  "}`},
		{fuzzMissingID, `{"status":"resolved"}`},
		{fuzzIncidentID, `{}`},
		{fuzzIncidentID, `{"labels":{}}`},
		{fuzzIncidentID, `{"status":"bogus"}`},
		{fuzzIncidentID, `{"status":null,"title":null}`},
		{fuzzIncidentID, `{"title":"abc"}`},
		{fuzzIncidentID, `{"description":"short"}`},
		{fuzzIncidentID, `{"severity":"urgent"}`},
		{fuzzIncidentID, `{"labels":{"":"x"}}`},
		{fuzzIncidentID, `{"affectedResources":"deployment/payments"}`},
		{fuzzIncidentID, `{"affectedResources":[""]}`},
		{fuzzIncidentID, `{"status":3}`},
		{fuzzIncidentID, `{"title":"Überlastung 🔥 behoben"}`},
		{fuzzIncidentID, `[{"status":"resolved"}]`},
		{fuzzIncidentID, `{"status":"resolved"`},
		{fuzzIncidentID, `{"status":"resolved"} {}`},
		{fuzzIncidentID, `{"status":"resolved","status":"nope"}`},
		{fuzzIncidentID, ``},
		{fuzzIncidentID, `null`},
		{"Bad_ID", `{"status":"resolved"}`},
		{"a/b", `{"status":"resolved"}`},
		{"inc-ü", `{"status":"resolved"}`},
		{"inc-1?x=1#f", `{"status":"resolved"}`},
		{"..", `{"status":"resolved"}`},
		{".", `{"status":"resolved"}`},
		{"", `{"status":"resolved"}`},
		{strings.Repeat("a", 254), `{"status":"resolved"}`},
	} {
		f.Add(s[0], []byte(s[1]))
	}
	fh := newFuzzHarness(f)
	f.Fuzz(func(t *testing.T, id string, body []byte) {
		fh.reset()
		p := incidentPath(id, "")
		desc := "PUT " + p
		r := fh.checkResponse(t, fh.serve(t, http.MethodPut, p, "", body), desc)
		if !r.ok() {
			return
		}
		if r.code != http.StatusOK || len(fh.inc.updates) != 1 {
			t.Fatalf("%s: status %d after %d Update calls, want 200 after 1", desc, r.code, len(fh.inc.updates))
		}
		u := fh.inc.updates[0]
		checkIncidentID(t, desc, u.id, id)
		c := u.c
		if c.Title == nil && c.Description == nil && c.Severity == nil && len(c.Labels) == 0 && c.AffectedResources == nil && c.Phase == nil {
			t.Fatalf("%s: 200 for an empty change", desc)
		}
		if c.Title != nil {
			checkTitle(t, desc, *c.Title)
		}
		if c.Description != nil {
			checkDescription(t, desc, *c.Description)
		}
		if c.Severity != nil && !slices.Contains(fuzzSeverities, string(*c.Severity)) {
			t.Fatalf("%s: accepted severity %q", desc, *c.Severity)
		}
		checkLabelMap(t, desc, c.Labels)
		if c.AffectedResources != nil {
			checkResourceList(t, desc, *c.AffectedResources)
		}
		if c.Phase != nil && !slices.Contains(fuzzPhases, string(*c.Phase)) {
			t.Fatalf("%s: accepted phase %q", desc, *c.Phase)
		}
		var resp incidentBody
		decodeStrict(t, r, &resp, desc)
		if resp.ID != id || resp.Priority != fuzzPriorityOf[resp.Severity] {
			t.Fatalf("%s: 200 body %s: want id %q and priority from severity", desc, r.raw, id)
		}
	})
}

// FuzzCorrelateIncident drives POST /api/v1/incidents/{id}/correlate.
func FuzzCorrelateIncident(f *testing.F) {
	for _, s := range [][2]string{
		{fuzzIncidentID, `{"type":"duplicate","relatedIncidents":["inc-payments-2"],"score":0.9,"correlatedBy":"sre-oncall"}`},
		{fuzzIncidentID, `{"type":"Root_Cause","related_incidents":["inc-db-1","inc-db-2"],"correlated_by":"ml"}`},
		{fuzzIncidentID, `{"type":"related","relatedIncidents":["inc-payments-2"]}`},
		{fuzzIncidentID, `{"type":"symptom","relatedIncidents":["inc-payments-1"]}`},
		{fuzzIncidentID, `{"type":"symptom","relatedIncidents":["missing"]}`},
		{fuzzMissingID, `{"type":"related","relatedIncidents":["inc-payments-2"]}`},
		{fuzzIncidentID, `{"relatedIncidents":["inc-payments-2"]}`},
		{fuzzIncidentID, `{"type":"cause","relatedIncidents":["inc-payments-2"]}`},
		{fuzzIncidentID, `{"type":"related"}`},
		{fuzzIncidentID, `{"type":"related","relatedIncidents":[]}`},
		{fuzzIncidentID, `{"type":"related","relatedIncidents":["INC_2"]}`},
		{fuzzIncidentID, `{"type":"related","relatedIncidents":[""]}`},
		{fuzzIncidentID, `{"type":"related","relatedIncidents":"inc-payments-2"}`},
		{fuzzIncidentID, `{"type":"related","relatedIncidents":[2]}`},
		{fuzzIncidentID, `{"type":"related","relatedIncidents":["inc-payments-2"],"score":2}`},
		{fuzzIncidentID, `{"type":"related","relatedIncidents":["inc-payments-2"],"score":1e400}`},
		{fuzzIncidentID, `{"type":"related","relatedIncidents":["inc-payments-2"],"score":"high"}`},
		{fuzzIncidentID, `{"type":null,"relatedIncidents":null,"score":null}`},
		{fuzzIncidentID, `{"type":"related","relatedIncidents":["inc-ü"]}`},
		{fuzzIncidentID, `{"type":"related","relatedIncidents":["inc-payments-2"]`},
		{fuzzIncidentID, `[{"type":"related","relatedIncidents":["inc-payments-2"]}]`},
		{fuzzIncidentID, `{"type":"related","relatedIncidents":["inc-payments-2"]}x`},
		{fuzzIncidentID, `{"type":"related","type":"nope","relatedIncidents":["inc-payments-2"]}`},
		{fuzzIncidentID, ``},
		{"Bad_ID", `{"type":"related","relatedIncidents":["inc-payments-2"]}`},
		{"a/b", `{"type":"related","relatedIncidents":["inc-payments-2"]}`},
		{"", `{"type":"related","relatedIncidents":["inc-payments-2"]}`},
		{"..", `{"type":"related","relatedIncidents":["inc-payments-2"]}`},
	} {
		f.Add(s[0], []byte(s[1]))
	}
	f.Add(fuzzIncidentID, []byte(`{"type":"related","relatedIncidents":["a"`+strings.Repeat(`,"a"`, 100)+`]}`))
	fh := newFuzzHarness(f)
	f.Fuzz(func(t *testing.T, id string, body []byte) {
		fh.reset()
		p := incidentPath(id, "/correlate")
		desc := "POST " + p
		r := fh.checkResponse(t, fh.serve(t, http.MethodPost, p, "", body), desc)
		if !r.ok() {
			return
		}
		if r.code != http.StatusOK || len(fh.inc.correlates) != 1 {
			t.Fatalf("%s: status %d after %d Correlate calls, want 200 after 1", desc, r.code, len(fh.inc.correlates))
		}
		call := fh.inc.correlates[0]
		checkIncidentID(t, desc, call.id, id)
		c := call.c
		if !slices.Contains(fuzzCorrelations, c.Type) || len(c.IncidentIDs) == 0 || len(c.IncidentIDs) > 100 ||
			!isFraction(c.Score) || runes(c.CorrelatedBy) > 253 {
			t.Fatalf("%s: accepted correlation %+v", desc, c)
		}
		for _, other := range c.IncidentIDs {
			if !isName(other) {
				t.Fatalf("%s: accepted related incident %q", desc, other)
			}
		}
		var resp incidentBody
		decodeStrict(t, r, &resp, desc)
		if resp.ID != id || len(resp.Correlations) == 0 {
			t.Fatalf("%s: 200 body %s: want the incident with its correlation", desc, r.raw)
		}
	})
}

// FuzzCancelIncident drives DELETE /api/v1/incidents/{id} with an optional body.
func FuzzCancelIncident(f *testing.F) {
	for _, s := range []struct {
		id, body string
		hasBody  bool
	}{
		{fuzzIncidentID, "", false},
		{fuzzIncidentID, "", true},
		{fuzzIncidentID, `{"cancelledBy":"alice"}`, true},
		{fuzzIncidentID, `{"cancelled_by":"bob"}`, true},
		{fuzzIncidentID, `{"cancelledBy":"","cancelled_by":"carol"}`, true},
		{fuzzIncidentID, `{"cancelledBy":"Åsa 🔥"}`, true},
		{fuzzIncidentID, `{"reason":"unknown fields are ignored"}`, true},
		{fuzzMissingID, "", false},
		{fuzzFinishedID, `{"cancelledBy":"alice"}`, true},
		{fuzzIncidentID, `null`, true},
		{fuzzIncidentID, `   `, true},
		{fuzzIncidentID, `[]`, true},
		{fuzzIncidentID, `"alice"`, true},
		{fuzzIncidentID, `{"cancelledBy":42}`, true},
		{fuzzIncidentID, `{"cancelledBy":null}`, true},
		{fuzzIncidentID, `{"cancelledBy":"alice"`, true},
		{fuzzIncidentID, `{"cancelledBy":"alice"} trailing`, true},
		{fuzzIncidentID, `{"cancelledBy":"` + strings.Repeat("x", 254) + `"}`, true},
		{"Bad_ID", "", false},
		{"a/b", `{"cancelledBy":"alice"}`, true},
		{"", "", false},
		{".", "", false},
	} {
		f.Add(s.id, []byte(s.body), s.hasBody)
	}
	fh := newFuzzHarness(f)
	f.Fuzz(func(t *testing.T, id string, body []byte, hasBody bool) {
		fh.reset()
		if !hasBody {
			body = nil
		}
		p := incidentPath(id, "")
		desc := "DELETE " + p
		r := fh.checkResponse(t, fh.serve(t, http.MethodDelete, p, "", body), desc)
		if !r.ok() {
			return
		}
		if r.code != http.StatusOK || len(fh.inc.cancels) != 1 {
			t.Fatalf("%s: status %d after %d Cancel calls, want 200 after 1", desc, r.code, len(fh.inc.cancels))
		}
		call := fh.inc.cancels[0]
		checkIncidentID(t, desc, call.id, id)
		if runes(call.by) > 253 {
			t.Fatalf("%s: accepted cancelledBy of %d characters", desc, runes(call.by))
		}
		var resp cancelledBody
		decodeStrict(t, r, &resp, desc)
		if _, err := time.Parse(time.RFC3339, resp.CancelledAt); resp.IncidentID != id || resp.Status != "cancelled" || err != nil {
			t.Fatalf("%s: 200 body %s: want incident_id %q, status cancelled, RFC 3339 cancelled_at", desc, r.raw, id)
		}
	})
}

// triggerSeeds are bodies of both trigger forms (contract §3).
var triggerSeeds = []string{
	// MCP form.
	`{"incident_id":"inc-payments-1","namespace":"payments","resource":{"kind":"Deployment","name":"payments"},"issue":{"type":"pod_crash","description":"CrashLoopBackOff after the 2.3 rollout","severity":"high"},"dry_run":true}`,
	`{"namespace":"cache","resource":{"kind":"deployment","name":"cache"},"issue":{"type":"OOMKilled","description":"container killed at 512Mi"},"dryRun":false}`,
	`{"namespace":"web","resource":{"kind":"StatefulSet","name":"web-0.db"},"issue":{"type":"ImagePullBackOff","severity":"CRITICAL"}}`,
	`{"incident_id":"missing","namespace":"payments","resource":{"kind":"Pod","name":"payments-7d9f-abcde"},"issue":{"type":"high_memory"}}`,
	`{"namespace":"payments","resource":{"kind":"CronJob","name":"payments"},"issue":{"type":"pod_crash"}}`,
	`{"namespace":"Payments_NS","resource":{"kind":"Deployment","name":"payments"},"issue":{"type":"pod_crash"}}`,
	`{"namespace":"payments","resource":{"kind":"Deployment","name":"-bad-"},"issue":{"type":"pod_crash"}}`,
	`{"namespace":"payments","resource":{"kind":"Deployment","name":"payments"},"issue":{"type":"meltdown"}}`,
	`{"namespace":"payments","resource":{"kind":"Deployment","name":"payments"}}`,
	`{"namespace":"payments","issue":{"type":"pod_crash"}}`,
	`{"resource":{"kind":"Deployment","name":"payments"},"issue":{"type":"pod_crash"}}`,
	`{"namespace":"payments","resource":{"kind":"Deployment","name":"payments"},"issue":{"type":"pod_crash","severity":"urgent"}}`,
	`{"namespace":"payments","resource":"deployment/payments","issue":{"type":"pod_crash"}}`,
	`{"namespace":"payments","resource":{"kind":"Deployment","name":"payments"},"issue":{"type":"pod_crash"},"dry_run":"yes"}`,
	`{"namespace":"payments","resource":null,"issue":null,"action":"restart_pod","incidentId":"inc-payments-1"}`,
	// Python-era form.
	`{"incidentId":"inc-payments-1","action":"scale_up","parameters":{"replicas":3}}`,
	`{"incidentId":"inc-payments-1","action":"scale_deployment","parameters":{"deployment":"payments","namespace":"payments","replicas":"5"},"priority":8,"confidence":0.9,"dryRun":false}`,
	`{"incident_id":"inc-payments-1","action":"REMEDIATE_NODE","parameters":{"node":"worker-1.example","namespace":"ignored"},"dry_run":true}`,
	`{"incidentId":"inc-payments-1","action":"restart_pod","parameters":{"pod":"payments-7d9f-abcde","force":true,"grace":null,"note":"caf\u00e9 \"quoted\""}}`,
	`{"incidentId":"inc-payments-1","action":"scale_up","parameters":{"replicas":3},"priority":11}`,
	`{"incidentId":"inc-payments-1","action":"scale_up","parameters":{"replicas":3},"priority":8.5}`,
	`{"incidentId":"inc-payments-1","action":"scale_up","parameters":{"replicas":3},"priority":99999999999999999999}`,
	`{"incidentId":"inc-payments-1","action":"scale_up","parameters":{"replicas":3},"confidence":2}`,
	`{"incidentId":"inc-payments-1","action":"scale_up","parameters":{"replicas":3},"confidence":1e400}`,
	`{"incidentId":"inc-payments-1","action":"scale_up","parameters":{"replicas":{"min":1}}}`,
	`{"incidentId":"inc-payments-1","action":"scale_up","parameters":[3]}`,
	`{"incidentId":"inc-payments-1","action":"scale_up","parameters":{"deployment":"Payments_Deploy"}}`,
	`{"incidentId":"inc-payments-1","action":"delete_everything"}`,
	`{"action":"scale_up","parameters":{"replicas":3}}`,
	`{"incidentId":"Bad_ID","action":"scale_up"}`,
	`{"incidentId":"missing","action":"scale_up"}`,
	`{"incidentId":"inc-payments-1","action":"scale_up","action":"nope"}`,
	`{"incidentId":"inc-payments-1","action":"scale_up","parameters":{"replicas":3}`,
	`{"incidentId":"inc-payments-1","action":"scale_up"} {"again":true}`,
	`[{"incidentId":"inc-payments-1","action":"scale_up"}]`,
	`{}`, `null`, ``, `"scale_up"`, `3`,
}

// decodeScalars decodes a JSON object of parameters, keeping numbers as written.
func decodeScalars(t *testing.T, desc string, raw []byte) map[string]any {
	t.Helper()
	out := map[string]any{}
	if len(raw) == 0 {
		return out
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("%s: parameters %q are not a JSON object: %v", desc, raw, err)
	}
	return out
}

// checkTriggerParams checks that the parameters reached the engine as the client wrote them:
// the same keys, each value equal once decoded (strings whatever their escapes, numbers as
// written), scalars only.
func checkTriggerParams(t *testing.T, desc string, body []byte, got *apiextensionsv1.JSON) {
	t.Helper()
	var sent struct {
		Parameters json.RawMessage `json:"parameters"`
	}
	if err := json.Unmarshal(body, &sent); err != nil {
		t.Fatalf("%s: a 2xx for a body encoding/json rejects: %v", desc, err)
	}
	want := map[string]any{}
	if s := strings.TrimSpace(string(sent.Parameters)); s != "" && s != "null" {
		want = decodeScalars(t, desc, sent.Parameters)
	}
	var gotRaw []byte
	if got != nil {
		gotRaw = got.Raw
	}
	have := decodeScalars(t, desc, gotRaw)
	if len(have) > 64 || !reflect.DeepEqual(have, want) {
		t.Fatalf("%s: parameters %s reached the engine as %s", desc, sent.Parameters, gotRaw)
	}
	for k, v := range have {
		switch v.(type) {
		case map[string]any, []any:
			t.Fatalf("%s: a 2xx for parameter %q = %v, which is not a string, number or boolean", desc, k, v)
		}
	}
}

// checkPythonTrigger checks a trigger of the Python-era form and its 200 answer.
func checkPythonTrigger(t *testing.T, desc string, body []byte, tr remediation.Trigger, r fuzzResult) {
	t.Helper()
	if !isName(tr.IncidentID) || len(tr.Actions) != 1 || !slices.Contains(fuzzActions, tr.Actions[0].Type) ||
		tr.Priority < 1 || tr.Priority > 10 || !isFraction(tr.Confidence) || tr.Issue.Type != "requested_action" {
		t.Fatalf("%s: accepted Python-era trigger %+v", desc, tr)
	}
	tg := tr.Target
	if (tg.Namespace != "" && !isNamespace(tg.Namespace)) || (tg.Name != "" && !isName(tg.Name)) ||
		(tg.Name != "" && !slices.Contains(fuzzTargetKinds, tg.Kind)) || (tg.Kind == "Node" && tg.Namespace != "") {
		t.Fatalf("%s: accepted target %+v", desc, tg)
	}
	checkTriggerParams(t, desc, body, tr.Actions[0].Parameters)
	var resp struct {
		ActionID   string         `json:"action_id"`
		IncidentID string         `json:"incident_id"`
		Type       string         `json:"type"`
		Status     string         `json:"status"`
		Priority   int            `json:"priority"`
		Confidence float64        `json:"confidence"`
		Parameters map[string]any `json:"parameters"`
	}
	decodeStrict(t, r, &resp, desc)
	if resp.ActionID == "" || resp.IncidentID != tr.IncidentID || resp.Type != tr.Actions[0].Type ||
		resp.Priority != int(tr.Priority) || resp.Confidence != tr.Confidence || resp.Status == "" {
		t.Fatalf("%s: 200 body %s does not describe the action %+v", desc, r.raw, tr)
	}
}

// checkMCPTrigger checks a trigger of the MCP form and its 202 answer.
func checkMCPTrigger(t *testing.T, desc string, tr remediation.Trigger, r fuzzResult) {
	t.Helper()
	tg := tr.Target
	if (tr.IncidentID != "" && !isName(tr.IncidentID)) || !isNamespace(tg.Namespace) || !isName(tg.Name) ||
		!slices.Contains(fuzzMCPKinds, tg.Kind) || tr.Source != v1alpha1.SourceManual || len(tr.Actions) != 0 {
		t.Fatalf("%s: accepted MCP trigger %+v", desc, tr)
	}
	if typ, ok := issue.Normalize(tr.Issue.Type); !ok || string(typ) != tr.Issue.Type || runes(tr.Issue.Description) > 8192 ||
		(tr.Issue.Severity != "" && !slices.Contains(fuzzSeverities, string(tr.Issue.Severity))) {
		t.Fatalf("%s: accepted issue %+v", desc, tr.Issue)
	}
	var resp struct {
		WorkflowID        string `json:"workflow_id"`
		IncidentID        string `json:"incident_id"`
		Status            string `json:"status"`
		DeploymentMethod  string `json:"deployment_method"`
		EstimatedDuration string `json:"estimated_duration"`
		DryRun            bool   `json:"dry_run"`
	}
	decodeStrict(t, r, &resp, desc)
	if resp.WorkflowID == "" || resp.Status == "" || resp.EstimatedDuration == "" || resp.DryRun != tr.DryRun ||
		!slices.Contains([]string{"argocd", "helm", "operator", "manual", "unknown"}, resp.DeploymentMethod) {
		t.Fatalf("%s: 202 body %s does not describe the workflow for %+v", desc, r.raw, tr)
	}
}

// sentDryRun is dry_run, else dryRun, as the client sent them.
func sentDryRun(t *testing.T, body []byte) bool {
	t.Helper()
	var sent struct {
		DryRun      *bool `json:"dry_run"`
		DryRunCamel *bool `json:"dryRun"`
	}
	_ = json.Unmarshal(body, &sent)
	if sent.DryRun != nil {
		return *sent.DryRun
	}
	return sent.DryRunCamel != nil && *sent.DryRunCamel
}

// FuzzTriggerRemediation drives POST /api/v1/remediation/trigger in both forms.
func FuzzTriggerRemediation(f *testing.F) {
	for _, s := range triggerSeeds {
		f.Add([]byte(s))
	}
	fh := newFuzzHarness(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		fh.reset()
		const desc = "POST /api/v1/remediation/trigger"
		r := fh.checkResponse(t, fh.serve(t, http.MethodPost, "/api/v1/remediation/trigger", "", body), desc)
		if !r.ok() {
			return
		}
		if len(fh.rem.triggers) != 1 {
			t.Fatalf("%s: %d after %d Trigger calls, want 1", desc, r.code, len(fh.rem.triggers))
		}
		// Which form the client sent, decoded independently of the handler.
		var sent struct {
			Action   string          `json:"action"`
			Resource json.RawMessage `json:"resource"`
			Issue    json.RawMessage `json:"issue"`
		}
		if err := json.Unmarshal(body, &sent); err != nil {
			t.Fatalf("%s: %d for a body encoding/json rejects: %v", desc, r.code, err)
		}
		absent := func(raw json.RawMessage) bool { return len(raw) == 0 || string(raw) == "null" }
		python := sent.Action != "" && absent(sent.Resource) && absent(sent.Issue)
		tr := fh.rem.triggers[0]
		if tr.DryRun != sentDryRun(t, body) {
			t.Fatalf("%s: engine got dry run %v, the client sent the opposite", desc, tr.DryRun)
		}
		switch {
		case python && r.code == http.StatusOK:
			checkPythonTrigger(t, desc, body, tr, r)
		case !python && r.code == http.StatusAccepted:
			checkMCPTrigger(t, desc, tr, r)
		default:
			t.Fatalf("%s: status %d for a body of the %s form", desc, r.code, map[bool]string{true: "Python-era", false: "MCP"}[python])
		}
	})
}

// FuzzRemediate drives POST /api/v1/remediate (the Python-era form only).
func FuzzRemediate(f *testing.F) {
	for _, s := range triggerSeeds {
		f.Add([]byte(s))
	}
	fh := newFuzzHarness(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		fh.reset()
		const desc = "POST /api/v1/remediate"
		r := fh.checkResponse(t, fh.serve(t, http.MethodPost, "/api/v1/remediate", "", body), desc)
		if !r.ok() {
			return
		}
		if r.code != http.StatusOK || len(fh.rem.triggers) != 1 {
			t.Fatalf("%s: status %d after %d Trigger calls, want 200 after 1", desc, r.code, len(fh.rem.triggers))
		}
		tr := fh.rem.triggers[0]
		if tr.DryRun != sentDryRun(t, body) {
			t.Fatalf("%s: engine got dry run %v, the client sent the opposite", desc, tr.DryRun)
		}
		checkPythonTrigger(t, desc, body, tr, r)
	})
}

// FuzzListIncidentsQuery drives the list endpoints' query parsing: GET /api/v1/incidents (and
// its alias /api/v1/anomalies), /api/v1/workflows and /api/v1/actions.
func FuzzListIncidentsQuery(f *testing.F) {
	for _, q := range []string{
		"status=all&severity=all&limit=100&offset=0",
		"status=active&severity=high&limit=10&offset=20",
		"status=CANCELLED&severity=Critical",
		"status=failed&limit=1000&offset=10000000",
		"status=resolved", "severity=urgent", "status=", "severity=&limit=",
		"limit=0", "limit=1001", "limit=-1", "limit=abc", "limit=1.5", "limit=+5", "limit=01", "limit=%205",
		"limit=99999999999999999999", "offset=-1", "offset=10000001", "offset=1e3",
		"incident_id=inc-payments-1", "incidentId=inc-payments-1&limit=5", "incident_id=Bad_ID", "incident_id=a%2Fb",
		"limit=5&limit=abc", "limit=abc&limit=5", "limit=1;offset=2", "status=%zz", "status=%00", "limit=%",
		"", "&&&", "=", "status", "status=all&status=bogus", "severity=h%C3%A9", "status=\xff\xfe",
		"status=all#fragment", "status=all%23x", "st%61tus=bogus",
	} {
		f.Add(q)
	}
	fh := newFuzzHarness(f)
	f.Fuzz(func(t *testing.T, rawQuery string) {
		q, _ := url.ParseQuery(rawQuery) // what r.URL.Query() gives the handler
		for _, p := range []string{"/api/v1/incidents", "/api/v1/anomalies"} {
			fh.reset()
			desc := "GET " + p + "?" + rawQuery
			r := fh.checkResponse(t, fh.serve(t, http.MethodGet, p, rawQuery, nil), desc)
			if !r.ok() {
				if len(fh.inc.filters) != 0 {
					t.Fatalf("%s: %d after listing", desc, r.code)
				}
				if !slices.Contains([]string{"status", "severity", "limit", "offset"}, r.err.Field) {
					t.Fatalf("%s: %d names field %q, want one of the query parameters", desc, r.code, r.err.Field)
				}
				continue
			}
			if len(fh.inc.filters) != 1 {
				t.Fatalf("%s: 200 after %d List calls", desc, len(fh.inc.filters))
			}
			fl := fh.inc.filters[0]
			if !slices.Contains([]string{"all", "active", "pending", "running", "completed", "failed", "cancelled"}, fl.Status) ||
				!slices.Contains([]string{"all", "low", "medium", "high", "critical"}, fl.Severity) ||
				fl.Limit < 1 || fl.Limit > 1000 || fl.Offset < 0 {
				t.Fatalf("%s: accepted filter %+v", desc, fl)
			}
			want := 100
			if v := q.Get("limit"); v != "" {
				want, _ = strconv.Atoi(v)
			}
			if fl.Limit != want {
				t.Fatalf("%s: limit %q became %d, want %d", desc, q.Get("limit"), fl.Limit, want)
			}
			var resp struct {
				Incidents []incidentBody `json:"incidents"`
				Summary   struct {
					Total      int            `json:"total"`
					BySeverity map[string]int `json:"by_severity"`
				} `json:"summary"`
				Metadata struct {
					Total, Count, Offset, Limit int
					Filters                     map[string]string `json:"filters"`
				} `json:"metadata"`
			}
			decodeStrict(t, r, &resp, desc)
			if resp.Metadata.Limit != fl.Limit || resp.Metadata.Offset != fl.Offset || resp.Metadata.Filters["status"] != fl.Status ||
				resp.Metadata.Filters["severity"] != fl.Severity || len(resp.Incidents) != resp.Metadata.Count {
				t.Fatalf("%s: metadata %+v does not echo the filter %+v", desc, resp.Metadata, fl)
			}
		}
		for _, p := range []string{"/api/v1/workflows", "/api/v1/actions"} {
			fh.reset()
			desc := "GET " + p + "?" + rawQuery
			r := fh.checkResponse(t, fh.serve(t, http.MethodGet, p, rawQuery, nil), desc)
			if !r.ok() {
				if len(fh.wf.lists) != 0 {
					t.Fatalf("%s: %d after listing", desc, r.code)
				}
				continue
			}
			if len(fh.wf.lists) != 1 {
				t.Fatalf("%s: 200 after %d List calls", desc, len(fh.wf.lists))
			}
			l := fh.wf.lists[0]
			if l.limit < 1 || l.limit > 1000 || l.offset < 0 || (l.incidentID != "" && !isName(l.incidentID)) {
				t.Fatalf("%s: accepted list %+v", desc, l)
			}
			var resp struct {
				Workflows []workflowBody     `json:"workflows"`
				Actions   []actionStatusBody `json:"actions"`
				Total     int                `json:"total"`
				Count     int                `json:"count"`
			}
			decodeStrict(t, r, &resp, desc)
			if resp.Count != len(resp.Workflows)+len(resp.Actions) {
				t.Fatalf("%s: count %d for %d items", desc, resp.Count, len(resp.Workflows)+len(resp.Actions))
			}
		}
	})
}
