package engine

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// alertmanagerBody is Alertmanager's webhook payload (version 4) with one alert.
func alertmanagerBody(status, fingerprint, labels string) string {
	ends := "0001-01-01T00:00:00Z"
	if status == "resolved" {
		ends = "2026-11-26T09:05:00Z"
	}
	return fmt.Sprintf(`{"version":"4","groupKey":"{}:{alertname=\"x\"}","truncatedAlerts":0,"status":%q,"receiver":"coordination-engine",
"groupLabels":{},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://alertmanager.example:9093",
"alerts":[{"status":%q,"labels":{%s},"annotations":{"summary":"web keeps crashing","description":"Pod web-1 restarted 6 times in 10 minutes."},
"startsAt":"2026-11-26T09:00:00Z","endsAt":%q,"generatorURL":"http://prometheus.example:9090/graph","fingerprint":%q}]}`,
		status, status, labels, ends, fingerprint)
}

type alertReceipt struct {
	Received  int `json:"received"`
	Opened    int `json:"opened"`
	Updated   int `json:"updated"`
	Resolved  int `json:"resolved"`
	Incidents []struct {
		Fingerprint string `json:"fingerprint"`
		Incident    string `json:"incident_id"`
		Action      string `json:"action"`
		Mode        string `json:"mode"`
		Workflow    string `json:"workflow_id"`
		Note        string `json:"note"`
	} `json:"incidents"`
}

func TestAnAlertOpensAndThenClosesItsIncident(t *testing.T) {
	e := startEngine(t)
	ns := env.Namespace(t)
	labels := fmt.Sprintf(`"alertname":"KubePodNotReady","namespace":%q,"pod":"web-1","severity":"warning"`, ns)

	var opened alertReceipt
	e.mustDo(http.MethodPost, "/api/v1/alerts", alertmanagerBody("firing", "a1b2c3", labels), http.StatusOK, &opened)
	if opened.Received != 1 || opened.Opened != 1 || len(opened.Incidents) != 1 || opened.Incidents[0].Incident == "" {
		t.Fatalf("firing receipt = %+v, want one incident opened", opened)
	}
	id := opened.Incidents[0].Incident
	if opened.Incidents[0].Mode != "incident" || opened.Incidents[0].Workflow != "" {
		t.Errorf("KubePodNotReady = %+v, want an incident only (the engine has no action for it)", opened.Incidents[0])
	}
	var inc struct {
		Source     string `json:"source"`
		ExternalID string `json:"external_id"`
		Severity   string `json:"severity"`
		Target     string `json:"target"`
		Title      string `json:"title"`
	}
	e.mustDo(http.MethodGet, "/api/v1/incidents/"+id, "", http.StatusOK, &inc)
	if inc.Source != "alert" || inc.ExternalID != "alertmanager:a1b2c3" || inc.Severity != "medium" || inc.Target != "Pod/"+ns+"/web-1" {
		t.Errorf("incident = %+v, want source alert, external id by fingerprint, medium, on the pod", inc)
	}

	var again alertReceipt
	e.mustDo(http.MethodPost, "/api/v1/alerts", alertmanagerBody("firing", "a1b2c3", labels), http.StatusOK, &again)
	if again.Updated != 1 || again.Incidents[0].Incident != id {
		t.Errorf("the same alert again = %+v, want incident %s updated", again, id)
	}

	var resolved alertReceipt
	e.mustDo(http.MethodPost, "/api/v1/alerts", alertmanagerBody("resolved", "a1b2c3", labels), http.StatusOK, &resolved)
	if resolved.Resolved != 1 || resolved.Incidents[0].Incident != id {
		t.Fatalf("resolved receipt = %+v, want incident %s resolved", resolved, id)
	}
	e.waitIncident(id, func(i incidentView) bool { return i.Status == "completed" })
}

func TestAFiringAlertWithAnActionStartsAWorkflow(t *testing.T) {
	e, _, ns := engineWithWeb(t)
	labels := fmt.Sprintf(`"alertname":"KubePodCrashLooping","namespace":%q,"deployment":"web","severity":"critical"`, ns)
	var got alertReceipt
	e.mustDo(http.MethodPost, "/api/v1/alerts", alertmanagerBody("firing", "d4e5f6", labels), http.StatusOK, &got)
	if len(got.Incidents) != 1 || got.Incidents[0].Mode != "automatic" || got.Incidents[0].Workflow == "" {
		t.Fatalf("receipt = %+v, want an automatic workflow for a crash-looping Deployment", got)
	}
	var wf struct {
		Target struct {
			Kind string `json:"kind"`
			Name string `json:"name"`
		} `json:"target"`
		Source string `json:"source"`
	}
	e.mustDo(http.MethodGet, "/api/v1/workflows/"+got.Incidents[0].Workflow, "", http.StatusOK, &wf)
	if wf.Source != "alert" {
		t.Errorf("workflow source = %q, want alert", wf.Source)
	}
}

func TestABadAlertPayloadIsA400NamingTheField(t *testing.T) {
	e := startEngine(t)
	tests := []struct {
		name, body, field string
	}{
		{"another version", strings.Replace(alertmanagerBody("firing", "f1", `"alertname":"X"`), `"version":"4"`, `"version":"3"`, 1), "version"},
		{"no fingerprint", alertmanagerBody("firing", "", `"alertname":"X"`), "alerts[0].fingerprint"},
		{"no alert name", alertmanagerBody("firing", "f1", `"severity":"critical"`), "alerts[0].labels.alertname"},
		{"a bad status", strings.Replace(alertmanagerBody("firing", "f1", `"alertname":"X"`), `"status":"firing","labels"`, `"status":"burning","labels"`, 1), "alerts[0].status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body struct {
				Error string `json:"error"`
				Field string `json:"field"`
			}
			e.mustDo(http.MethodPost, "/api/v1/alerts", tt.body, http.StatusBadRequest, &body)
			if body.Field != tt.field || body.Error == "" {
				t.Errorf("400 body = %+v, want field %q", body, tt.field)
			}
		})
	}
}
