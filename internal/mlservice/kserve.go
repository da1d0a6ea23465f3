package mlservice

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

// KServe calls the configured models' predictors with the KServe v1 protocol, one breaker per
// model.
type KServe struct {
	registry  Registry
	endpoints map[string]*endpoint
}

// NewKServe returns a client for the models of registry.
func NewKServe(registry Registry, opts Options) *KServe {
	opts = opts.withDefaults()
	k := &KServe{registry: registry, endpoints: make(map[string]*endpoint, len(registry.Models))}
	for _, m := range registry.Models {
		k.endpoints[m.Name] = newEndpoint(m.URL, opts)
	}
	return k
}

// Registry returns the configured models.
func (k *KServe) Registry() Registry { return k.registry }

// BreakerState returns the state of model's breaker; false when the model is unknown.
func (k *KServe) BreakerState(model string) (State, bool) {
	e, ok := k.endpoints[model]
	if !ok {
		return "", false
	}
	return e.breaker.State(), true
}

// Predict sends instances to model (a logical name) via POST /v1/models/<model>:predict. Errors:
// ErrUnknownModel (wrapped) for a model not in the registry, *ModelError for a non-2xx answer (a
// wrong feature count is a 500 with the model's message), ErrUnavailable (wrapped) when the
// predictor is unreachable, times out or its breaker is open. Connection errors, timeouts and
// 503 are retried (predict is side-effect free); 4xx and 500 are not.
func (k *KServe) Predict(ctx context.Context, model string, instances [][]float64) (Prediction, error) {
	m, e, err := k.lookup(model)
	if err != nil {
		return Prediction{}, err
	}
	if instances == nil {
		instances = [][]float64{}
	}
	body, err := json.Marshal(struct {
		Instances [][]float64 `json:"instances"`
	}{instances})
	if err != nil {
		return Prediction{}, fmt.Errorf("predict %s: %w", model, err)
	}
	out, err := e.call(ctx, http.MethodPost, "/v1/models/"+url.PathEscape(m.ServerModel)+":predict", body)
	if err != nil {
		return Prediction{}, fmt.Errorf("predict %s: %w", model, err)
	}
	var p Prediction
	if err := json.Unmarshal(out, &p); err != nil {
		return Prediction{}, fmt.Errorf("predict %s: decode answer: %w", model, err)
	}
	if len(p.Predictions) == 0 {
		return Prediction{}, fmt.Errorf("predict %s: answer has no predictions", model)
	}
	return p, nil
}

// Ready returns nil when model's predictor answers GET /v1/models/<model> with 200. A model the
// predictor does not know is a *ModelError with status 404 and the predictor's message; see
// Predict for the other errors. It is retried like Predict.
func (k *KServe) Ready(ctx context.Context, model string) error {
	m, e, err := k.lookup(model)
	if err != nil {
		return err
	}
	if _, err := e.call(ctx, http.MethodGet, "/v1/models/"+url.PathEscape(m.ServerModel), nil); err != nil {
		return fmt.Errorf("ready %s: %w", model, err)
	}
	return nil
}

func (k *KServe) lookup(model string) (Model, *endpoint, error) {
	m, ok := k.registry.Lookup(model)
	if !ok {
		return Model{}, nil, fmt.Errorf("model %q: %w", model, ErrUnknownModel)
	}
	return m, k.endpoints[model], nil
}
