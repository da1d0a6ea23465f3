package httpapi

// Native fuzz tests of the two request decoders issue 6 added: Alertmanager's webhook and the
// coordination trigger. Every input goes through Server.Handler; the answer must be a 2xx or a
// 4xx JSON body (never a panic or a 5xx), a 4xx must carry an "error", and a 2xx must have
// reached the engine with arguments that satisfy the documented limits.
//
//	go test ./internal/httpapi -run='^$' -fuzz='^FuzzReceiveAlerts$' -fuzztime=30s -parallel=1
//	go test ./internal/httpapi -run='^$' -fuzz='^FuzzCoordinationTrigger$' -fuzztime=30s -parallel=1

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/alertmanager"
	"selfhealing.dev/coordination-engine/internal/coordination"
)

// recordingAlerts records what reached the alert intake.
type recordingAlerts struct {
	mu   sync.Mutex
	msgs []alertmanager.Message
}

func (r *recordingAlerts) Receive(_ context.Context, m alertmanager.Message) (AlertReceipt, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, m)
	return AlertReceipt{Received: len(m.Alerts), Alerts: []AlertOutcome{}}, nil
}

// recordingCoordinations records what reached the coordination requests.
type recordingCoordinations struct {
	mu       sync.Mutex
	triggers []coordination.Trigger
}

func (r *recordingCoordinations) Trigger(_ context.Context, t coordination.Trigger) (coordination.Result, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.triggers = append(r.triggers, t)
	wf := &v1alpha1.RemediationWorkflow{ObjectMeta: metav1.ObjectMeta{Name: "wf-coord-1"}}
	return coordination.Result{Workflow: wf, Created: true, Layers: []string{"application"}, RootCauseLayer: "application"}, nil
}

func signalServer(tb testing.TB, alerts Alerts, coord Coordinations) http.Handler {
	tb.Helper()
	src := healthySources()
	reg := prometheus.NewRegistry()
	s := New(Options{Version: "fuzz", MaxBodyBytes: 1 << 20}, Deps{Health: src, Status: src, Alerts: alerts, Coordinations: coord,
		Gatherer: reg, Registerer: reg}, logr.Discard())
	return s.Handler()
}

// checkAnswer asserts the rules every answer obeys and returns the status.
func checkAnswer(t *testing.T, rec *httptest.ResponseRecorder) int {
	t.Helper()
	if rec.Code >= 500 || (rec.Code >= 300 && rec.Code < 400) {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q", ct)
	}
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("answer is not a JSON object: %v: %s", err, rec.Body)
	}
	if rec.Code >= 400 {
		if msg, _ := body["error"].(string); msg == "" {
			t.Fatalf("4xx without an error: %s", rec.Body)
		}
	}
	return rec.Code
}

func FuzzReceiveAlerts(f *testing.F) {
	for _, s := range []string{
		`{"version":"4","groupKey":"{}:{}","truncatedAlerts":0,"status":"firing","receiver":"ce","groupLabels":{},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://am:9093","alerts":[{"status":"firing","labels":{"alertname":"KubePodCrashLooping","namespace":"shop","pod":"web-1","severity":"warning"},"annotations":{"summary":"s"},"startsAt":"2026-11-26T09:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://p:9090","fingerprint":"abc"}]}`,
		`{"version":"4","status":"resolved","alerts":[{"status":"resolved","labels":{"alertname":"KubeNodeNotReady","node":"w-1"},"startsAt":"2026-11-26T09:00:00Z","endsAt":"2026-11-26T09:05:00Z","fingerprint":"def"}]}`,
		`{"version":"3","status":"firing","alerts":[]}`,
		`{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{"alertname":7},"startsAt":"x","fingerprint":""}]}`,
		`[]`, `null`, ``, `{"version":"4"} {}`,
	} {
		f.Add(s)
	}
	rec := &recordingAlerts{}
	h := signalServer(f, rec, nil)
	f.Fuzz(func(t *testing.T, body string) {
		rec.mu.Lock()
		rec.msgs = nil
		rec.mu.Unlock()
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/api/v1/alerts", strings.NewReader(body)))
		code := checkAnswer(t, w)
		rec.mu.Lock()
		defer rec.mu.Unlock()
		switch {
		case code >= 400 && len(rec.msgs) > 0:
			t.Fatalf("a %d reached the intake", code)
		case code == http.StatusOK:
			if len(rec.msgs) != 1 {
				t.Fatalf("200 with %d messages at the intake", len(rec.msgs))
			}
			for _, a := range rec.msgs[0].Alerts {
				if a.Fingerprint == "" || (a.Status != alertmanager.StatusFiring && a.Status != alertmanager.StatusResolved) || a.Labels["alertname"] == "" {
					t.Fatalf("an invalid alert reached the intake: %+v", a)
				}
			}
		}
	})
}

func FuzzCoordinationTrigger(f *testing.F) {
	for _, s := range []string{
		`{"incident_id":"inc-1","description":"node w-1 is down and web crashes","resources":[{"kind":"Node","name":"w-1","issue":"node_not_ready"},{"kind":"Deployment","name":"web","namespace":"shop","issue":"pod_crash"}]}`,
		`{"incidentId":"inc-1","resources":[{"kind":"ClusterOperator","name":"ingress","issue":"cluster_operator_degraded"}]}`,
		`{"resources":[]}`, `{"resources":[{"kind":"Secret","name":"x","issue":"pod_crash"}]}`,
		`{"resources":[{"kind":"Deployment","name":"Bad_Name","namespace":"shop","issue":"pod_crash"}]}`,
		`{"resources":[{"kind":"Deployment","name":"web","namespace":"shop","issue":"sadness"}]}`,
		`{"resources":"web"}`, `[]`, `null`, ``,
	} {
		f.Add(s)
	}
	rec := &recordingCoordinations{}
	h := signalServer(f, nil, rec)
	f.Fuzz(func(t *testing.T, body string) {
		rec.mu.Lock()
		rec.triggers = nil
		rec.mu.Unlock()
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/api/v1/coordination/trigger", strings.NewReader(body)))
		code := checkAnswer(t, w)
		rec.mu.Lock()
		defer rec.mu.Unlock()
		switch {
		case code >= 400 && len(rec.triggers) > 0 && code != http.StatusBadRequest && code != http.StatusNotFound:
			t.Fatalf("a %d reached the coordination requests", code)
		case code == http.StatusAccepted:
			if len(rec.triggers) != 1 {
				t.Fatalf("202 with %d triggers", len(rec.triggers))
			}
			if n := len(rec.triggers[0].Resources); n < 1 || n > 50 {
				t.Fatalf("202 for %d resources", n)
			}
		}
	})
}
