package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/util/validation"

	"selfhealing.dev/coordination-engine/internal/anomaly"
)

// recordingAnomalies records the requests that reach the analysis.
type recordingAnomalies struct {
	mu        sync.Mutex
	requests  []anomaly.Request
	selectors []string
}

func (r *recordingAnomalies) Analyze(_ context.Context, req anomaly.Request, selector string) (anomaly.Result, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests = append(r.requests, req)
	r.selectors = append(r.selectors, selector)
	return anomaly.Result{Status: "success", TimeRange: req.TimeRange, Threshold: req.Threshold}, nil
}

func anomalyServer(t testing.TB, a Anomalies) http.Handler {
	reg := prometheus.NewRegistry()
	src := healthySources()
	return New(Options{Version: "test", MaxBodyBytes: 1 << 16}, Deps{Health: src, Status: src, Anomalies: a, Gatherer: reg, Registerer: reg},
		logr.Discard()).Handler()
}

func TestAnalyzeRequests(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		wantField string // "" for a 200
		want      anomaly.Request
	}{
		{name: "an empty body takes every default", body: ``,
			want: anomaly.Request{TimeRange: "1h", Metrics: anomaly.MetricNames(), Threshold: 0.7, Model: "anomaly-detector"}},
		{name: "the platform's camelCase keys", body: `{"timeRange":"6h","metrics":["pod_cpu_usage"],"threshold":0.9,"modelName":"detector-v2","namespace":"shop","deployment":"web","includePredictions":true}`,
			want: anomaly.Request{TimeRange: "6h", Metrics: []string{"pod_cpu_usage"}, Threshold: 0.9, Model: "detector-v2", Scope: anomaly.Scope{Namespace: "shop", Deployment: "web"}}},
		{name: "models names the model when modelName does not", body: `{"models":["anomaly-detector-2","predictive-analytics"]}`,
			want: anomaly.Request{TimeRange: "1h", Metrics: anomaly.MetricNames(), Threshold: 0.7, Model: "anomaly-detector-2"}},
		{name: "a window outside the fixed set", body: `{"timeRange":"90m"}`, wantField: "timeRange"},
		{name: "a window that is PromQL", body: `{"timeRange":"1h] or vector(1)"}`, wantField: "timeRange"},
		{name: "an unknown metric", body: `{"metrics":["pod_cpu_usage","up"]}`, wantField: "metrics[1]"},
		{name: "a zero threshold", body: `{"threshold":0}`, wantField: "threshold"},
		{name: "a threshold above 1", body: `{"threshold":1.5}`, wantField: "threshold"},
		{name: "a threshold of the wrong type", body: `{"threshold":"high"}`, wantField: "threshold"},
		{name: "a namespace that is not a name", body: `{"namespace":"shop\"} or up{"}`, wantField: "namespace"},
		{name: "a deployment without a namespace", body: `{"deployment":"web"}`, wantField: "namespace"},
		{name: "a pod that is not a name", body: `{"namespace":"shop","pod":"Web_1"}`, wantField: "pod"},
		{name: "both a deployment and a pod", body: `{"namespace":"shop","deployment":"web","pod":"web-1"}`, wantField: "pod"},
		{name: "a selector with a deployment", body: `{"namespace":"shop","deployment":"web","labelSelector":"app=web"}`, wantField: "labelSelector"},
		{name: "a model name that is not a name", body: `{"modelName":"../etc"}`, wantField: "modelName"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recordingAnomalies{}
			w := do(t, anomalyServer(t, rec), http.MethodPost, "/api/v1/anomalies/analyze", tt.body)
			if tt.wantField != "" {
				body := decode[errorBody](t, w)
				if w.Code != http.StatusBadRequest || body.Field != tt.wantField || len(rec.requests) != 0 {
					t.Fatalf("%d %+v (%d analyses), want 400 naming %s and no analysis", w.Code, body, len(rec.requests), tt.wantField)
				}
				return
			}
			if w.Code != http.StatusOK || len(rec.requests) != 1 {
				t.Fatalf("%d %s, want 200 and one analysis", w.Code, w.Body)
			}
			got := rec.requests[0]
			if got.TimeRange != tt.want.TimeRange || !slices.Equal(got.Metrics, tt.want.Metrics) || got.Threshold != tt.want.Threshold ||
				got.Model != tt.want.Model || got.Scope.Namespace != tt.want.Scope.Namespace || got.Scope.Deployment != tt.want.Scope.Deployment {
				t.Errorf("request %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestAnalyzeWithoutAnAnalyzerIs503(t *testing.T) {
	w := do(t, anomalyServer(t, nil), http.MethodPost, "/api/v1/anomalies/analyze", `{}`)
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("%d, want 503", w.Code)
	}
}

// FuzzAnalyzeAnomalies: whatever the body, a 200 or a 4xx naming the field, and what reaches
// the analysis is valid: a window from the fixed set, known metrics, a threshold in (0, 1] and
// Kubernetes names only.
func FuzzAnalyzeAnomalies(f *testing.F) {
	for _, s := range []string{``, `{}`, `{"timeRange":"24h","metrics":["pod_memory_usage"],"threshold":0.5,"namespace":"shop","pod":"web-1"}`,
		`{"labelSelector":"app in (web, api)","namespace":"shop"}`, `{"threshold":-1}`, `{"metrics":"pod_cpu_usage"}`, `[]`, `null`,
		`{"namespace":"a","deployment":"b.c"}`, `{"models":[]}`} {
		f.Add(s)
	}
	rec := &recordingAnomalies{}
	h := anomalyServer(f, rec)
	f.Fuzz(func(t *testing.T, body string) {
		rec.mu.Lock()
		rec.requests = nil
		rec.mu.Unlock()
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/api/v1/anomalies/analyze", strings.NewReader(body)))
		code := checkAnswer(t, w)
		rec.mu.Lock()
		defer rec.mu.Unlock()
		if code >= 400 {
			if len(rec.requests) > 0 {
				t.Fatalf("a %d reached the analysis", code)
			}
			return
		}
		if code != http.StatusOK || len(rec.requests) != 1 {
			t.Fatalf("%d with %d analyses", code, len(rec.requests))
		}
		r := rec.requests[0]
		if !slices.Contains(anomaly.TimeRanges(), r.TimeRange) || !(r.Threshold > 0 && r.Threshold <= 1) || len(r.Metrics) == 0 {
			t.Fatalf("invalid request reached the analysis: %+v", r)
		}
		for _, m := range r.Metrics {
			if !slices.Contains(anomaly.MetricNames(), m) {
				t.Fatalf("unknown metric %q reached the analysis", m)
			}
		}
		for _, n := range []string{r.Scope.Namespace, r.Scope.Deployment, r.Scope.Pod, r.Model} {
			if n != "" && len(validation.IsDNS1123Subdomain(n)) > 0 {
				t.Fatalf("%q reached the analysis", n)
			}
		}
	})
}
