package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"

	"selfhealing.dev/coordination-engine/internal/mlservice"
)

// Models serves the model endpoints (contract §4) from the KServe client.
type Models interface {
	Registry() mlservice.Registry
	Ready(ctx context.Context, model string) error
	Predict(ctx context.Context, model string, instances [][]float64) (mlservice.Prediction, error)
	BreakerState(model string) (mlservice.State, bool)
}

type modelDetail struct {
	Name        string `json:"name"`
	ServerModel string `json:"server_model"`
	Service     string `json:"service"`
	URL         string `json:"url"`
	Breaker     string `json:"breaker"`
}

// listModels answers GET /api/v1/models: the configured models' names, even when their
// predictors are down (clients rely on the list), with details under another key.
func (s *Server) listModels(w http.ResponseWriter, r *http.Request) {
	body := struct {
		Models  []string      `json:"models"`
		Count   int           `json:"count"`
		Details []modelDetail `json:"details"`
		Message string        `json:"message,omitempty"`
	}{Models: []string{}, Details: []modelDetail{}}
	if s.deps.Models == nil {
		body.Message = "KServe integration is disabled (ENABLE_KSERVE_INTEGRATION=false) or no model is configured (KSERVE_<NAME>_SERVICE)"
		writeJSON(w, http.StatusOK, body)
		return
	}
	for _, m := range s.deps.Models.Registry().Models {
		st, _ := s.deps.Models.BreakerState(m.Name)
		body.Models = append(body.Models, m.Name)
		body.Details = append(body.Details, modelDetail{Name: m.Name, ServerModel: m.ServerModel, Service: m.Service, URL: m.URL, Breaker: string(st)})
	}
	body.Count = len(body.Models)
	writeJSON(w, http.StatusOK, body)
}

// modelHealth answers GET /api/v1/models/{model}/health: ready only when the predictor says the
// model is loaded, asked afresh each time (predictors restart after retraining).
func (s *Server) modelHealth(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("model")
	m, ok := s.lookupModel(w, r, name)
	if !ok {
		return
	}
	body := struct {
		Model     string `json:"model"`
		Status    string `json:"status"`
		Service   string `json:"service"`
		Namespace string `json:"namespace"`
		Message   string `json:"message"`
	}{Model: m.Name, Status: "ready", Service: m.Service, Namespace: s.opts.KServeNamespace, Message: "the predictor has the model loaded"}
	var merr *mlservice.ModelError
	switch err := s.deps.Models.Ready(r.Context(), m.Name); {
	case err == nil:
	case errors.As(err, &merr) && merr.Status == http.StatusNotFound:
		body.Status, body.Message = "not_loaded", merr.Message
	default:
		body.Status, body.Message = "unavailable", err.Error()
	}
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) lookupModel(w http.ResponseWriter, r *http.Request, name string) (mlservice.Model, bool) {
	if s.deps.Models == nil {
		s.writeError(w, r, &Error{Status: http.StatusNotFound, Code: "not_found", Message: "unknown model " + name + ": KServe integration is disabled"})
		return mlservice.Model{}, false
	}
	m, ok := s.deps.Models.Registry().Lookup(name)
	if !ok {
		s.writeError(w, r, &Error{Status: http.StatusNotFound, Code: "not_found", Message: "unknown model " + name})
	}
	return m, ok
}

type detectRequest struct {
	Model     string            `json:"model"`
	Instances []json.RawMessage `json:"instances"`
}

// predict answers POST /api/v1/detect: the model's predictions passed through unchanged. Side-effect
// free; a model's own refusal (a wrong feature count) is a 400 with its message.
func (s *Server) predict(w http.ResponseWriter, r *http.Request) {
	var req detectRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Model == "" {
		s.writeError(w, r, missing("model"))
		return
	}
	instances, err := parseInstances(req.Instances)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	m, ok := s.lookupModel(w, r, req.Model)
	if !ok {
		return
	}
	p, err := s.deps.Models.Predict(r.Context(), m.Name, instances)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Predictions  json.RawMessage `json:"predictions"`
		ModelName    string          `json:"model_name"`
		ModelVersion string          `json:"model_version"`
	}{Predictions: p.Predictions, ModelName: m.Name, ModelVersion: m.ServerModel})
}

// maxInstances bounds one detect request.
const maxInstances = 10000

// parseInstances reads a non-empty list of non-empty lists of finite numbers.
func parseInstances(raw []json.RawMessage) ([][]float64, error) {
	if len(raw) == 0 {
		return nil, missing("instances")
	}
	if len(raw) > maxInstances {
		return nil, badRequest("instances", "instances: at most 10000 per request")
	}
	out := make([][]float64, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal(r, &out[i]); err != nil || len(out[i]) == 0 {
			return nil, badRequest("instances", "instances: each instance must be a non-empty list of numbers")
		}
		for _, v := range out[i] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, badRequest("instances", "instances: numbers must be finite")
			}
		}
	}
	return out, nil
}
