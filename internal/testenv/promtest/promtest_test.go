package promtest_test

import (
	"context"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"selfhealing.dev/coordination-engine/internal/testenv/promtest"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// oddLabel has a double quote and a backslash, which OpenMetrics must escape.
const oddLabel = `b"c\d`

// loaded is two series of x at a 1-minute step over 30 minutes (31 samples, t0 to t0+30m):
// x{job="a"} is i and x{job=oddLabel} is i*i at t0 + i minutes.
func loaded() []promtest.Series {
	a := make([]float64, 31)
	b := make([]float64, 31)
	for i := range a {
		a[i] = float64(i)
		b[i] = float64(i * i)
	}
	return []promtest.Series{
		{Name: "x", Labels: map[string]string{"job": "a"}, Start: t0, Step: time.Minute, Values: a},
		{Name: "x", Labels: map[string]string{"job": oddLabel}, Start: t0, Step: time.Minute, Values: b},
	}
}

func TestStartQueries(t *testing.T) {
	series := loaded()
	begin := time.Now()
	srv := promtest.Start(t, promtest.OpenMetrics(series...))
	t.Logf("Start took %v", time.Since(begin))

	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	client, err := api.NewClient(api.Config{Address: srv.URL, RoundTripper: tr})
	if err != nil {
		t.Fatal(err)
	}
	prom := v1.NewAPI(client)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	t.Run("QueryRange returns the loaded samples", func(t *testing.T) {
		got, warnings, _, err := prom.QueryRange(ctx, "x", v1.Range{Start: t0, End: t0.Add(30 * time.Minute), Step: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		if len(warnings) > 0 {
			t.Errorf("warnings: %v", warnings)
		}
		matrix, ok := got.(model.Matrix)
		if !ok {
			t.Fatalf("result is %T, want a matrix", got)
		}
		if len(matrix) != len(series) {
			t.Fatalf("got %d series, want %d: %v", len(matrix), len(series), matrix)
		}
		for _, s := range series {
			stream := find(t, matrix, s.Labels["job"])
			if len(stream.Values) != len(s.Values) {
				t.Fatalf("job=%q: got %d samples, want %d", s.Labels["job"], len(stream.Values), len(s.Values))
			}
			for i, p := range stream.Values {
				wantTime := model.TimeFromUnixNano(t0.Add(time.Duration(i) * time.Minute).UnixNano())
				if p.Timestamp != wantTime || float64(p.Value) != s.Values[i] {
					t.Errorf("job=%q sample %d: got %v @ %v, want %v @ %v", s.Labels["job"], i, p.Value, p.Timestamp.Time().UTC(), s.Values[i], wantTime.Time().UTC())
				}
			}
		}
	})

	// avg_over_time(x[5m]) at `at`, by hand; the samples are at whole minutes.
	tests := []struct {
		name  string
		at    time.Duration // after t0
		wantA float64       // mean of i over the window's samples
		wantB float64       // mean of i*i
	}{
		{"between samples: 6..10", 10*time.Minute + 30*time.Second, (6 + 7 + 8 + 9 + 10) / 5.0, (36 + 49 + 64 + 81 + 100) / 5.0},
		// Prometheus 2.x range selectors include both ends (3.x excludes the start).
		{"on a sample: 5..10, both ends included", 10 * time.Minute, (5 + 6 + 7 + 8 + 9 + 10) / 6.0, (25 + 36 + 49 + 64 + 81 + 100) / 6.0},
		{"window starts before the data: 0..2", 2*time.Minute + 30*time.Second, (0 + 1 + 2) / 3.0, (0 + 1 + 4) / 3.0},
		{"window ends after the data: 27..30", 32 * time.Minute, (27 + 28 + 29 + 30) / 4.0, (729 + 784 + 841 + 900) / 4.0},
	}
	for _, tt := range tests {
		t.Run("avg_over_time "+tt.name, func(t *testing.T) {
			got, _, _, err := prom.Query(ctx, "avg_over_time(x[5m])", t0.Add(tt.at))
			if err != nil {
				t.Fatal(err)
			}
			vector, ok := got.(model.Vector)
			if !ok {
				t.Fatalf("result is %T, want a vector", got)
			}
			if len(vector) != 2 {
				t.Fatalf("got %d series, want 2: %v", len(vector), vector)
			}
			for _, s := range vector {
				want := map[model.LabelValue]float64{"a": tt.wantA, oddLabel: tt.wantB}[s.Metric["job"]]
				if math.Abs(float64(s.Value)-want) > 1e-9 {
					t.Errorf("%v: got %v, want %v", s.Metric, s.Value, want)
				}
			}
		})
	}
}

func find(t *testing.T, m model.Matrix, job string) *model.SampleStream {
	t.Helper()
	for _, s := range m {
		if string(s.Metric["job"]) == job {
			if s.Metric[model.MetricNameLabel] != "x" {
				t.Errorf("job=%q: metric %v, want name x", job, s.Metric)
			}
			return s
		}
	}
	t.Fatalf("no series with job=%q in %v", job, m)
	return nil
}

func TestOpenMetrics(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 500_000_000, time.UTC)
	tests := []struct {
		name   string
		series []promtest.Series
		want   string
	}{
		{"nothing", nil, "# EOF\n"},
		{
			"families contiguous, labels sorted and escaped, NaN skipped",
			[]promtest.Series{
				{Name: "up", Labels: map[string]string{"z": "1", "a": "q\"b\\s\nn"}, Start: start, Step: time.Minute, Values: []float64{1, math.NaN(), 0.25}},
				{Name: "other", Start: start, Step: time.Second, Values: []float64{math.Inf(1), -2e-9}},
				{Name: "up", Labels: map[string]string{"z": "2"}, Start: start, Step: time.Minute, Values: []float64{3}},
			},
			"# TYPE up gauge\n" +
				`up{a="q\"b\\s\nn",z="1"} 1 1767225600.5` + "\n" +
				`up{a="q\"b\\s\nn",z="1"} 0.25 1767225720.5` + "\n" +
				`up{z="2"} 3 1767225600.5` + "\n" +
				"# TYPE other gauge\n" +
				"other +Inf 1767225600.5\n" +
				"other -2e-09 1767225601.5\n" +
				"# EOF\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := promtest.OpenMetrics(tt.series...); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}
