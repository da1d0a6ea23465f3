package mlservice

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// MLService calls the Python ML service (ADR-038) behind one breaker.
type MLService struct {
	endpoint *endpoint
}

// NewMLService returns a client for the ML service at baseURL (ML_SERVICE_URL).
func NewMLService(baseURL string, opts Options) *MLService {
	return &MLService{endpoint: newEndpoint(baseURL, opts.withDefaults())}
}

// BreakerState returns the state of the ML service's breaker.
func (s *MLService) BreakerState() State { return s.endpoint.breaker.State() }

// Detect posts body to /api/v1/detect and returns the 200 answer unchanged. Errors are those of
// KServe.Predict: *ModelError for 400/404/500/503 with the service's message, ErrUnavailable
// (wrapped) for connection errors, timeouts and an open breaker; the call is side-effect free
// (contract §4) so connection errors, timeouts and 503 are retried.
func (s *MLService) Detect(ctx context.Context, body json.RawMessage) (json.RawMessage, error) {
	out, err := s.endpoint.call(ctx, http.MethodPost, "/api/v1/detect", body)
	if err != nil {
		return nil, fmt.Errorf("detect: %w", err)
	}
	return out, nil
}
