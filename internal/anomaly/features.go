package anomaly

import (
	"math"
)

// FeatureNames are the nine features of one metric, in the model's order.
var FeatureNames = [FeaturesPerMetric]string{"value", "mean_5m", "std_5m", "min_5m", "max_5m", "lag_1", "lag_5", "diff", "pct_change"}

const (
	// FeaturesPerMetric is the number of features computed for each metric.
	FeaturesPerMetric = 9
	// VectorLength is the anomaly-detector's input width: 5 metrics × 9 features.
	VectorLength = len(metricNames) * FeaturesPerMetric
	// history is how many minutes before a point its features look back (lag_5).
	history = 5
)

// Features computes a metric's nine features at minute i of its grid x (i ≥ 5, x filled):
// the value; mean, sample standard deviation (n−1, as pandas' rolling std), min and max of the
// five minutes ending at i; the values 1 and 5 minutes earlier; the change from the minute
// before; and that change relative to the minute before (0 when that was 0).
func Features(x []float64, i int) [FeaturesPerMetric]float64 {
	w := x[i-4 : i+1]
	mean, lo, hi := 0.0, w[0], w[0]
	for _, v := range w {
		mean += v
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	mean /= float64(len(w))
	ss := 0.0
	for _, v := range w {
		ss += (v - mean) * (v - mean)
	}
	std := math.Sqrt(ss / float64(len(w)-1))
	diff := x[i] - x[i-1]
	pct := 0.0
	if x[i-1] != 0 {
		pct = diff / x[i-1]
	}
	return [FeaturesPerMetric]float64{x[i], mean, std, lo, hi, x[i-1], x[i-history], diff, pct}
}

// Vector is the model's input at minute i: each metric's features, metric-major (index m×9+f).
func Vector(grids [][]float64, i int) []float64 {
	v := make([]float64, 0, VectorLength)
	for _, x := range grids {
		f := Features(x, i)
		v = append(v, f[:]...)
	}
	return v
}

// fill replaces the gaps (NaN) of a grid in place: a gap takes the value before it, leading
// gaps the first value, and a grid with no sample at all is zeros. It returns how many samples
// the grid had.
func fill(x []float64) int {
	n, last, first := 0, math.NaN(), math.NaN()
	for _, v := range x {
		if !math.IsNaN(v) {
			n++
			if math.IsNaN(first) {
				first = v
			}
		}
	}
	if n == 0 {
		first = 0
	}
	last = first
	for i, v := range x {
		if math.IsNaN(v) {
			x[i] = last
		} else {
			last = v
		}
	}
	return n
}
