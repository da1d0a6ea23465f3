package anomaly

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"selfhealing.dev/coordination-engine/internal/promquery"
)

const (
	step = time.Minute
	// maxReported caps the anomalies listed in one answer (all are counted).
	maxReported = 100
	// current is how many of the window's last minutes make an anomaly ongoing.
	current = 5
)

// RangeQuerier runs a PromQL range query (promquery.Client).
type RangeQuerier interface {
	Range(ctx context.Context, query string, start, end time.Time, step time.Duration) ([]promquery.Series, error)
}

// Model flags instances: -1 anomalous, 1 normal, one per instance.
type Model interface {
	Flags(ctx context.Context, model string, instances [][]float64) ([]int, error)
}

// Analyzer runs analyses. Prom and Model may be nil (not configured): the analysis then says
// so and does what it can.
type Analyzer struct {
	Prom  RangeQuerier
	Model Model
	Now   func() time.Time
}

// window is the minute grid of one analysis: index 0 is start, and minutes history..n-1 are
// analysed (the first five only feed the lags and rolling windows).
type window struct {
	start, end time.Time
	n          int
	span       time.Duration
}

func newWindow(now time.Time, timeRange string) window {
	span := timeRanges[timeRange]
	end := now.UTC().Truncate(step)
	start := end.Add(-span - history*step)
	return window{start: start, end: end, n: int(span/step) + history + 1, span: span}
}

func (w window) at(i int) time.Time { return w.start.Add(time.Duration(i) * step) }

// Analyze runs req (validated) and returns its result; it fails only when ctx ends.
func (a *Analyzer) Analyze(ctx context.Context, req Request) (Result, error) {
	w := newWindow(a.Now(), req.TimeRange)
	res := Result{Status: "success", TimeRange: req.TimeRange, Threshold: req.Threshold, AnalyzedAt: w.end.Format(time.RFC3339),
		Anomalies: []Anomaly{}, Recommendations: []string{}, Alerts: []Alert{}, Degraded: []string{}, Warnings: []string{}, Incidents: []IncidentRef{},
		Summary: Summary{TotalMetricsAnalyzed: len(req.Metrics), ModelsUsed: []string{}, BySeverity: map[string]int{}}}
	grids, samples, down, gaps := a.series(ctx, req.Scope, w)
	if err := ctx.Err(); err != nil {
		return res, err
	}
	res.Degraded = append(res.Degraded, down...)
	res.Warnings = append(res.Warnings, gaps...)
	verdicts, modelUsed, reason := a.flags(ctx, req.Model, grids, samples, w)
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if reason != "" {
		res.Degraded = append(res.Degraded, reason)
	}
	res.Summary.ModelsUsed = append(res.Summary.ModelsUsed, modelUsed)
	for m, name := range metricNames {
		if samples[m] == 0 || !slices.Contains(req.Metrics, name) {
			continue
		}
		res.Anomalies = append(res.Anomalies, scoreMetric(m, grids[m], samples[m], verdicts, modelUsed, req, w)...)
	}
	res.summarise()
	if len(res.Degraded) > 0 {
		res.Status = "degraded"
	}
	return res, nil
}

// series reads the five metrics, one range query each, in parallel, and fills their grids. A
// metric that could not be read or has no data has 0 samples. It says why Prometheus could not
// be used at all (down), or else which metrics are missing and why (gaps).
func (a *Analyzer) series(ctx context.Context, scope Scope, w window) (grids [][]float64, samples []int, down, gaps []string) {
	grids = make([][]float64, len(metricNames))
	samples = make([]int, len(metricNames))
	errs := make([]error, len(metricNames))
	qs := queries(scope)
	if a.Prom == nil {
		for m := range grids {
			grids[m] = make([]float64, w.n)
		}
		return grids, samples, []string{"prometheus: PROMETHEUS_URL is not set, so there are no series to analyse"}, nil
	}
	var wg sync.WaitGroup
	for m := range metricNames {
		wg.Go(func() {
			var series []promquery.Series
			series, errs[m] = a.Prom.Range(ctx, qs[m], w.start, w.end, step)
			var points []promquery.Point
			if len(series) > 0 {
				points = series[0].Points // each query aggregates to one series
			}
			grids[m] = promquery.Grid(points, w.start, step, w.n)
			samples[m] = countSamples(grids[m][history:])
			fill(grids[m])
		})
	}
	wg.Wait()
	down, gaps = missing(errs, samples)
	return grids, samples, down, gaps
}

func countSamples(x []float64) int {
	n := 0
	for _, v := range x {
		if !math.IsNaN(v) {
			n++
		}
	}
	return n
}

// missing says why Prometheus could not be used when it failed for every metric (down), or
// else which metrics could not be read or had no data (gaps).
func missing(errs []error, samples []int) (down, gaps []string) {
	failed := 0
	for _, err := range errs {
		if errors.Is(err, promquery.ErrUnavailable) {
			failed++
		}
	}
	if failed == len(errs) {
		return []string{fmt.Sprintf("prometheus unavailable, no metric could be read: %v", errs[0])}, nil
	}
	for m, name := range metricNames {
		switch {
		case errs[m] != nil:
			gaps = append(gaps, fmt.Sprintf("metric %s could not be read: %v", name, errs[m]))
		case samples[m] == 0:
			gaps = append(gaps, fmt.Sprintf("metric %s has no data in the window; the model saw zeros for it", name))
		}
	}
	return nil, gaps
}

// flags asks the model about every analysed minute. Without a model, or when it fails or
// answers in the wrong shape, every minute is noModel and the reason says why.
func (a *Analyzer) flags(ctx context.Context, model string, grids [][]float64, samples []int, w window) ([]verdict, string, string) {
	verdicts := make([]verdict, w.n)
	if slices.Max(samples) == 0 {
		return verdicts, "statistical", ""
	}
	if a.Model == nil {
		return verdicts, "statistical", "model: neither KServe models nor ML_SERVICE_URL are configured; scored by the statistical detector alone"
	}
	instances := make([][]float64, 0, w.n-history)
	for i := history; i < w.n; i++ {
		instances = append(instances, Vector(grids, i))
	}
	flags, err := a.Model.Flags(ctx, model, instances)
	if err == nil && len(flags) != len(instances) {
		err = fmt.Errorf("%d predictions for %d instances", len(flags), len(instances))
	}
	if err != nil {
		return verdicts, "statistical", fmt.Sprintf("model %s unavailable, scored by the statistical detector alone: %v", model, err)
	}
	for j, f := range flags {
		verdicts[history+j] = normal
		if f < 0 {
			verdicts[history+j] = flagged
		}
	}
	return verdicts, model, ""
}
