package engine

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/config"
)

// stored counts the Incidents and RemediationWorkflows the API server holds in ns, and the
// resourceVersions of the incidents, so a test can prove a request changed nothing.
func stored(t *testing.T, ns string) string {
	t.Helper()
	s := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(env.Config, client.Options{Scheme: s})
	if err != nil {
		t.Fatal(err)
	}
	var incs v1alpha1.IncidentList
	var wfs v1alpha1.RemediationWorkflowList
	if err := c.List(t.Context(), &incs, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	if err := c.List(t.Context(), &wfs, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	out := fmt.Sprintf("%d incidents, %d workflows:", len(incs.Items), len(wfs.Items))
	for _, i := range incs.Items {
		out += " " + i.Name + "@" + i.ResourceVersion
	}
	return out
}

func TestBadRequestsGetAFieldNamedErrorAndChangeNothing(t *testing.T) {
	e := startEngine(t, func(o *config.Options) { o.MaxRequestBodyBytes = 4096 })
	var inc created
	e.mustDo(http.MethodPost, "/api/v1/incidents", mcpIncident("Existing incident here", "low", ""), http.StatusCreated, &inc)
	id := inc.IncidentID
	ok := mcpIncident("Valid title", "high", "")
	trig := func(s string) string { return s }
	big := `{"title":"` + strings.Repeat("x", 5000) + `"}`

	tests := []struct {
		name      string
		method    string
		path      string
		body      string
		wantCode  int
		wantField string
	}{
		// POST /api/v1/incidents
		{"empty body", "POST", "/api/v1/incidents", "", 400, ""},
		{"malformed JSON", "POST", "/api/v1/incidents", `{"title":`, 400, ""},
		{"not JSON at all", "POST", "/api/v1/incidents", `title=x`, 400, ""},
		{"an array instead of an object", "POST", "/api/v1/incidents", `[` + ok + `]`, 400, ""},
		{"trailing garbage", "POST", "/api/v1/incidents", ok + `{}`, 400, ""},
		{"missing title", "POST", "/api/v1/incidents", `{"description":"long enough text","severity":"high"}`, 400, "title"},
		{"missing description", "POST", "/api/v1/incidents", `{"title":"A title","severity":"high"}`, 400, "description"},
		{"missing severity", "POST", "/api/v1/incidents", `{"title":"A title","description":"long enough text"}`, 400, "severity"},
		{"title too short", "POST", "/api/v1/incidents", `{"title":"abc","description":"long enough text","severity":"high"}`, 400, "title"},
		{"description too short", "POST", "/api/v1/incidents", `{"title":"A title","description":"short","severity":"high"}`, 400, "description"},
		{"unknown severity", "POST", "/api/v1/incidents", `{"title":"A title","description":"long enough text","severity":"urgent"}`, 400, "severity"},
		{"title of the wrong type", "POST", "/api/v1/incidents", `{"title":42,"description":"long enough text","severity":"high"}`, 400, "title"},
		{"severity of the wrong type", "POST", "/api/v1/incidents", `{"title":"A title","description":"long enough text","severity":["high"]}`, 400, "severity"},
		{"confidence above 1", "POST", "/api/v1/incidents", `{"title":"A title","description":"long enough text","severity":"high","confidence":1.5}`, 400, "confidence"},
		{"confidence as a string", "POST", "/api/v1/incidents", `{"title":"A title","description":"long enough text","severity":"high","confidence":"0.9"}`, 400, "confidence"},
		{"labels not an object", "POST", "/api/v1/incidents", `{"title":"A title","description":"long enough text","severity":"high","labels":["a"]}`, 400, "labels"},
		{"label value not a string", "POST", "/api/v1/incidents", `{"title":"A title","description":"long enough text","severity":"high","labels":{"a":1}}`, 400, "labels"},
		{"affectedResources not strings", "POST", "/api/v1/incidents", `{"title":"A title","description":"long enough text","severity":"high","affectedResources":[1]}`, 400, "affectedResources"},
		{"parameters not an object", "POST", "/api/v1/incidents", `{"title":"A title","description":"long enough text","severity":"high","parameters":[1,2]}`, 400, "parameters"},
		{"unknown source", "POST", "/api/v1/incidents", `{"title":"A title","description":"long enough text","severity":"high","source":"ouija"}`, 400, "source"},
		{"externalId too long", "POST", "/api/v1/incidents", `{"title":"A title","description":"long enough text","severity":"high","externalId":"` + strings.Repeat("e", 300) + `"}`, 400, "externalId"},
		{"body over the limit", "POST", "/api/v1/incidents", big, 413, ""},
		// PUT /api/v1/incidents/{id}
		{"update with nothing to change", "PUT", "/api/v1/incidents/" + id, `{}`, 400, ""},
		{"update to an unknown status", "PUT", "/api/v1/incidents/" + id, `{"status":"exploded"}`, 400, "status"},
		{"update with a short title", "PUT", "/api/v1/incidents/" + id, `{"title":"ab"}`, 400, "title"},
		{"update with a bad severity", "PUT", "/api/v1/incidents/" + id, `{"severity":"meh"}`, 400, "severity"},
		{"update of an invalid id", "PUT", "/api/v1/incidents/Not_A_Name", `{"severity":"low"}`, 400, "id"},
		{"update of an unknown id", "PUT", "/api/v1/incidents/inc-unknown", `{"severity":"low"}`, 404, ""},
		// DELETE and correlate
		{"cancel with a malformed body", "DELETE", "/api/v1/incidents/" + id, `{"cancelledBy":`, 400, ""},
		{"cancel with cancelledBy of the wrong type", "DELETE", "/api/v1/incidents/" + id, `{"cancelledBy":7}`, 400, "cancelledBy"},
		{"correlate without type", "POST", "/api/v1/incidents/" + id + "/correlate", `{"relatedIncidents":["inc-x"]}`, 400, "type"},
		{"correlate with an unknown type", "POST", "/api/v1/incidents/" + id + "/correlate", `{"type":"cousin","relatedIncidents":["inc-x"]}`, 400, "type"},
		{"correlate without related incidents", "POST", "/api/v1/incidents/" + id + "/correlate", `{"type":"related"}`, 400, "relatedIncidents"},
		{"correlate with an invalid related id", "POST", "/api/v1/incidents/" + id + "/correlate", `{"type":"related","relatedIncidents":["NOPE!"]}`, 400, "relatedIncidents[0]"},
		{"correlate with an unknown related id", "POST", "/api/v1/incidents/" + id + "/correlate", `{"type":"related","relatedIncidents":["inc-absent"]}`, 400, "relatedIncidents[0]"},
		{"correlate with itself", "POST", "/api/v1/incidents/" + id + "/correlate", `{"type":"related","relatedIncidents":["` + id + `"]}`, 400, "relatedIncidents[0]"},
		{"correlate with a score above 1", "POST", "/api/v1/incidents/" + id + "/correlate", `{"type":"related","relatedIncidents":["inc-x"],"score":7}`, 400, "score"},
		// GET lists
		{"list with an unknown status", "GET", "/api/v1/incidents?status=sleeping", "", 400, "status"},
		{"list with an unknown severity", "GET", "/api/v1/incidents?severity=mild", "", 400, "severity"},
		{"list with limit 0", "GET", "/api/v1/incidents?limit=0", "", 400, "limit"},
		{"list with limit 1001", "GET", "/api/v1/incidents?limit=1001", "", 400, "limit"},
		{"list with a negative offset", "GET", "/api/v1/incidents?offset=-1", "", 400, "offset"},
		{"list with a non-numeric limit", "GET", "/api/v1/incidents?limit=ten", "", 400, "limit"},
		{"workflows with an invalid incident id", "GET", "/api/v1/workflows?incident_id=NOT%20VALID", "", 400, "incident_id"},
		// POST /api/v1/remediation/trigger (MCP form)
		{"trigger without namespace", "POST", "/api/v1/remediation/trigger", trig(`{"resource":{"kind":"Deployment","name":"a"},"issue":{"type":"pod_crash"}}`), 400, "namespace"},
		{"trigger with an invalid namespace", "POST", "/api/v1/remediation/trigger", `{"namespace":"Bad NS","resource":{"kind":"Deployment","name":"a"},"issue":{"type":"pod_crash"}}`, 400, "namespace"},
		{"trigger without resource", "POST", "/api/v1/remediation/trigger", `{"namespace":"a","issue":{"type":"pod_crash"}}`, 400, "resource"},
		{"trigger with an unsupported kind", "POST", "/api/v1/remediation/trigger", `{"namespace":"a","resource":{"kind":"CronJob","name":"a"},"issue":{"type":"pod_crash"}}`, 400, "resource.kind"},
		{"trigger with an invalid name", "POST", "/api/v1/remediation/trigger", `{"namespace":"a","resource":{"kind":"Pod","name":"UPPER"},"issue":{"type":"pod_crash"}}`, 400, "resource.name"},
		{"trigger without issue type", "POST", "/api/v1/remediation/trigger", `{"namespace":"a","resource":{"kind":"Pod","name":"p"},"issue":{}}`, 400, "issue.type"},
		{"trigger with an unknown issue type", "POST", "/api/v1/remediation/trigger", `{"namespace":"a","resource":{"kind":"Pod","name":"p"},"issue":{"type":"gremlins"}}`, 400, "issue.type"},
		{"trigger with a bad issue severity", "POST", "/api/v1/remediation/trigger", `{"namespace":"a","resource":{"kind":"Pod","name":"p"},"issue":{"type":"oom_kill","severity":"huge"}}`, 400, "issue.severity"},
		{"trigger with dry_run as a string", "POST", "/api/v1/remediation/trigger", `{"namespace":"a","resource":{"kind":"Pod","name":"p"},"issue":{"type":"oom_kill"},"dry_run":"yes"}`, 400, "dry_run"},
		{"trigger with an invalid incident id", "POST", "/api/v1/remediation/trigger", `{"incident_id":"no spaces please","namespace":"a","resource":{"kind":"Pod","name":"p"},"issue":{"type":"oom_kill"}}`, 400, "incident_id"},
		// Python-era form
		{"remediate without action", "POST", "/api/v1/remediate", `{"incidentId":"` + id + `"}`, 400, "action"},
		{"remediate with an unknown action", "POST", "/api/v1/remediate", `{"incidentId":"` + id + `","action":"reboot_universe"}`, 400, "action"},
		{"remediate without incidentId", "POST", "/api/v1/remediate", `{"action":"scale_up"}`, 400, "incidentId"},
		{"remediate with priority 11", "POST", "/api/v1/remediate", `{"incidentId":"` + id + `","action":"scale_up","priority":11}`, 400, "priority"},
		{"remediate with a nested parameter", "POST", "/api/v1/remediate", `{"incidentId":"` + id + `","action":"scale_up","parameters":{"x":{"y":1}}}`, 400, "parameters.x"},
		{"remediate with an invalid deployment name", "POST", "/api/v1/remediate", `{"incidentId":"` + id + `","action":"scale_up","parameters":{"deployment":"Bad_Name"}}`, 400, "parameters.deployment"},
		// Routing
		{"unknown route", "GET", "/api/v1/incidentz", "", 404, ""},
		{"wrong method", "PATCH", "/api/v1/incidents/" + id, `{}`, 405, ""},
	}
	if len(tests) < 40 {
		t.Fatalf("only %d bad requests; the issue asks for at least 40", len(tests))
	}
	before := stored(t, e.namespace)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, raw := e.do(tt.method, tt.path, tt.body, nil)
			if code != tt.wantCode {
				t.Fatalf("%s %s = %d, want %d; body %s", tt.method, tt.path, code, tt.wantCode, raw)
			}
			var body struct {
				Error string `json:"error"`
				Field string `json:"field"`
			}
			if err := json.Unmarshal([]byte(raw), &body); err != nil || body.Error == "" {
				t.Fatalf("body %q is not a JSON error: %v", raw, err)
			}
			if body.Field != tt.wantField {
				t.Errorf("field = %q, want %q (error %q)", body.Field, tt.wantField, body.Error)
			}
		})
	}
	if after := stored(t, e.namespace); after != before {
		t.Errorf("bad requests changed the stored objects:\nbefore %s\nafter  %s", before, after)
	}
}
