package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"

	"selfhealing.dev/coordination-engine/internal/health"
	"selfhealing.dev/coordination-engine/internal/permissions"
	"selfhealing.dev/coordination-engine/internal/platform"
)

// fakeSources answers the HTTP layer's questions from fields.
type fakeSources struct {
	live   Liveness
	ready  Readiness
	deep   DeepHealth
	status EngineStatus
}

func (f *fakeSources) Liveness() Liveness                        { return f.live }
func (f *fakeSources) Readiness(context.Context) Readiness       { return f.ready }
func (f *fakeSources) DeepHealth(context.Context) DeepHealth     { return f.deep }
func (f *fakeSources) EngineStatus(context.Context) EngineStatus { return f.status }

func healthySources() *fakeSources {
	started := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	info := &platform.Info{Platform: platform.OpenShift, KubernetesVersion: "v1.32.5", OpenShiftVersion: "4.19.7", Supported: true}
	deps := map[string]health.Result{
		"kubernetes": {Status: health.OK, Message: "ok"}, "ml_service": {Status: health.Disabled, Message: "not set"},
		"kserve": {Status: health.Disabled}, "argocd": {Status: health.Disabled}, "prometheus": {Status: health.Disabled},
	}
	return &fakeSources{
		live:   Liveness{StartedAt: started, Platform: "openshift", Dependencies: map[string]health.State{"kubernetes": health.OK}},
		ready:  Readiness{Ready: true, Checks: map[string]ReadinessCheck{"kubernetes": {Ready: true, Message: "ok"}}},
		deep:   DeepHealth{CanAct: true, Dependencies: deps, RBAC: &permissions.Report{Checked: 6, Missing: []permissions.Requirement{}}, Platform: info},
		status: EngineStatus{State: StateRunning, Leader: true, StartedAt: started, Workers: 4, Platform: info, Actions: ActionCounts{Total: 3, Pending: 1, Running: 1, Completed: 1}},
	}
}

func newTestServer(t *testing.T, src *fakeSources) (*Server, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	s := New(Options{Version: "test", MaxBodyBytes: 1024}, Deps{Health: src, Status: src, Gatherer: reg, Registerer: reg}, logr.Discard())
	s.now = func() time.Time { return time.Date(2026, 11, 25, 10, 5, 0, 0, time.UTC) }
	return s, reg
}

func do(t *testing.T, h http.Handler, method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequestWithContext(t.Context(), method, path, strings.NewReader(body))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func decode[T any](t *testing.T, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	decodeInto(t, rec, &v)
	return v
}

func decodeInto(t *testing.T, rec *httptest.ResponseRecorder, v any) {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q, want application/json (body %q)", ct, rec.Body.String())
	}
	if err := json.NewDecoder(rec.Body).Decode(v); err != nil {
		t.Fatalf("decode %T: %v", v, err)
	}
}

func TestErrorsAreJSONForUnknownRoutesAndWrongMethods(t *testing.T) {
	s, _ := newTestServer(t, healthySources())
	tests := []struct {
		name, method, path string
		wantCode           int
		wantAllow          string
	}{
		{"an unknown path is a JSON 404", http.MethodGet, "/api/v1/nope", http.StatusNotFound, ""},
		{"the root is a JSON 404", http.MethodGet, "/", http.StatusNotFound, ""},
		{"POST on /health is a JSON 405 with Allow", http.MethodPost, "/health", http.StatusMethodNotAllowed, "GET, HEAD"},
		{"DELETE on /api/v1/status is a JSON 405", http.MethodDelete, "/api/v1/status", http.StatusMethodNotAllowed, "GET, HEAD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(t, s.Handler(), tt.method, tt.path, "")
			if rec.Code != tt.wantCode {
				t.Fatalf("%s %s = %d, want %d", tt.method, tt.path, rec.Code, tt.wantCode)
			}
			body := decode[errorBody](t, rec)
			if body.Error == "" || !strings.Contains(body.Error, tt.path) {
				t.Errorf("error = %q, want it to name %s", body.Error, tt.path)
			}
			if got := rec.Header().Get("Allow"); got != tt.wantAllow {
				t.Errorf("Allow = %q, want %q", got, tt.wantAllow)
			}
		})
	}
	t.Run("the metrics port answers JSON 404 off /metrics", func(t *testing.T) {
		rec := do(t, s.MetricsHandler(), http.MethodGet, "/health", "")
		if rec.Code != http.StatusNotFound || decode[errorBody](t, rec).Error == "" {
			t.Errorf("metrics port GET /health = %d %q, want JSON 404", rec.Code, rec.Body.String())
		}
	})
}

func TestHealthIsOKWhateverTheDependencies(t *testing.T) {
	src := healthySources()
	src.live.Dependencies = map[string]health.State{"kubernetes": health.Down, "ml_service": health.Down}
	s, _ := newTestServer(t, src)
	rec := do(t, s.Handler(), http.MethodGet, "/health", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /health = %d, want 200", rec.Code)
	}
	var body struct {
		Status        string            `json:"status"`
		Version       string            `json:"version"`
		Timestamp     string            `json:"timestamp"`
		UptimeSeconds float64           `json:"uptime_seconds"`
		Dependencies  map[string]string `json:"dependencies"`
	}
	decodeInto(t, rec, &body)
	if body.Status != "ok" || body.Version != "test" || body.Timestamp != "2026-11-25T10:05:00Z" || body.UptimeSeconds != 300 {
		t.Errorf("GET /health = %+v, want status ok, version test, timestamp and 300 s uptime", body)
	}
	if body.Dependencies["kubernetes"] != "down" {
		t.Errorf("dependencies = %v, want kubernetes down shown as information", body.Dependencies)
	}
	if rec := do(t, s.Handler(), http.MethodGet, "/healthz", ""); rec.Code != http.StatusOK {
		t.Errorf("GET /healthz = %d, want 200", rec.Code)
	}
}

func TestReadyzNamesFailingChecks(t *testing.T) {
	src := healthySources()
	s, _ := newTestServer(t, src)
	if rec := do(t, s.Handler(), http.MethodGet, "/readyz", ""); rec.Code != http.StatusOK {
		t.Fatalf("GET /readyz when ready = %d, want 200", rec.Code)
	}
	src.ready = Readiness{Checks: map[string]ReadinessCheck{
		"kubernetes": {Message: "connection refused"}, "caches": {Ready: true, Message: "synced"}}}
	rec := do(t, s.Handler(), http.MethodGet, "/readyz", "")
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("GET /readyz when not ready = %d, want 503", rec.Code)
	}
	body := decode[readinessBody](t, rec)
	if !strings.Contains(body.Error, "kubernetes: connection refused") || strings.Contains(body.Error, "caches") {
		t.Errorf("error = %q, want only the kubernetes check named", body.Error)
	}
	if body.Checks["kubernetes"].Ready || !body.Checks["caches"].Ready {
		t.Errorf("checks = %+v", body.Checks)
	}
}

func TestDeepHealthStatus(t *testing.T) {
	tests := []struct {
		name       string
		mutate     func(*fakeSources)
		wantCode   int
		wantStatus string
	}{
		{"all configured dependencies ok is healthy", func(*fakeSources) {}, http.StatusOK, "healthy"},
		{"ML down is degraded but serving", func(f *fakeSources) {
			f.deep.Dependencies["ml_service"] = health.Result{Status: health.Down, Message: "refused"}
		}, http.StatusOK, "degraded"},
		{"a missing permission is degraded", func(f *fakeSources) {
			f.deep.RBAC = &permissions.Report{Checked: 6, Missing: []permissions.Requirement{{Verb: "create", Resource: "events"}}}
		}, http.StatusOK, "degraded"},
		{"a failed permission check is degraded", func(f *fakeSources) { f.deep.RBAC, f.deep.RBACError = nil, "refused" }, http.StatusOK, "degraded"},
		{"Kubernetes unreachable cannot act: 503", func(f *fakeSources) {
			f.deep.CanAct = false
			f.deep.Dependencies["kubernetes"] = health.Result{Status: health.Down, Message: "refused"}
		}, http.StatusServiceUnavailable, "unhealthy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := healthySources()
			tt.mutate(src)
			s, _ := newTestServer(t, src)
			rec := do(t, s.Handler(), http.MethodGet, "/api/v1/health", "")
			body := decode[deepHealthBody](t, rec)
			if rec.Code != tt.wantCode || body.Status != tt.wantStatus {
				t.Errorf("GET /api/v1/health = %d %q, want %d %q", rec.Code, body.Status, tt.wantCode, tt.wantStatus)
			}
			if tt.wantCode >= 500 && body.Error == "" {
				t.Errorf("a 503 body must carry an error string")
			}
			for _, dep := range []string{"kubernetes", "ml_service", "kserve", "argocd", "prometheus"} {
				if _, ok := body.Dependencies[dep]; !ok {
					t.Errorf("dependencies lack %s", dep)
				}
			}
		})
	}
}

func TestStatusEndpointsDecodeIntoTheClientsTypes(t *testing.T) {
	s, _ := newTestServer(t, healthySources())
	rec := do(t, s.Handler(), http.MethodGet, "/api/v1/cluster/status", "")
	// The MCP server's client struct for the Python-era endpoint.
	var cs struct {
		Status    string `json:"status"`
		Timestamp string `json:"timestamp"`
		Actions   struct {
			Total, Pending, Running, Completed, Failed int
		} `json:"actions"`
		Conflicts struct{ Total, Resolved int } `json:"conflicts"`
		Engine    struct {
			Running      bool   `json:"running"`
			QueueLength  int    `json:"queue_length"`
			WorkersCount int    `json:"workers_count"`
			Uptime       string `json:"uptime"`
		} `json:"engine"`
	}
	decodeInto(t, rec, &cs)
	if cs.Status != "healthy" || cs.Actions.Total != 3 || cs.Actions.Pending != 1 || !cs.Engine.Running ||
		cs.Engine.QueueLength != 1 || cs.Engine.WorkersCount != 4 || cs.Engine.Uptime != "5m0s" {
		t.Errorf("GET /api/v1/cluster/status = %+v", cs)
	}

	rec = do(t, s.Handler(), http.MethodGet, "/api/v1/status", "")
	var st struct {
		Status string `json:"status"`
		Engine struct {
			State  string
			Leader bool
		} `json:"engine"`
		Workflows struct{ Active, Queued int }   `json:"workflows"`
		ByLayer   map[string]int                 `json:"by_layer"`
		Platform  struct{ Name, Version string } `json:"platform"`
	}
	decodeInto(t, rec, &st)
	if st.Status != "running" || !st.Engine.Leader || st.Workflows.Active != 1 || st.Workflows.Queued != 1 ||
		st.Platform.Name != "openshift" || st.Platform.Version != "4.19.7" {
		t.Errorf("GET /api/v1/status = %+v", st)
	}
}

func TestMetricsCountRequestsByRoutePattern(t *testing.T) {
	s, reg := newTestServer(t, healthySources())
	reg.MustRegister(prometheus.NewGauge(prometheus.GaugeOpts{Name: "coordination_engine_status", Help: "h"}))
	do(t, s.Handler(), http.MethodGet, "/health", "")
	do(t, s.Handler(), http.MethodGet, "/does/not/exist/12345", "")
	for _, h := range []http.Handler{s.Handler(), s.MetricsHandler()} {
		rec := do(t, h, http.MethodGet, "/metrics", "")
		out, _ := io.ReadAll(rec.Body)
		for _, want := range []string{
			`coordination_engine_http_requests_total{code="200",method="GET",route="GET /health"} 1`,
			`coordination_engine_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
			"coordination_engine_status 0",
		} {
			if !strings.Contains(string(out), want) {
				t.Errorf("/metrics lacks %q", want)
			}
		}
		if strings.Contains(string(out), "12345") {
			t.Errorf("/metrics leaks a raw path into a label")
		}
	}
}

func TestPanicsAndOversizedBodiesAreJSONErrors(t *testing.T) {
	s, _ := newTestServer(t, healthySources())
	mux := http.NewServeMux()
	mux.HandleFunc("GET /panic", func(http.ResponseWriter, *http.Request) { panic("boom") })
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"ok": "yes"})
	})
	h := s.wrap(mux)
	if rec := do(t, h, http.MethodGet, "/panic", ""); rec.Code != http.StatusInternalServerError || decode[errorBody](t, rec).Error == "" {
		t.Errorf("a panicking handler answered %d %q, want a JSON 500", rec.Code, rec.Body.String())
	}
	if rec := do(t, h, http.MethodPost, "/echo", strings.Repeat("x", 2048)); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("a 2 KiB body over a 1 KiB limit answered %d, want 413", rec.Code)
	}
	if rec := do(t, h, http.MethodPost, "/echo", "small"); rec.Code != http.StatusOK {
		t.Errorf("a small body answered %d, want 200", rec.Code)
	}
}
