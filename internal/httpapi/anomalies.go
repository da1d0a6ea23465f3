package httpapi

import (
	"context"
	"net/http"

	"selfhealing.dev/coordination-engine/internal/anomaly"
)

// Anomalies analyses metrics for anomalies.
type Anomalies interface {
	// Analyze runs the validated request; labelSelector, when set, chooses the pods (a
	// Kubernetes label selector, resolved by the caller).
	Analyze(ctx context.Context, req anomaly.Request, labelSelector string) (anomaly.Result, error)
}

// analyzeRequest is the body of POST /api/v1/anomalies/analyze; every key is optional.
type analyzeRequest struct {
	TimeRange string   `json:"timeRange"`
	Metrics   []string `json:"metrics"`
	// Threshold is a pointer so that an explicit 0 is refused rather than taken as the default.
	Threshold *float64 `json:"threshold"`
	// IncludePredictions is accepted for the Python engine's clients; the anomaly-detector's
	// flags are always used when the model answers.
	IncludePredictions bool     `json:"includePredictions"`
	Models             []string `json:"models"`
	ModelName          string   `json:"modelName"`
	Namespace          string   `json:"namespace"`
	Deployment         string   `json:"deployment"`
	Pod                string   `json:"pod"`
	LabelSelector      string   `json:"labelSelector"`
}

// analyzeAnomalies answers POST /api/v1/anomalies/analyze: 200 with the analysis, degraded (and
// saying why) rather than failing when the model or Prometheus is unavailable; 400 naming the
// field for a bad request.
func (s *Server) analyzeAnomalies(w http.ResponseWriter, r *http.Request) {
	var body analyzeRequest
	if err := decodeOptionalJSON(r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	req, err := body.toRequest()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if s.deps.Anomalies == nil {
		s.writeError(w, r, &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "anomaly analysis is not available in this engine"})
		return
	}
	res, err := s.deps.Anomalies.Analyze(r.Context(), req, body.LabelSelector)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (b analyzeRequest) toRequest() (anomaly.Request, error) {
	req := anomaly.Request{TimeRange: b.TimeRange, Metrics: b.Metrics, Model: b.ModelName,
		Scope: anomaly.Scope{Namespace: b.Namespace, Deployment: b.Deployment, Pod: b.Pod}}
	if b.Threshold != nil {
		if *b.Threshold == 0 {
			return req, badRequest("threshold", "threshold 0 would report every minute; give a value in (0, 1] or leave it out")
		}
		req.Threshold = *b.Threshold
	}
	if req.Model == "" && len(b.Models) > 0 {
		req.Model = b.Models[0]
	}
	if req.Model != "" {
		if err := checkName("modelName", req.Model); err != nil {
			return req, err
		}
	}
	if err := b.checkScope(); err != nil {
		return req, err
	}
	if err := req.Validate(); err != nil {
		return req, err
	}
	return req, nil
}

// checkScope checks the names and that they fit together.
func (b analyzeRequest) checkScope() error {
	if b.Namespace != "" {
		if err := checkNamespace("namespace", b.Namespace); err != nil {
			return err
		}
	}
	for _, f := range []struct{ field, v string }{{"deployment", b.Deployment}, {"pod", b.Pod}} {
		if f.v == "" {
			continue
		}
		if err := checkName(f.field, f.v); err != nil {
			return err
		}
		if b.Namespace == "" {
			return badRequest("namespace", "namespace is required with "+f.field)
		}
	}
	switch {
	case b.Deployment != "" && b.Pod != "":
		return badRequest("pod", "give deployment or pod, not both")
	case b.LabelSelector != "" && (b.Deployment != "" || b.Pod != ""):
		return badRequest("labelSelector", "give labelSelector or a deployment or pod, not both")
	}
	return nil
}
