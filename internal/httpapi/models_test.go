package httpapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"

	"selfhealing.dev/coordination-engine/internal/mlservice"
)

// kserveV1 is a KServe v1 predictor serving one model that expects 45 features per instance and
// answers -1 (anomaly) or 1 (normal), as the anomaly detector does.
func kserveV1(t *testing.T, model string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v1/models/"), ":predict")
		if name != model {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"error":"Model with name %s does not exist."}`, name)
			return
		}
		if r.Method == http.MethodGet {
			fmt.Fprintf(w, `{"name":%q,"ready":true}`, model)
			return
		}
		var req struct{ Instances [][]float64 }
		body, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(body, &req)
		preds := make([]int, len(req.Instances))
		for i, in := range req.Instances {
			if len(in) != 45 {
				w.WriteHeader(http.StatusInternalServerError)
				fmt.Fprintf(w, `{"error":"X has %d features, but IsolationForest is expecting 45 features as input."}`, len(in))
				return
			}
			preds[i] = 1
			if in[0] > 0.9 {
				preds[i] = -1
			}
		}
		out, _ := json.Marshal(map[string]any{"predictions": preds})
		_, _ = w.Write(out)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func modelServer(t *testing.T, models Models) http.Handler {
	t.Helper()
	src := healthySources()
	reg := prometheus.NewRegistry()
	return New(Options{Version: "test", MaxBodyBytes: 1 << 20, KServeNamespace: "self-healing-platform"},
		Deps{Health: src, Status: src, Models: models, Gatherer: reg, Registerer: reg}, logr.Discard()).Handler()
}

func features(first float64, n int) string {
	f := make([]string, n)
	for i := range f {
		f[i] = "0.5"
	}
	f[0] = fmt.Sprint(first)
	return "[" + strings.Join(f, ",") + "]"
}

func TestModelEndpointsAgainstAKServePredictor(t *testing.T) {
	up := kserveV1(t, "anomaly-detector")
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close() // nothing listens there any more
	k := mlservice.NewKServe(mlservice.NewRegistry([]mlservice.Model{
		{Name: "anomaly-detector", ServerModel: "anomaly-detector", Service: "anomaly-detector-predictor", URL: up.URL},
		{Name: "predictive-analytics", ServerModel: "predictive-analytics", Service: "predictive-analytics-predictor", URL: downURL},
	}), mlservice.Options{Timeout: 2 * time.Second, Retries: -1})
	h := modelServer(t, k)
	call := func(method, path, body string) (int, map[string]any) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(method, path, strings.NewReader(body)))
		var out map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %s: not JSON: %s", method, path, w.Body)
		}
		return w.Code, out
	}

	code, list := call(http.MethodGet, "/api/v1/models", "")
	if code != 200 || fmt.Sprint(list["models"]) != "[anomaly-detector predictive-analytics]" || list["count"] != float64(2) {
		t.Errorf("GET /api/v1/models = %d %v, want both names (one predictor is down)", code, list)
	}
	tests := []struct {
		name, method, path, body string
		wantCode                 int
		want                     string // a substring of the answer
	}{
		{"a loaded model is ready", http.MethodGet, "/api/v1/models/anomaly-detector/health", "", 200, `"status":"ready"`},
		{"a model whose predictor is down is unavailable", http.MethodGet, "/api/v1/models/predictive-analytics/health", "", 200, `"status":"unavailable"`},
		{"an unknown model is a 404", http.MethodGet, "/api/v1/models/nope/health", "", 404, "unknown model nope"},
		{"predictions pass through unchanged", http.MethodPost, "/api/v1/detect",
			`{"model":"anomaly-detector","instances":[` + features(0.95, 45) + `,` + features(0.1, 45) + `]}`, 200, `"predictions":[-1,1]`},
		{"a wrong feature count is a 400 with the model's message", http.MethodPost, "/api/v1/detect",
			`{"model":"anomaly-detector","instances":[` + features(0.1, 5) + `]}`, 400, "IsolationForest is expecting 45 features"},
		{"an unknown model is a 404 for detect", http.MethodPost, "/api/v1/detect", `{"model":"nope","instances":[[1]]}`, 404, "unknown model"},
		{"a predictor that is down is a 503", http.MethodPost, "/api/v1/detect", `{"model":"predictive-analytics","instances":[[0.5,0.5,0.5,1,1]]}`, 503, "unavailable"},
		{"instances are required", http.MethodPost, "/api/v1/detect", `{"model":"anomaly-detector"}`, 400, `"field":"instances"`},
		{"instances must be lists of numbers", http.MethodPost, "/api/v1/detect", `{"model":"anomaly-detector","instances":[["a"]]}`, 400, `"field":"instances"`},
		{"the model is required", http.MethodPost, "/api/v1/detect", `{"instances":[[1]]}`, 400, `"field":"model"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body)))
			if w.Code != tt.wantCode || !strings.Contains(w.Body.String(), tt.want) {
				t.Errorf("%s %s = %d %s, want %d with %s", tt.method, tt.path, w.Code, w.Body, tt.wantCode, tt.want)
			}
		})
	}
}

func TestModelsWithKServeDisabledListNone(t *testing.T) {
	w := httptest.NewRecorder()
	modelServer(t, nil).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/v1/models", nil))
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"models":[]`) || !strings.Contains(w.Body.String(), "ENABLE_KSERVE_INTEGRATION") {
		t.Errorf("GET /api/v1/models = %d %s, want an empty list saying why", w.Code, w.Body)
	}
}

func TestAnOpenBreakerShowsInDeepHealth(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close()
	k := mlservice.NewKServe(mlservice.NewRegistry([]mlservice.Model{{Name: "predictive-analytics", ServerModel: "predictive-analytics", URL: downURL}}),
		mlservice.Options{Timeout: time.Second, Retries: -1, FailureThreshold: 2})
	h := modelServer(t, k)
	for range 2 {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/api/v1/detect", strings.NewReader(`{"model":"predictive-analytics","instances":[[1,2,3,4,5]]}`)))
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/v1/health", nil))
	var body struct {
		Status          string            `json:"status"`
		CircuitBreakers map[string]string `json:"circuit_breakers"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if w.Code != 200 || body.Status != "degraded" || body.CircuitBreakers["kserve/predictive-analytics"] != "open" {
		t.Errorf("GET /api/v1/health = %d %s, want degraded with the breaker open", w.Code, w.Body)
	}
}
