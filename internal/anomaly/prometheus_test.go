package anomaly

import (
	"context"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"selfhealing.dev/coordination-engine/internal/promquery"
	"selfhealing.dev/coordination-engine/internal/testenv/promtest"
)

// t0 is where the loaded series start; they run for an hour at one sample a minute.
var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

const mib = 1 << 20

// The per-minute values the five metrics must come out as (minute k after t0).
func availableMemory(k int) float64 { return 4e9 + 1e8*float64(k%7) }

func webMemory(k int) float64 {
	if k >= 58 {
		return 400 * mib // the leak the analysis must find
	}
	return 100*mib + float64(k%5)*mib
}

func restarts(k int) float64 {
	switch {
	case k < 50:
		return 0
	case k < 55:
		return 1
	default:
		return 2
	}
}

// clusterSeries are the raw series a cluster's exporters would have written: node-exporter's
// CPU counters (idle 0.75 and 0.5 of a second per second on two CPUs) and memory gauges,
// cAdvisor's container CPU counters (0.1 core) and working sets, and kube-state-metrics'
// restarts, plus series the queries must leave out (another pod, cgroup roots, the pause
// container, non-idle CPU).
func clusterSeries() string { return clusterSeriesOver(61) }

// clusterSeriesOver is clusterSeries over the given number of minutes.
func clusterSeriesOver(minutes int) string {
	gen := func(f func(k int) float64) []float64 {
		v := make([]float64, minutes)
		for k := range v {
			v[k] = f(k)
		}
		return v
	}
	s := func(name string, labels map[string]string, f func(k int) float64) promtest.Series {
		return promtest.Series{Name: name, Labels: labels, Start: t0, Step: time.Minute, Values: gen(f)}
	}
	web := func(extra map[string]string) map[string]string {
		l := map[string]string{"namespace": "shop", "pod": "web-5d4f8b7c9-abcde"}
		for k, v := range extra {
			l[k] = v
		}
		return l
	}
	return promtest.OpenMetrics(
		s("node_cpu_seconds_total", map[string]string{"cpu": "0", "mode": "idle"}, func(k int) float64 { return 45 * float64(k) }),
		s("node_cpu_seconds_total", map[string]string{"cpu": "1", "mode": "idle"}, func(k int) float64 { return 30 * float64(k) }),
		s("node_cpu_seconds_total", map[string]string{"cpu": "0", "mode": "user"}, func(k int) float64 { return 15 * float64(k) }),
		s("node_memory_MemAvailable_bytes", nil, availableMemory),
		s("node_memory_MemTotal_bytes", nil, func(int) float64 { return 16e9 }),
		s("container_cpu_usage_seconds_total", web(map[string]string{"container": "app"}), func(k int) float64 { return 6 * float64(k) }),
		s("container_cpu_usage_seconds_total", web(map[string]string{"container": ""}), func(k int) float64 { return 60 * float64(k) }),
		s("container_cpu_usage_seconds_total", map[string]string{"namespace": "shop", "pod": "api-7c9d8f6b5-zzzzz", "container": "app"},
			func(k int) float64 { return 30 * float64(k) }),
		s("container_memory_working_set_bytes", web(map[string]string{"container": "app"}), webMemory),
		s("container_memory_working_set_bytes", web(map[string]string{"container": "POD"}), func(int) float64 { return mib }),
		s("container_memory_working_set_bytes", map[string]string{"namespace": "shop", "pod": "web-5d4f8b7c9-fghij", "container": "app"},
			func(int) float64 { return 50 * mib }),
		s("container_memory_working_set_bytes", map[string]string{"namespace": "shop", "pod": "api-7c9d8f6b5-zzzzz", "container": "app"},
			func(int) float64 { return 900 * mib }),
		s("kube_pod_container_status_restarts_total", web(map[string]string{"container": "app"}), restarts),
		s("kube_pod_container_status_restarts_total", map[string]string{"namespace": "shop", "pod": "api-7c9d8f6b5-zzzzz", "container": "app"},
			func(int) float64 { return 7 }),
	)
}

// recordingModel is the anomaly-detector as the analysis sees it: it keeps the instances it got
// and flags the minutes it is told to.
type recordingModel struct {
	mu        sync.Mutex
	instances [][]float64
	flag      func(i int) bool
}

func (m *recordingModel) Flags(_ context.Context, _ string, instances [][]float64) ([]int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.instances = instances
	out := make([]int, len(instances))
	for i := range out {
		out[i] = 1
		if m.flag(i) {
			out[i] = -1
		}
	}
	return out, nil
}

func startPrometheus(t *testing.T) *promquery.Client {
	t.Helper()
	srv := promtest.Start(t, clusterSeries())
	c, err := promquery.New(promquery.Options{URL: srv.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestTheFeatureVectorFromARealPrometheus checks all 45 numbers of two minutes' vectors, read
// through the real query engine, against values computed by hand from the loaded samples
// (pandas' conventions: sample standard deviation, pct_change relative to the minute before).
func TestTheFeatureVectorFromARealPrometheus(t *testing.T) {
	model := &recordingModel{flag: func(int) bool { return false }}
	a := &Analyzer{Prom: startPrometheus(t), Model: model, Now: func() time.Time { return t0.Add(60*time.Minute + 30*time.Second) }}
	req := Request{TimeRange: "15m", Scope: Scope{Namespace: "shop", Deployment: "web"}}
	if err := req.Validate(); err != nil {
		t.Fatal(err)
	}
	res, err := a.Analyze(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Degraded) > 0 || len(res.Warnings) > 0 {
		t.Fatalf("degraded %v, warnings %v", res.Degraded, res.Warnings)
	}
	// A 15-minute window ending at minute 60 is minutes 45..60: 16 instances.
	if len(model.instances) != 16 {
		t.Fatalf("the model got %d instances, want 16 (minutes 45..60)", len(model.instances))
	}
	tests := []struct {
		minute int
		want   [VectorLength]float64
	}{
		{45, [VectorLength]float64{
			0.375, 0.375, 0, 0.375, 0.375, 0.375, 0.375, 0, 0,
			0.73125, 0.735, 0.014388580541526672, 0.7125, 0.75, 0.7375, 0.71875, -0.006250000000000089, -0.00847457627118656,
			0.1, 0.1, 0, 0.1, 0.1, 0.1, 0.1, 0, 0,
			157286400, 159383552, 1657944.2298943594, 157286400, 161480704, 161480704, 157286400, -4194304, -0.025974025974025976,
			0, 0, 0, 0, 0, 0, 0, 0, 0}},
		{60, [VectorLength]float64{
			0.375, 0.375, 0, 0.375, 0.375, 0.375, 0.375, 0, 0,
			0.725, 0.7375, 0.009882117688026203, 0.725, 0.75, 0.73125, 0.7125, -0.006249999999999978, -0.008547008547008517,
			0.1, 0.1, 0, 0.1, 0.1, 0.1, 0.1, 0, 0,
			471859200, 346659225.6, 171437526.28801754, 158334976, 471859200, 471859200, 157286400, 0, 0,
			2, 2, 0, 2, 2, 2, 2, 0, 0}},
	}
	for _, tt := range tests {
		got := model.instances[tt.minute-45]
		for i, want := range tt.want {
			if !close(got[i], want) {
				t.Errorf("minute %d feature %d (%s.%s) = %v, want %v", tt.minute, i, metricNames[i/9], FeatureNames[i%9], got[i], want)
			}
		}
	}
}

func close(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// TestAnalysisFindsTheLeak runs the whole analysis against the real Prometheus: the memory
// spike of the web Deployment's pods is the anomaly, scored as the model's flag and the robust
// z-score say, and a model that is down degrades the answer instead of failing it.
func TestAnalysisFindsTheLeak(t *testing.T) {
	prom := startPrometheus(t)
	now := func() time.Time { return t0.Add(60 * time.Minute) }
	flagLast3 := func(i int) bool { return i >= 13 } // minutes 58..60
	tests := []struct {
		name         string
		model        Model
		wantModel    string
		wantStatus   string
		wantDegraded string
		wantMinScore float64
	}{
		{name: "the model flags the leak", model: &recordingModel{flag: flagLast3}, wantModel: "anomaly-detector", wantStatus: "success", wantMinScore: 0.4 + 0.6*0.7},
		{name: "the model is down", model: failingModel{}, wantModel: "statistical", wantStatus: "degraded", wantDegraded: "model anomaly-detector unavailable", wantMinScore: 0.7},
		{name: "no model is configured", wantModel: "statistical", wantStatus: "degraded", wantDegraded: "neither KServe models nor ML_SERVICE_URL", wantMinScore: 0.7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &Analyzer{Prom: prom, Model: tt.model, Now: now}
			req := Request{TimeRange: "1h", Metrics: []string{"pod_memory_usage"}, Scope: Scope{Namespace: "shop", Deployment: "web"}}
			if err := req.Validate(); err != nil {
				t.Fatal(err)
			}
			res, err := a.Analyze(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tt.wantStatus || (tt.wantDegraded != "" && !strings.Contains(strings.Join(res.Degraded, ";"), tt.wantDegraded)) {
				t.Fatalf("status %s degraded %v, want %s with %q", res.Status, res.Degraded, tt.wantStatus, tt.wantDegraded)
			}
			var minutes []string
			for _, an := range res.Anomalies {
				minutes = append(minutes, an.Timestamp)
				if an.Metric != "pod_memory_usage" || an.Type != "spike" || an.Model != tt.wantModel || an.AnomalyScore < tt.wantMinScore ||
					an.RecommendedAction != "restart_deployment" || an.Value != 450*mib || !an.Current {
					t.Errorf("anomaly %+v: want a current pod_memory_usage spike of 450Mi by %s scoring ≥ %.2f recommending restart_deployment",
						an, tt.wantModel, tt.wantMinScore)
				}
				if an.ExpectedMax >= an.Value || an.ExpectedMin > an.ExpectedMax {
					t.Errorf("expected range [%v, %v] should end below the spike %v", an.ExpectedMin, an.ExpectedMax, an.Value)
				}
			}
			slices.Sort(minutes)
			want := []string{"2026-03-01T10:58:00Z", "2026-03-01T10:59:00Z", "2026-03-01T11:00:00Z"}
			if !slices.Equal(minutes, want) || res.AnomaliesDetected != 3 || res.Summary.ModelsUsed[0] != tt.wantModel {
				t.Errorf("anomalies at %v (detected %d, models %v), want %v by %s", minutes, res.AnomaliesDetected, res.Summary.ModelsUsed, want, tt.wantModel)
			}
		})
	}
}

type failingModel struct{}

func (failingModel) Flags(context.Context, string, [][]float64) ([]int, error) {
	return nil, promquery.ErrUnavailable // any error: the analysis must not care which
}

// TestLabelValuesAreEscapedNotPasted: values with PromQL metacharacters reach Prometheus as
// data. A pasted quote would break the query (an error) or widen it (the other pods' data).
func TestLabelValuesAreEscapedNotPasted(t *testing.T) {
	prom := startPrometheus(t)
	a := &Analyzer{Prom: prom, Now: func() time.Time { return t0.Add(60 * time.Minute) }}
	for _, scope := range []Scope{
		{Namespace: `shop"} or vector(1) #`},
		{Namespace: "shop", Pod: `web-5d4f8b7c9-abcde"}or{__name__=~".+`},
		{Namespace: "shop", Deployment: "web.*"},
		{Namespace: "shop", Pods: []string{"web-5d4f8b7c9-abcde|api-7c9d8f6b5-zzzzz"}},
	} {
		req := Request{TimeRange: "15m", Metrics: []string{"pod_memory_usage"}, Scope: scope}
		if err := req.Validate(); err != nil {
			t.Fatal(err)
		}
		res, err := a.Analyze(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		joined := strings.Join(res.Warnings, ";")
		if strings.Contains(joined, "could not be read") || !strings.Contains(joined, "pod_memory_usage has no data") {
			t.Errorf("scope %+v: degraded %v, warnings %v, want no error and no data for pod_memory_usage", scope, res.Degraded, res.Warnings)
		}
	}
}

// TestPrometheusDownDegrades: an unreachable Prometheus is an answer that says so, not an error.
func TestPrometheusDownDegrades(t *testing.T) {
	c, err := promquery.New(promquery.Options{URL: "http://127.0.0.1:1", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	a := &Analyzer{Prom: c, Model: &recordingModel{flag: func(int) bool { return true }}, Now: time.Now}
	req := Request{}
	if err := req.Validate(); err != nil {
		t.Fatal(err)
	}
	res, err := a.Analyze(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != "degraded" || len(res.Degraded) != 1 || !strings.Contains(res.Degraded[0], "prometheus unavailable") || len(res.Anomalies) != 0 {
		t.Errorf("status %s, degraded %v, %d anomalies: want degraded by prometheus and none", res.Status, res.Degraded, len(res.Anomalies))
	}
}
