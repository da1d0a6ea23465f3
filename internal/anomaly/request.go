package anomaly

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// DefaultModel is the model asked when the request names none.
const DefaultModel = "anomaly-detector"

// DefaultThreshold is the score an anomaly must reach when the request gives no threshold.
const DefaultThreshold = 0.7

// timeRanges are the windows an analysis may cover: a fixed set, so no request text reaches a
// query, and at most a day of minutes goes to the model in one call.
var timeRanges = map[string]time.Duration{
	"15m": 15 * time.Minute, "30m": 30 * time.Minute, "1h": time.Hour, "2h": 2 * time.Hour,
	"6h": 6 * time.Hour, "12h": 12 * time.Hour, "24h": 24 * time.Hour,
}

// FieldError is a request field with a value the analysis cannot use.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// Request is one analysis, validated by NewRequest.
type Request struct {
	// TimeRange is the analysed window, ending at the current minute ("1h" by default).
	TimeRange string
	// Metrics are the metrics to report on; all five by default. The model sees all five.
	Metrics []string
	// Threshold is the score an anomaly reaches (0 < t ≤ 1).
	Threshold float64
	// Model is the anomaly-detector's name in the registry.
	Model string
	Scope Scope
}

// Defaults fills what the request left out.
func (r *Request) defaults() {
	if r.TimeRange == "" {
		r.TimeRange = "1h"
	}
	if len(r.Metrics) == 0 {
		r.Metrics = MetricNames()
	}
	if r.Threshold == 0 {
		r.Threshold = DefaultThreshold
	}
	if r.Model == "" {
		r.Model = DefaultModel
	}
}

// Validate fills the defaults and checks every field, naming the first bad one. Names in the
// scope are checked by the caller (they are Kubernetes names).
func (r *Request) Validate() error {
	r.defaults()
	if _, ok := timeRanges[r.TimeRange]; !ok {
		return &FieldError{Field: "timeRange", Message: fmt.Sprintf("%q is not one of %s", r.TimeRange, strings.Join(TimeRanges(), ", "))}
	}
	for i, m := range r.Metrics {
		if !slices.Contains(metricNames[:], m) {
			return &FieldError{Field: fmt.Sprintf("metrics[%d]", i), Message: fmt.Sprintf("%q is not one of %s", m, strings.Join(MetricNames(), ", "))}
		}
	}
	if !(r.Threshold > 0 && r.Threshold <= 1) {
		return &FieldError{Field: "threshold", Message: fmt.Sprintf("%v is not in (0, 1]", r.Threshold)}
	}
	return nil
}

// TimeRanges lists the accepted windows, shortest first.
func TimeRanges() []string {
	names := make([]string, 0, len(timeRanges))
	for n := range timeRanges {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int { return int(timeRanges[a] - timeRanges[b]) })
	return names
}
