package mlservice

import (
	"encoding/json"
	"fmt"
	"math"
)

// Prediction is a KServe v1 answer. Predictions is kept raw because models return ints (-1
// anomaly, 1 normal), floats or nested lists; the methods decode the shape the caller expects.
type Prediction struct {
	Predictions json.RawMessage `json:"predictions"`
}

// Floats decodes a flat list of numbers (ints included).
func (p Prediction) Floats() ([]float64, error) {
	var out []float64
	if err := json.Unmarshal(p.Predictions, &out); err != nil {
		return nil, fmt.Errorf("predictions as a flat list of numbers: %w", err)
	}
	return out, nil
}

// Ints decodes a flat list of integral numbers (1 and 1.0 both count); a fraction is an error.
func (p Prediction) Ints() ([]int, error) {
	fs, err := p.Floats()
	if err != nil {
		return nil, err
	}
	out := make([]int, len(fs))
	for i, f := range fs {
		if f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return nil, fmt.Errorf("prediction %d is %v, not an integer", i, f)
		}
		out[i] = int(f)
	}
	return out, nil
}

// Nested decodes a list of lists of numbers (one row per instance).
func (p Prediction) Nested() ([][]float64, error) {
	var out [][]float64
	if err := json.Unmarshal(p.Predictions, &out); err != nil {
		return nil, fmt.Errorf("predictions as a list of lists of numbers: %w", err)
	}
	return out, nil
}
