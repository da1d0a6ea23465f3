package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/incident"
	"selfhealing.dev/coordination-engine/internal/managedby"
	"selfhealing.dev/coordination-engine/internal/permissions"
	"selfhealing.dev/coordination-engine/internal/platform"
	"selfhealing.dev/coordination-engine/internal/remediation"
	"selfhealing.dev/coordination-engine/internal/workflow"
)

// openAPIMethods are the operation keys of an OpenAPI path item.
var openAPIMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// pathParam matches one {name} of a path template (ServeMux and OpenAPI spell them alike).
var pathParam = regexp.MustCompile(`\{([^{}]+)\}`)

// loadOpenAPIDocument parses the embedded document.
func loadOpenAPIDocument(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatalf("openapi.yaml does not parse: %v", err)
	}
	if doc == nil {
		t.Fatal("openapi.yaml is empty")
	}
	return doc
}

// openAPIOperation is one method of one path of the document.
type openAPIOperation struct {
	method, path string
	item, op     map[string]any
}

// openAPIOperations lists the document's operations, sorted by path and method.
func openAPIOperations(t *testing.T, doc map[string]any) []openAPIOperation {
	t.Helper()
	paths, ok := doc["paths"].(map[string]any)
	if !ok || len(paths) == 0 {
		t.Fatal("openapi.yaml has no paths")
	}
	var ops []openAPIOperation
	for _, path := range slices.Sorted(mapKeys(paths)) {
		item, ok := paths[path].(map[string]any)
		if !ok {
			t.Errorf("paths[%q] is not an object", path)
			continue
		}
		for _, m := range openAPIMethods {
			if raw, found := item[m]; found {
				op, ok := raw.(map[string]any)
				if !ok {
					t.Errorf("%s %s is not an object", strings.ToUpper(m), path)
					continue
				}
				ops = append(ops, openAPIOperation{method: strings.ToUpper(m), path: path, item: item, op: op})
			}
		}
	}
	return ops
}

func mapKeys(m map[string]any) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// muxPathTemplate turns a ServeMux pattern's path into an OpenAPI template: {name...} becomes
// {name} and a trailing {$} is dropped.
func muxPathTemplate(p string) string {
	p = strings.TrimSuffix(p, "{$}")
	return strings.ReplaceAll(p, "...}", "}")
}

func TestOpenAPIDocumentListsExactlyTheRegisteredRoutes(t *testing.T) {
	s, _ := newTestServer(t, healthySources())
	doc := loadOpenAPIDocument(t)

	inCode := map[string]bool{}
	for _, rt := range s.Routes() {
		inCode[rt.Method+" "+muxPathTemplate(rt.Path)] = true
	}
	if len(inCode) == 0 {
		t.Fatal("the server registers no routes")
	}
	inDoc := map[string]bool{}
	for _, op := range openAPIOperations(t, doc) {
		inDoc[op.method+" "+op.path] = true
	}

	var missingInDoc, missingInCode []string
	for r := range inCode {
		if !inDoc[r] {
			missingInDoc = append(missingInDoc, r)
		}
	}
	for r := range inDoc {
		if !inCode[r] {
			missingInCode = append(missingInCode, r)
		}
	}
	slices.Sort(missingInDoc)
	slices.Sort(missingInCode)
	if len(missingInDoc) > 0 {
		t.Errorf("%d route(s) registered in routes.go (routeTable) are missing from internal/httpapi/openapi.yaml; document them:\n\t%s",
			len(missingInDoc), strings.Join(missingInDoc, "\n\t"))
	}
	if len(missingInCode) > 0 {
		t.Errorf("%d operation(s) in internal/httpapi/openapi.yaml have no route in routes.go (routeTable); remove them or register the route:\n\t%s",
			len(missingInCode), strings.Join(missingInCode, "\n\t"))
	}

	// Each documented operation reaches exactly its own pattern (no other route shadows it).
	for _, op := range openAPIOperations(t, doc) {
		if !inCode[op.method+" "+op.path] {
			continue
		}
		concrete := pathParam.ReplaceAllString(op.path, "example-1")
		req := httptest.NewRequest(op.method, concrete, nil)
		if _, pattern := s.mux.Handler(req); pattern != op.method+" "+op.path {
			t.Errorf("%s %s is served by pattern %q, want %q", op.method, concrete, pattern, op.method+" "+op.path)
		}
	}
}

func TestOpenAPIDocumentIsWellFormed(t *testing.T) {
	doc := loadOpenAPIDocument(t)

	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.") {
		t.Errorf("openapi = %#v, want a 3.x version string", doc["openapi"])
	}
	info, _ := doc["info"].(map[string]any)
	if title, _ := info["title"].(string); strings.TrimSpace(title) == "" {
		t.Errorf("info.title is missing")
	}
	if version, _ := info["version"].(string); strings.TrimSpace(version) == "" {
		t.Errorf("info.version is missing")
	}

	// Every $ref points at something.
	walkOpenAPI(doc, "#", func(where string, m map[string]any) {
		if ref, ok := m["$ref"].(string); ok {
			if _, err := openAPIPointer(doc, ref); err != nil {
				t.Errorf("%s: %v", where, err)
			}
		}
	})

	// Enum values of string schemas are strings (YAML 1.1 turns a bare yes/no/on/off into a boolean).
	walkOpenAPI(doc, "#", func(where string, m map[string]any) {
		enum, ok := m["enum"].([]any)
		if !ok || m["type"] != "string" {
			return
		}
		for i, v := range enum {
			if _, ok := v.(string); !ok {
				t.Errorf("%s/enum/%d = %#v, want a string (quote it)", where, i, v)
			}
		}
	})

	operationIDs := map[string]string{}
	for _, o := range openAPIOperations(t, doc) {
		name := o.method + " " + o.path

		if id, _ := o.op["operationId"].(string); id == "" {
			t.Errorf("%s has no operationId", name)
		} else if other, dup := operationIDs[id]; dup {
			t.Errorf("%s and %s share operationId %q", other, name, id)
		} else {
			operationIDs[id] = name
		}

		responses, _ := o.op["responses"].(map[string]any)
		if len(responses) == 0 {
			t.Errorf("%s documents no response", name)
		}
		for _, code := range slices.Sorted(mapKeys(responses)) {
			checkOpenAPIResponse(t, doc, name, code, responses[code])
		}

		checkOpenAPIPathParams(t, doc, o)
	}
}

// checkOpenAPIResponse checks one response: a valid status code, a description, and, for a 4xx or
// 5xx answer in JSON, a schema whose `error` is a required string (contract: every error body).
func checkOpenAPIResponse(t *testing.T, doc map[string]any, op, code string, raw any) {
	t.Helper()
	where := fmt.Sprintf("%s response %s", op, code)
	n, err := strconv.Atoi(code)
	if code != "default" && (err != nil || n < 100 || n > 599) {
		t.Errorf("%s: %q is not a status code", where, code)
		return
	}
	resolved, err := openAPIResolve(doc, raw)
	if err != nil {
		t.Errorf("%s: %v", where, err)
		return
	}
	resp, _ := resolved.(map[string]any)
	if d, _ := resp["description"].(string); d == "" {
		t.Errorf("%s has no description", where)
	}
	if n < 400 {
		return
	}
	content, _ := resp["content"].(map[string]any)
	media, ok := content["application/json"].(map[string]any)
	if !ok {
		if op != "GET /metrics" {
			t.Errorf("%s has no application/json content; every error body is JSON", where)
		}
		return
	}
	props, required, err := openAPISchemaFields(doc, media["schema"], 0)
	if err != nil {
		t.Errorf("%s: %v", where, err)
		return
	}
	errSchema, err := openAPIResolve(doc, props["error"])
	if m, _ := errSchema.(map[string]any); err != nil || m["type"] != "string" || !slices.Contains(required, "error") {
		t.Errorf("%s: the body must have a required string property error (the errorBody shape)", where)
	}
}

// checkOpenAPIPathParams checks that the template's {params} and the declared path parameters
// (of the path item and of the operation) are the same, and that each is required.
func checkOpenAPIPathParams(t *testing.T, doc map[string]any, o openAPIOperation) {
	t.Helper()
	name := o.method + " " + o.path
	declared := map[string]bool{}
	for _, list := range []any{o.item["parameters"], o.op["parameters"]} {
		params, _ := list.([]any)
		for i, raw := range params {
			resolved, err := openAPIResolve(doc, raw)
			if err != nil {
				t.Errorf("%s parameter %d: %v", name, i, err)
				continue
			}
			p, _ := resolved.(map[string]any)
			pname, _ := p["name"].(string)
			if pname == "" || p["in"] == nil {
				t.Errorf("%s parameter %d lacks name or in", name, i)
				continue
			}
			if _, hasSchema := p["schema"]; !hasSchema {
				t.Errorf("%s parameter %s has no schema", name, pname)
			}
			if p["in"] != "path" {
				continue
			}
			if p["required"] != true {
				t.Errorf("%s path parameter %s must be required: true", name, pname)
			}
			declared[pname] = true
		}
	}
	inTemplate := map[string]bool{}
	for _, m := range pathParam.FindAllStringSubmatch(o.path, -1) {
		inTemplate[m[1]] = true
		if !declared[m[1]] {
			t.Errorf("%s: path parameter {%s} is not declared (in: path, required: true)", name, m[1])
		}
	}
	for p := range declared {
		if !inTemplate[p] {
			t.Errorf("%s declares path parameter %s that its template lacks", name, p)
		}
	}
}

// walkOpenAPI calls fn for every object in v, with its JSON pointer.
func walkOpenAPI(v any, where string, fn func(where string, m map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		fn(where, x)
		for k, child := range x {
			walkOpenAPI(child, where+"/"+strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1"), fn)
		}
	case []any:
		for i, child := range x {
			walkOpenAPI(child, where+"/"+strconv.Itoa(i), fn)
		}
	}
}

// openAPIPointer looks up a local reference such as #/components/schemas/Error.
func openAPIPointer(doc map[string]any, ref string) (any, error) {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, fmt.Errorf("$ref %q is not a local reference", ref)
	}
	var cur any = doc
	for _, tok := range strings.Split(rest, "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("$ref %q: %q is not inside an object", ref, tok)
		}
		if cur, ok = m[tok]; !ok {
			return nil, fmt.Errorf("$ref %q does not resolve: no %q", ref, tok)
		}
	}
	return cur, nil
}

// openAPIResolve follows $ref until it reaches an object without one.
func openAPIResolve(doc map[string]any, v any) (any, error) {
	for range 16 {
		m, ok := v.(map[string]any)
		if !ok {
			return v, nil
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return v, nil
		}
		var err error
		if v, err = openAPIPointer(doc, ref); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("$ref chain too long")
}

// openAPISchemaFields returns a schema's properties and required names, merged over allOf.
func openAPISchemaFields(doc map[string]any, schema any, depth int) (map[string]any, []string, error) {
	if depth > 16 {
		return nil, nil, fmt.Errorf("allOf nested too deep")
	}
	resolved, err := openAPIResolve(doc, schema)
	if err != nil {
		return nil, nil, err
	}
	m, _ := resolved.(map[string]any)
	props := map[string]any{}
	if p, ok := m["properties"].(map[string]any); ok {
		for k, v := range p {
			props[k] = v
		}
	}
	var required []string
	if r, ok := m["required"].([]any); ok {
		for _, name := range r {
			if s, ok := name.(string); ok {
				required = append(required, s)
			}
		}
	}
	if all, ok := m["allOf"].([]any); ok {
		for _, part := range all {
			p, r, err := openAPISchemaFields(doc, part, depth+1)
			if err != nil {
				return nil, nil, err
			}
			for k, v := range p {
				props[k] = v
			}
			required = append(required, r...)
		}
	}
	return props, required, nil
}

func TestOpenAPIDocumentIsServedAsYAML(t *testing.T) {
	s, _ := newTestServer(t, healthySources())
	rec := do(t, s.Handler(), http.MethodGet, "/api/v1/openapi.yaml", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /api/v1/openapi.yaml = %d, want 200", rec.Code)
	}
	ct := rec.Header().Get("Content-Type")
	mediaType, _, err := mime.ParseMediaType(ct)
	if err != nil || !slices.Contains([]string{"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"}, mediaType) {
		t.Errorf("Content-Type = %q, want a YAML media type", ct)
	}
	if !bytes.Equal(rec.Body.Bytes(), openAPIDocument) {
		t.Errorf("GET /api/v1/openapi.yaml served %d bytes that differ from the embedded openapi.yaml (%d bytes)",
			rec.Body.Len(), len(openAPIDocument))
	}
	if len(bytes.TrimSpace(openAPIDocument)) == 0 {
		t.Error("the embedded openapi.yaml is empty")
	}
}

// The conformance test below drives every route through the real handlers with fakes that fill
// every field, and checks each answer against the document: its status code is documented for the
// operation, its Content-Type is a documented media type, and a JSON body matches the documented
// schema (types, required fields, nullability, enums, RFC 3339 UTC timestamps, and no field the
// document does not name). A request body the handler accepts must match the documented request
// schema.

var openAPITime = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

func openAPIMetaTime(d time.Duration) *metav1.Time {
	t := metav1.NewTime(openAPITime.Add(d))
	return &t
}

// openAPIFullIncident has every field set; openAPIBareIncident only what every incident has.
func openAPIFullIncident(id string) *v1alpha1.Incident {
	return &v1alpha1.Incident{
		ObjectMeta: metav1.ObjectMeta{Name: id, CreationTimestamp: metav1.NewTime(openAPITime)},
		Spec: v1alpha1.IncidentSpec{
			Title: "Payment API crashlooping", Description: "payment-api pods restart every minute",
			Severity: v1alpha1.SeverityHigh, Priority: 8, Source: v1alpha1.SourceManual,
			Target:    &v1alpha1.Target{Kind: "Deployment", Namespace: "payments", Name: "payment-api"},
			TargetRef: "deployment/payment-api", ActionType: "restart_pod",
			Labels: map[string]string{"team": "payments"}, AffectedResources: []string{"pod/payment-api-1"},
			CorrelationID: "corr-1", ExternalID: "ext-1", CreatedBy: "mcp", Confidence: 0.9,
			Parameters: &apiextensionsv1.JSON{Raw: []byte(`{"replicas":3,"reason":"crash"}`)},
		},
		Status: v1alpha1.IncidentStatus{
			Phase: v1alpha1.IncidentCompleted, WorkflowRef: "wf-1",
			StartedAt: openAPIMetaTime(time.Minute), CompletedAt: openAPIMetaTime(3 * time.Minute), CancelledBy: "someone",
			Correlations: []v1alpha1.Correlation{{Type: "related", IncidentIDs: []string{"inc-2"}, Score: 0.7,
				CorrelatedBy: "mcp", At: *openAPIMetaTime(2 * time.Minute)}},
		},
	}
}

func openAPIBareIncident(id string) *v1alpha1.Incident {
	return &v1alpha1.Incident{ObjectMeta: metav1.ObjectMeta{Name: id, CreationTimestamp: metav1.NewTime(openAPITime)},
		Spec: v1alpha1.IncidentSpec{Title: "Bare incident", Severity: v1alpha1.SeverityLow, Priority: 2, Source: v1alpha1.SourceWatcher}}
}

func openAPIFullWorkflow(id string) *v1alpha1.RemediationWorkflow {
	return &v1alpha1.RemediationWorkflow{
		ObjectMeta: metav1.ObjectMeta{Name: id, CreationTimestamp: metav1.NewTime(openAPITime)},
		Spec: v1alpha1.RemediationWorkflowSpec{
			IncidentRef: "inc-1", Target: v1alpha1.Target{Kind: "Deployment", Namespace: "payments", Name: "payment-api"},
			Issue:   v1alpha1.Issue{Type: "oom_kill", Description: "OOMKilled", Severity: v1alpha1.SeverityHigh},
			Actions: []v1alpha1.RequestedAction{{Type: "scale_up", Parameters: &apiextensionsv1.JSON{Raw: []byte(`{"replicas":3}`)}}},
			DryRun:  true, Source: v1alpha1.SourceManual, Priority: 8, Confidence: 0.9,
		},
		Status: v1alpha1.RemediationWorkflowStatus{
			Phase: v1alpha1.WorkflowRunning, DeploymentMethod: "argocd", Layers: []string{"platform", "application"},
			Steps: []v1alpha1.Step{
				{Order: 1, Layer: "platform", Action: "raise_memory_limit", Description: "raise the memory limit", Status: "completed",
					StartedAt: openAPIMetaTime(time.Minute), CompletedAt: openAPIMetaTime(2 * time.Minute)},
				{Order: 2, Layer: "application", Description: "roll out", Status: "pending"},
			},
			Checkpoints: []v1alpha1.Checkpoint{{Layer: "platform", AfterStep: 1, Status: "passed", Checks: []string{"pods ready"}},
				{Layer: "application", AfterStep: 2, Status: "pending"}},
			StartedAt: openAPIMetaTime(time.Minute), CompletedAt: openAPIMetaTime(4 * time.Minute), Error: "none",
			Conditions: []metav1.Condition{{Type: v1alpha1.ConditionExecuted, Status: metav1.ConditionTrue, Reason: "Executed",
				Message: "executed", LastTransitionTime: *openAPIMetaTime(time.Minute)}},
		},
	}
}

func openAPIBareWorkflow(id string) *v1alpha1.RemediationWorkflow {
	return &v1alpha1.RemediationWorkflow{ObjectMeta: metav1.ObjectMeta{Name: id, CreationTimestamp: metav1.NewTime(openAPITime)},
		Spec: v1alpha1.RemediationWorkflowSpec{IncidentRef: "inc-2", Issue: v1alpha1.Issue{Type: "pod_crash"}, Source: v1alpha1.SourceWatcher, Priority: 5}}
}

// Fake ids that make the fakes fail.
const (
	openAPIMissingID  = "missing"
	openAPIFinishedID = "finished"
	openAPIDownID     = "kube-down"
	openAPINoCRDID    = "no-crd"
	openAPIKnownExtID = "known"
)

type openAPIIncidents struct{}

func (openAPIIncidents) Create(_ context.Context, n incident.New) (*v1alpha1.Incident, bool, error) {
	if n.ExternalID == openAPIKnownExtID {
		return openAPIFullIncident("inc-1"), false, nil
	}
	return openAPIBareIncident("inc-new"), true, nil
}

func (openAPIIncidents) Get(_ context.Context, id string) (*v1alpha1.Incident, error) {
	switch id {
	case openAPIMissingID:
		return nil, fmt.Errorf("%w: %s", incident.ErrNotFound, id)
	case openAPIDownID:
		return nil, apierrors.NewServiceUnavailable("the API server is shutting down")
	case openAPINoCRDID:
		return nil, &meta.NoKindMatchError{GroupKind: schema.GroupKind{Group: v1alpha1.GroupVersion.Group, Kind: "Incident"}}
	}
	return openAPIFullIncident(id), nil
}

func (openAPIIncidents) List(incident.Filter) incident.Page {
	return incident.Page{Items: []*v1alpha1.Incident{openAPIFullIncident("inc-1"), openAPIBareIncident("inc-2")}, Matched: 2,
		Summary: incident.Summary{Total: 2, Completed: 1, Active: 1, BySeverity: map[string]int{"low": 1, "medium": 0, "high": 1, "critical": 0}}}
}

func (f openAPIIncidents) Update(ctx context.Context, id string, _ incident.Change) (*v1alpha1.Incident, error) {
	return f.Get(ctx, id)
}

func (f openAPIIncidents) Cancel(ctx context.Context, id, by string) (*v1alpha1.Incident, error) {
	if id == openAPIFinishedID {
		return nil, &incident.StateError{ID: id, Message: "is already completed and cannot be cancelled"}
	}
	inc, err := f.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	inc.Status.Phase, inc.Status.CancelledBy = v1alpha1.IncidentCancelled, by
	return inc, nil
}

func (f openAPIIncidents) Correlate(ctx context.Context, id string, _ v1alpha1.Correlation) (*v1alpha1.Incident, error) {
	return f.Get(ctx, id)
}

type openAPIWorkflows struct{}

func (openAPIWorkflows) Get(_ context.Context, id string) (*v1alpha1.RemediationWorkflow, error) {
	if id == openAPIMissingID {
		return nil, fmt.Errorf("%w: %s", workflow.ErrNotFound, id)
	}
	return openAPIFullWorkflow(id), nil
}

func (openAPIWorkflows) List(string, int, int) ([]*v1alpha1.RemediationWorkflow, int, workflow.Counts) {
	return []*v1alpha1.RemediationWorkflow{openAPIFullWorkflow("wf-1"), openAPIBareWorkflow("wf-2")}, 2,
		workflow.Counts{Total: 2, Pending: 1, Running: 1}
}

type openAPIRemediations struct{}

func (openAPIRemediations) Trigger(_ context.Context, t remediation.Trigger) (remediation.Result, error) {
	switch t.IncidentID {
	case openAPIMissingID:
		return remediation.Result{}, fmt.Errorf("%w: %s", incident.ErrNotFound, t.IncidentID)
	case openAPIDownID:
		return remediation.Result{}, apierrors.NewServiceUnavailable("the API server is shutting down")
	}
	return remediation.Result{Workflow: openAPIFullWorkflow("wf-1"), Created: t.IncidentID != "inc-dup"}, nil
}

// openAPIDetector answers detections: a Helm-managed Pod chain, errors for the special names.
type openAPIDetector struct{}

func (openAPIDetector) Resolve(_ context.Context, t v1alpha1.Target) (managedby.Resolution, error) {
	switch t.Name {
	case openAPIMissingID:
		return managedby.Resolution{}, fmt.Errorf("%w: %s", managedby.ErrTargetNotFound, t)
	case openAPIDownID:
		return managedby.Resolution{}, apierrors.NewServiceUnavailable("the API server is shutting down")
	}
	top := managedby.Object{APIVersion: "apps/v1", Kind: t.Kind, Namespace: t.Namespace, Name: t.Name}
	return managedby.Resolution{
		Result: managedby.Result{Method: managedby.Helm, Confidence: 0.95,
			Evidence: []managedby.Evidence{
				{Kind: managedby.EvidenceAnnotation, Detail: "annotation meta.helm.sh/release-name", Method: managedby.Helm},
				{Kind: managedby.EvidenceGap, Detail: "cannot read something"},
			},
			Details: map[string]string{managedby.DetailHelmRelease: "shop", managedby.DetailHelmRevision: "2"}},
		Target: top, Workload: top, Top: top,
		Chain:      []managedby.Owner{{APIVersion: "example.com/v1", Kind: "Widget", Name: "w", Controller: true, IsCustomResource: true}},
		DetectedAt: openAPITime,
	}, nil
}

type openAPICase struct {
	name, method, path, body string
	src                      func(*fakeSources)
	wantCode                 int
}

var openAPIConformanceCases = []openAPICase{
	{name: "health", method: http.MethodGet, path: "/health", wantCode: 200},
	{name: "healthz", method: http.MethodGet, path: "/healthz", wantCode: 200},
	{name: "ready", method: http.MethodGet, path: "/readyz", wantCode: 200},
	{name: "not ready", method: http.MethodGet, path: "/readyz", wantCode: 503, src: func(f *fakeSources) {
		f.ready = Readiness{Checks: map[string]ReadinessCheck{"kubernetes": {Message: "refused"}}}
	}},
	{name: "metrics", method: http.MethodGet, path: "/metrics", wantCode: 200},
	{name: "deep health", method: http.MethodGet, path: "/api/v1/health", wantCode: 200},
	{name: "deep health missing permission", method: http.MethodGet, path: "/api/v1/health", wantCode: 200, src: func(f *fakeSources) {
		f.deep.RBAC = &permissions.Report{Checked: 6, CheckedAt: openAPITime,
			Missing: []permissions.Requirement{{Feature: "events", Verb: "create", Resource: "events", Subresource: "x", Namespaced: true}}}
	}},
	{name: "deep health unhealthy", method: http.MethodGet, path: "/api/v1/health", wantCode: 503, src: func(f *fakeSources) {
		f.deep.CanAct, f.deep.Platform, f.deep.RBAC = false, nil, nil
	}},
	{name: "status", method: http.MethodGet, path: "/api/v1/status", wantCode: 200, src: func(f *fakeSources) {
		f.status.ByLayer = map[string]int{"infrastructure": 0, "platform": 1, "application": 0}
	}},
	{name: "status before discovery", method: http.MethodGet, path: "/api/v1/status", wantCode: 200, src: func(f *fakeSources) {
		f.status.Platform, f.status.ByLayer = nil, map[string]int{}
	}},
	{name: "cluster status", method: http.MethodGet, path: "/api/v1/cluster/status", wantCode: 200},
	{name: "openapi", method: http.MethodGet, path: "/api/v1/openapi.yaml", wantCode: 200},

	{name: "list incidents", method: http.MethodGet, path: "/api/v1/incidents?status=all&severity=all&limit=100&offset=0", wantCode: 200},
	{name: "list incidents bad limit", method: http.MethodGet, path: "/api/v1/incidents?limit=0", wantCode: 400},
	{name: "anomalies", method: http.MethodGet, path: "/api/v1/anomalies?status=active", wantCode: 200},
	{name: "create incident", method: http.MethodPost, path: "/api/v1/incidents", wantCode: 201,
		body: `{"title":"Payment API down","description":"payment-api answers 503 since 10:00","severity":"critical","target":"deployment/payment-api","source":"mcp","labels":{"team":"payments"},"affectedResources":["pod/a"],"correlationId":"c-9","createdBy":"mcp","confidence":0.8,"parameters":{"x":1}}`},
	{name: "create incident snake_case", method: http.MethodPost, path: "/api/v1/incidents", wantCode: 201,
		body: `{"title":"Payment API down","description":"payment-api answers 503 since 10:00","severity":"low","affected_resources":["pod/a"],"correlation_id":"c-9","external_id":"e-9","created_by":"nb"}`},
	{name: "create incident duplicate", method: http.MethodPost, path: "/api/v1/incidents", wantCode: 201,
		body: `{"title":"Payment API down","description":"payment-api answers 503 since 10:00","severity":"high","externalId":"known"}`},
	{name: "create incident missing title", method: http.MethodPost, path: "/api/v1/incidents", wantCode: 400, body: `{"description":"0123456789","severity":"low"}`},
	{name: "create incident too large", method: http.MethodPost, path: "/api/v1/incidents", wantCode: 413,
		body: `{"title":"Payment API down","severity":"low","description":"` + strings.Repeat("x", 2048) + `"}`},
	{name: "get incident", method: http.MethodGet, path: "/api/v1/incidents/inc-1", wantCode: 200},
	{name: "get incident bad id", method: http.MethodGet, path: "/api/v1/incidents/Not_A_Name", wantCode: 400},
	{name: "get incident unknown", method: http.MethodGet, path: "/api/v1/incidents/" + openAPIMissingID, wantCode: 404},
	{name: "get incident kube down", method: http.MethodGet, path: "/api/v1/incidents/" + openAPIDownID, wantCode: 503},
	{name: "get incident no CRD", method: http.MethodGet, path: "/api/v1/incidents/" + openAPINoCRDID, wantCode: 503},
	{name: "update incident", method: http.MethodPut, path: "/api/v1/incidents/inc-1", wantCode: 200,
		body: `{"title":"New title","severity":"medium","labels":{"a":"b"},"affectedResources":["pod/x"],"status":"resolved"}`},
	{name: "update incident nothing", method: http.MethodPut, path: "/api/v1/incidents/inc-1", wantCode: 400, body: `{}`},
	{name: "update incident unknown", method: http.MethodPut, path: "/api/v1/incidents/" + openAPIMissingID, wantCode: 404, body: `{"status":"open"}`},
	{name: "cancel incident", method: http.MethodDelete, path: "/api/v1/incidents/inc-1", wantCode: 200, body: `{"cancelledBy":"alice"}`},
	{name: "cancel incident without body", method: http.MethodDelete, path: "/api/v1/incidents/inc-1", wantCode: 200},
	{name: "cancel finished incident", method: http.MethodDelete, path: "/api/v1/incidents/" + openAPIFinishedID, wantCode: 409},
	{name: "correlate incident", method: http.MethodPost, path: "/api/v1/incidents/inc-1/correlate", wantCode: 200,
		body: `{"type":"root_cause","relatedIncidents":["inc-2"],"score":0.5,"correlatedBy":"mcp"}`},
	{name: "correlate incident missing type", method: http.MethodPost, path: "/api/v1/incidents/inc-1/correlate", wantCode: 400, body: `{"relatedIncidents":["inc-2"]}`},

	{name: "trigger MCP form", method: http.MethodPost, path: "/api/v1/remediation/trigger", wantCode: 202,
		body: `{"incident_id":"inc-1","namespace":"payments","resource":{"kind":"Deployment","name":"payment-api"},"issue":{"type":"oom_kill","description":"OOMKilled","severity":"high"},"dry_run":true}`},
	{name: "trigger MCP form duplicate", method: http.MethodPost, path: "/api/v1/remediation/trigger", wantCode: 202,
		body: `{"incident_id":"inc-dup","namespace":"payments","resource":{"kind":"Pod","name":"p"},"issue":{"type":"CrashLoopBackOff"}}`},
	{name: "trigger Python form", method: http.MethodPost, path: "/api/v1/remediation/trigger", wantCode: 200,
		body: `{"incidentId":"inc-1","action":"scale_deployment","parameters":{"deployment":"payment-api","namespace":"payments","replicas":3},"priority":8,"confidence":0.9,"dryRun":false}`},
	{name: "trigger unknown incident", method: http.MethodPost, path: "/api/v1/remediation/trigger", wantCode: 404,
		body: `{"incident_id":"missing","namespace":"payments","resource":{"kind":"Deployment","name":"payment-api"},"issue":{"type":"high_cpu"}}`},
	{name: "trigger kube down", method: http.MethodPost, path: "/api/v1/remediation/trigger", wantCode: 503,
		body: `{"incident_id":"kube-down","namespace":"payments","resource":{"kind":"Deployment","name":"payment-api"},"issue":{"type":"high_cpu"}}`},
	{name: "trigger bad kind", method: http.MethodPost, path: "/api/v1/remediation/trigger", wantCode: 400,
		body: `{"namespace":"payments","resource":{"kind":"CronJob","name":"x"},"issue":{"type":"high_cpu"}}`},
	{name: "remediate", method: http.MethodPost, path: "/api/v1/remediate", wantCode: 200,
		body: `{"incident_id":"inc-1","action":"restart_pod","parameters":{"pod":"payment-api-1","namespace":"payments"},"dry_run":true}`},
	{name: "remediate missing action", method: http.MethodPost, path: "/api/v1/remediate", wantCode: 400, body: `{"incidentId":"inc-1"}`},

	{name: "list workflows", method: http.MethodGet, path: "/api/v1/workflows?incident_id=inc-1&limit=5&offset=0", wantCode: 200},
	{name: "list workflows bad offset", method: http.MethodGet, path: "/api/v1/workflows?offset=-1", wantCode: 400},
	{name: "workflow queue", method: http.MethodGet, path: "/api/v1/workflows/queue", wantCode: 200},
	{name: "get workflow", method: http.MethodGet, path: "/api/v1/workflows/wf-1", wantCode: 200},
	{name: "get workflow unknown", method: http.MethodGet, path: "/api/v1/workflows/" + openAPIMissingID, wantCode: 404},
	{name: "legacy actions", method: http.MethodGet, path: "/actions", wantCode: 200},
	{name: "actions", method: http.MethodGet, path: "/api/v1/actions?limit=10", wantCode: 200},
	{name: "action status", method: http.MethodGet, path: "/api/v1/actions/wf-1/status", wantCode: 200},
	{name: "action status unknown", method: http.MethodGet, path: "/api/v1/actions/" + openAPIMissingID + "/status", wantCode: 404},

	{name: "detect deployment", method: http.MethodGet, path: "/api/v1/detect/deployment/shop/web", wantCode: 200},
	{name: "detect statefulset", method: http.MethodGet, path: "/api/v1/detect/statefulset/shop/db", wantCode: 200},
	{name: "detect daemonset", method: http.MethodGet, path: "/api/v1/detect/daemonset/shop/agent", wantCode: 200},
	{name: "detect unknown deployment", method: http.MethodGet, path: "/api/v1/detect/deployment/shop/" + openAPIMissingID, wantCode: 404},
	{name: "detect bad namespace", method: http.MethodGet, path: "/api/v1/detect/deployment/Bad_NS/web", wantCode: 400},
	{name: "detect bad name", method: http.MethodGet, path: "/api/v1/detect/statefulset/shop/Web_1", wantCode: 400},
	{name: "detect kube down", method: http.MethodGet, path: "/api/v1/detect/daemonset/shop/" + openAPIDownID, wantCode: 503},
}

// openAPISources are healthySources completed the way the engine fills them (a discovery with its
// APIs and time, a dated permission check).
func openAPISources() *fakeSources {
	src := healthySources()
	info := &platform.Info{Platform: platform.OpenShift, KubernetesVersion: "v1.32.5", OpenShiftVersion: "4.19.7",
		OpenShiftDesiredVersion: "4.19.8", Upgrading: true, Supported: true, SupportMessage: "tested",
		APIs: map[string]bool{"argocd_applications": true}, DiscoveredAt: openAPITime}
	src.deep.Platform, src.status.Platform = info, info
	src.deep.RBAC = &permissions.Report{Checked: 6, Missing: []permissions.Requirement{}, CheckedAt: openAPITime}
	for name, r := range src.deep.Dependencies {
		r.Message, r.LatencyMS, r.CheckedAt = "checked", 1.5, openAPITime
		src.deep.Dependencies[name] = r
	}
	return src
}

func newOpenAPIConformanceServer(t *testing.T, src *fakeSources) *Server {
	t.Helper()
	reg := prometheus.NewRegistry()
	s := New(Options{Version: "test", MaxBodyBytes: 1024},
		Deps{Health: src, Status: src, Incidents: openAPIIncidents{}, Workflows: openAPIWorkflows{}, Remediations: openAPIRemediations{},
			Detector: openAPIDetector{}, Gatherer: reg, Registerer: reg}, logr.Discard())
	s.now = func() time.Time { return time.Date(2026, 11, 25, 10, 5, 0, 0, time.UTC) }
	return s
}

func TestOpenAPIDocumentMatchesTheAnswers(t *testing.T) {
	doc := loadOpenAPIDocument(t)
	ops := map[string]openAPIOperation{}
	for _, o := range openAPIOperations(t, doc) {
		ops[o.method+" "+o.path] = o
	}
	v := openAPIValidator{doc: doc}
	covered := map[string]bool{}
	for _, tc := range openAPIConformanceCases {
		t.Run(tc.name, func(t *testing.T) {
			src := openAPISources()
			if tc.src != nil {
				tc.src(src)
			}
			s := newOpenAPIConformanceServer(t, src)
			req := httptest.NewRequestWithContext(t.Context(), tc.method, tc.path, strings.NewReader(tc.body))
			_, pattern := s.mux.Handler(req)
			o, ok := ops[pattern]
			if !ok {
				t.Fatalf("%s %s is served by %q, which the document lacks", tc.method, tc.path, pattern)
			}
			covered[pattern] = true
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			if rec.Code != tc.wantCode {
				t.Fatalf("%s %s = %d %s, want %d", tc.method, tc.path, rec.Code, rec.Body.String(), tc.wantCode)
			}
			v.checkRequest(t, o, tc.body, rec.Code)
			v.checkAnswer(t, o, rec)
		})
	}
	for _, rt := range newOpenAPIConformanceServer(t, openAPISources()).Routes() {
		if key := rt.Method + " " + rt.Path; !covered[key] {
			t.Run("uncovered "+key, func(t *testing.T) {
				t.Skipf("no case in openAPIConformanceCases exercises %s; add one to check its answers against openapi.yaml", key)
			})
		}
	}
}

// openAPIValidator checks JSON values against the document's schemas (the subset of OpenAPI 3.0
// the document uses).
type openAPIValidator struct{ doc map[string]any }

func (v openAPIValidator) checkRequest(t *testing.T, o openAPIOperation, body string, code int) {
	t.Helper()
	if body == "" || code >= 300 {
		return
	}
	rb, err := openAPIResolve(v.doc, o.op["requestBody"])
	media, _ := openAPIDig(rb, "content", "application/json").(map[string]any)
	if err != nil || media == nil {
		t.Fatalf("%s %s accepted a JSON body that the document does not describe", o.method, o.path)
	}
	var value any
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&value); err != nil {
		t.Fatalf("request body: %v", err)
	}
	for _, problem := range v.validate(media["schema"], value, "request") {
		t.Errorf("%s %s: the handler accepted a request the document rejects: %s", o.method, o.path, problem)
	}
}

func (v openAPIValidator) checkAnswer(t *testing.T, o openAPIOperation, rec *httptest.ResponseRecorder) {
	t.Helper()
	code := strconv.Itoa(rec.Code)
	raw, ok := openAPIDig(o.op, "responses", code).(map[string]any)
	if !ok {
		t.Fatalf("%s %s answered %d, which the document does not list for it", o.method, o.path, rec.Code)
	}
	resp, err := openAPIResolve(v.doc, raw)
	if err != nil {
		t.Fatal(err)
	}
	content, _ := openAPIDig(resp, "content").(map[string]any)
	mediaType, _, _ := mime.ParseMediaType(rec.Header().Get("Content-Type"))
	media, ok := content[mediaType].(map[string]any)
	if !ok {
		t.Fatalf("%s %s answered %d with Content-Type %q; the document lists %v", o.method, o.path, rec.Code,
			rec.Header().Get("Content-Type"), slices.Sorted(mapKeys(content)))
	}
	if mediaType != "application/json" {
		return
	}
	var value any
	dec := json.NewDecoder(rec.Body)
	dec.UseNumber()
	if err := dec.Decode(&value); err != nil {
		t.Fatalf("answer body: %v", err)
	}
	for _, problem := range v.validate(media["schema"], value, "body") {
		t.Errorf("%s %s answered %d with a body the document does not describe: %s", o.method, o.path, rec.Code, problem)
	}
}

func openAPIDig(v any, keys ...string) any {
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}

// validate returns what is wrong with value under schema, one line per problem.
func (v openAPIValidator) validate(schemaRaw, value any, where string) []string {
	resolved, err := openAPIResolve(v.doc, schemaRaw)
	if err != nil {
		return []string{where + ": " + err.Error()}
	}
	s, _ := resolved.(map[string]any)
	if value == nil {
		if s["nullable"] == true || len(s) == 0 || (s["type"] == nil && s["allOf"] == nil && s["properties"] == nil) {
			return nil
		}
		return []string{where + " is null but not nullable"}
	}
	var problems []string
	for _, part := range openAPIList(s["allOf"]) {
		problems = append(problems, v.validate(part, value, where)...)
	}
	for _, key := range []string{"anyOf", "oneOf"} {
		if alts := openAPIList(s[key]); len(alts) > 0 {
			matched := false
			for _, alt := range alts {
				if len(v.validate(alt, value, where)) == 0 {
					matched = true
					break
				}
			}
			if !matched {
				problems = append(problems, fmt.Sprintf("%s matches none of its %s schemas", where, key))
			}
		}
	}
	switch s["type"] {
	case "object":
		obj, ok := value.(map[string]any)
		if !ok {
			return append(problems, fmt.Sprintf("%s = %v, want an object", where, value))
		}
		for _, r := range openAPIList(s["required"]) {
			if _, ok := obj[r.(string)]; !ok {
				problems = append(problems, fmt.Sprintf("%s lacks required field %s", where, r))
			}
		}
		props, _ := s["properties"].(map[string]any)
		for _, k := range slices.Sorted(mapKeys(obj)) {
			switch ps, ok := props[k]; {
			case ok:
				problems = append(problems, v.validate(ps, obj[k], where+"."+k)...)
			case s["additionalProperties"] != nil && s["additionalProperties"] != false && s["additionalProperties"] != true:
				problems = append(problems, v.validate(s["additionalProperties"], obj[k], where+"."+k)...)
			case props != nil && s["additionalProperties"] == nil:
				problems = append(problems, fmt.Sprintf("%s has field %s that the document does not name", where, k))
			}
		}
	case "array":
		arr, ok := value.([]any)
		if !ok {
			return append(problems, fmt.Sprintf("%s = %v, want an array", where, value))
		}
		for i, item := range arr {
			problems = append(problems, v.validate(s["items"], item, fmt.Sprintf("%s[%d]", where, i))...)
		}
	case "string":
		str, ok := value.(string)
		if !ok {
			return append(problems, fmt.Sprintf("%s = %v, want a string", where, value))
		}
		if s["format"] == "date-time" {
			if ts, err := time.Parse(time.RFC3339, str); err != nil || !strings.HasSuffix(str, "Z") || ts.IsZero() {
				problems = append(problems, fmt.Sprintf("%s = %q, want an RFC 3339 UTC timestamp", where, str))
			}
		}
	case "integer":
		n, ok := value.(json.Number)
		if _, err := n.Int64(); !ok || err != nil {
			return append(problems, fmt.Sprintf("%s = %v, want an integer", where, value))
		}
	case "number":
		if _, ok := value.(json.Number); !ok {
			return append(problems, fmt.Sprintf("%s = %v, want a number", where, value))
		}
	case "boolean":
		if _, ok := value.(bool); !ok {
			return append(problems, fmt.Sprintf("%s = %v, want a boolean", where, value))
		}
	}
	if enum := openAPIList(s["enum"]); len(enum) > 0 && !slices.ContainsFunc(enum, func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(value) }) {
		problems = append(problems, fmt.Sprintf("%s = %v, not one of %v", where, value, enum))
	}
	return problems
}

func openAPIList(v any) []any {
	l, _ := v.([]any)
	return l
}
