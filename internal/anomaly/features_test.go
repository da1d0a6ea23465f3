package anomaly

import (
	"math"
	"slices"
	"testing"
)

func TestFeatures(t *testing.T) {
	tests := []struct {
		name string
		x    []float64
		want [FeaturesPerMetric]float64
	}{
		{"a flat series has no spread and no change", []float64{3, 3, 3, 3, 3, 3}, [FeaturesPerMetric]float64{3, 3, 0, 3, 3, 3, 3, 0, 0}},
		{"a ramp", []float64{0, 1, 2, 3, 4, 5}, [FeaturesPerMetric]float64{5, 3, math.Sqrt(2.5), 1, 5, 4, 0, 1, 0.25}},
		{"a change from zero has no relative change", []float64{0, 0, 0, 0, 0, 7}, [FeaturesPerMetric]float64{7, 1.4, math.Sqrt(9.8), 0, 7, 0, 0, 7, 0}},
		{"a drop", []float64{8, 8, 8, 8, 8, 2}, [FeaturesPerMetric]float64{2, 6.8, math.Sqrt(7.2), 2, 8, 8, 8, -6, -0.75}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Features(tt.x, 5)
			for i := range got {
				if !close(got[i], tt.want[i]) {
					t.Errorf("%s = %v, want %v", FeatureNames[i], got[i], tt.want[i])
				}
			}
		})
	}
}

func TestVectorIsMetricMajor(t *testing.T) {
	grids := make([][]float64, len(metricNames))
	for m := range grids {
		grids[m] = []float64{0, 0, 0, 0, 0, float64(m + 1)}
	}
	v := Vector(grids, 5)
	if len(v) != VectorLength || VectorLength != 45 {
		t.Fatalf("len = %d (VectorLength %d), want 45", len(v), VectorLength)
	}
	for m := range grids {
		if v[m*9] != float64(m+1) || v[m*9+7] != float64(m+1) {
			t.Errorf("metric %d: value %v diff %v at %d, want %d", m, v[m*9], v[m*9+7], m*9, m+1)
		}
	}
}

func TestFillTakesTheValueBeforeAGap(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name    string
		x, want []float64
		samples int
	}{
		{"gaps take the value before them", []float64{1, nan, nan, 4, nan}, []float64{1, 1, 1, 4, 4}, 2},
		{"leading gaps take the first value", []float64{nan, nan, 5, 6}, []float64{5, 5, 5, 6}, 2},
		{"no data is zeros", []float64{nan, nan}, []float64{0, 0}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n := fill(tt.x); n != tt.samples || !slices.Equal(tt.x, tt.want) {
				t.Errorf("fill = %v (%d samples), want %v (%d)", tt.x, n, tt.want, tt.samples)
			}
		})
	}
}

func TestScoring(t *testing.T) {
	if s := statistical(zCutoff); !close(s, 0.7) {
		t.Errorf("s at the cut-off = %v, want 0.7 (the default threshold)", s)
	}
	if sc := score(1, normal); sc >= DefaultThreshold {
		t.Errorf("a minute the model did not flag scores %v, want below the threshold: the model vetoes", sc)
	}
	if c := confidence(1, noModel, 60); c >= 0.8 {
		t.Errorf("statistical confidence %v, want below the gate's default 0.8: no AI-driven action without the model", c)
	}
	if c := confidence(statistical(zCutoff), flagged, 60); c < 0.8 {
		t.Errorf("a flagged minute at the cut-off has confidence %v, want ≥ 0.8", c)
	}
	if c := confidence(1, flagged, 15); !close(c, 0.5) {
		t.Errorf("15 minutes of data give confidence %v, want half of 1", c)
	}
	b := newBaseline([]float64{5, 5, 5, 5, 5, 5, 9})
	if b.median != 5 || b.spread == 0 || b.z(5) != 0 || b.z(9) <= zCutoff {
		t.Errorf("baseline %+v: with MAD 0 the mean absolute deviation stands in, z(9) = %v", b, b.z(9))
	}
	flat := newBaseline([]float64{2, 2, 2})
	if !math.IsInf(flat.z(3), 1) || statistical(flat.z(3)) != 1 {
		t.Errorf("a flat baseline: z(3) = %v, want +Inf scoring 1", flat.z(3))
	}
}
