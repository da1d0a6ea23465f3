package anomaly

import (
	"math"
	"slices"
)

// zCutoff is the Iglewicz–Hoaglin robust z-score beyond which a point is an outlier; its score
// without a model is 0.7, the default threshold.
const zCutoff = 3.5

// scoreScale is k of s = 1 − exp(−|z|/k), chosen so that |z| = zCutoff gives s = 0.7.
var scoreScale = zCutoff / math.Log(1/0.3)

// baseline is a metric's robust centre and spread over the analysed window.
type baseline struct {
	median float64
	// spread is MAD/0.6745 (or 1.2533 × the mean absolute deviation when the MAD is 0): the
	// standard deviation a normal distribution with that MAD would have.
	spread float64
}

func newBaseline(x []float64) baseline {
	sorted := slices.Clone(x)
	slices.Sort(sorted)
	med := median(sorted)
	dev := make([]float64, len(x))
	mean := 0.0
	for i, v := range x {
		dev[i] = math.Abs(v - med)
		mean += dev[i]
	}
	slices.Sort(dev)
	if mad := median(dev); mad > 0 {
		return baseline{median: med, spread: mad / 0.6745}
	}
	return baseline{median: med, spread: 1.2533 * mean / float64(max(1, len(x)))}
}

func median(sorted []float64) float64 {
	n := len(sorted)
	switch {
	case n == 0:
		return 0
	case n%2 == 1:
		return sorted[n/2]
	default:
		return (sorted[n/2-1] + sorted[n/2]) / 2
	}
}

// z is v's robust z-score: 0 at the median, ±Inf off it when the window has no spread.
func (b baseline) z(v float64) float64 {
	d := v - b.median
	switch {
	case d == 0:
		return 0
	case b.spread == 0:
		return math.Copysign(math.Inf(1), d)
	default:
		return d / b.spread
	}
}

// band is the range of values whose |z| stays below the cut-off.
func (b baseline) band() (lo, hi float64) {
	return b.median - zCutoff*b.spread, b.median + zCutoff*b.spread
}

// statistical is s, the score the robust z-score alone gives.
func statistical(z float64) float64 { return 1 - math.Exp(-math.Abs(z)/scoreScale) }

// verdict is the model's say on one minute.
type verdict int

const (
	noModel verdict = iota
	flagged
	normal
)

// score and confidence combine the statistical score with the model's verdict (package doc).
func score(s float64, v verdict) float64 {
	switch v {
	case flagged:
		return 0.4 + 0.6*s
	case normal:
		return 0.6 * s
	default:
		return s
	}
}

func confidence(s float64, v verdict, samples int) float64 {
	d := math.Min(1, float64(samples)/30)
	if v == flagged {
		return (0.6 + 0.4*s) * d
	}
	return 0.6 * s * d
}
