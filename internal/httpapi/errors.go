package httpapi

import (
	"context"
	"errors"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	utilnet "k8s.io/apimachinery/pkg/util/net"

	"selfhealing.dev/coordination-engine/internal/alertmanager"
	"selfhealing.dev/coordination-engine/internal/anomaly"
	"selfhealing.dev/coordination-engine/internal/apiauth"
	"selfhealing.dev/coordination-engine/internal/coordination"
	"selfhealing.dev/coordination-engine/internal/incident"
	"selfhealing.dev/coordination-engine/internal/managedby"
	"selfhealing.dev/coordination-engine/internal/mlservice"
	"selfhealing.dev/coordination-engine/internal/workflow"
)

// Error is a client-visible error with its HTTP status.
type Error struct {
	// Status is the HTTP status code.
	Status int
	// Code is a short machine-readable reason, e.g. "invalid_field".
	Code string
	// Field names the request field at fault, when there is one.
	Field string
	// Message is the human-readable error.
	Message string
}

func (e *Error) Error() string { return e.Message }

// errorBody is the JSON shape of every 4xx/5xx answer.
type errorBody struct {
	Error   string `json:"error"`
	Code    string `json:"code,omitempty"`
	Field   string `json:"field,omitempty"`
	Details any    `json:"details,omitempty"`
}

// statusFor maps an error to its HTTP status and body. It is the only place that does so.
func statusFor(err error) (int, errorBody) {
	var apiErr *Error
	var maxBytes *http.MaxBytesError
	var fieldErr *incident.FieldError
	var stateErr *incident.StateError
	var wfStateErr *workflow.StateError
	var alertErr *alertmanager.FieldError
	var coordErr *coordination.FieldError
	var modelErr *mlservice.ModelError
	var anomalyErr *anomaly.FieldError
	var authErr *apiauth.Error
	switch {
	case errors.As(err, &apiErr):
		return apiErr.Status, errorBody{Error: apiErr.Message, Code: apiErr.Code, Field: apiErr.Field}
	case errors.As(err, &authErr):
		return authErr.Status, errorBody{Error: authErr.Message, Code: authCodes[authErr.Status]}
	case errors.Is(err, incident.ErrNotFound), errors.Is(err, workflow.ErrNotFound), errors.Is(err, managedby.ErrTargetNotFound):
		return http.StatusNotFound, errorBody{Error: err.Error(), Code: "not_found"}
	case errors.Is(err, managedby.ErrInvalidTarget), errors.Is(err, managedby.ErrUnknownKind):
		return http.StatusBadRequest, errorBody{Error: err.Error(), Code: "invalid_request"}
	case errors.As(err, &fieldErr):
		return http.StatusBadRequest, errorBody{Error: fieldErr.Error(), Code: "invalid_field", Field: fieldErr.Field}
	case errors.As(err, &anomalyErr):
		return http.StatusBadRequest, errorBody{Error: anomalyErr.Error(), Code: "invalid_field", Field: anomalyErr.Field}
	case errors.As(err, &coordErr):
		return http.StatusBadRequest, errorBody{Error: coordErr.Message, Code: "invalid_field", Field: coordErr.Field}
	case errors.Is(err, mlservice.ErrUnknownModel):
		return http.StatusNotFound, errorBody{Error: err.Error(), Code: "not_found"}
	case errors.As(err, &modelErr):
		return modelStatus(modelErr)
	case errors.Is(err, mlservice.ErrUnavailable):
		return http.StatusServiceUnavailable, errorBody{Error: err.Error(), Code: "model_unavailable"}
	case errors.As(err, &alertErr):
		return http.StatusBadRequest, errorBody{Error: alertErr.Error(), Code: "invalid_field", Field: alertErr.Field}
	case errors.As(err, &stateErr):
		return http.StatusConflict, errorBody{Error: stateErr.Error(), Code: "conflict"}
	case errors.As(err, &wfStateErr):
		return http.StatusConflict, errorBody{Error: wfStateErr.Error(), Code: "conflict"}
	case meta.IsNoMatchError(err):
		return http.StatusServiceUnavailable, errorBody{Error: "the engine's CRDs are not installed in the cluster (config/crd/bases): " + err.Error(), Code: "crd_missing"}
	case apierrors.IsConflict(err):
		return http.StatusConflict, errorBody{Error: "the object changed concurrently; retry: " + err.Error(), Code: "conflict"}
	case apierrors.IsInvalid(err), apierrors.IsBadRequest(err):
		return http.StatusBadRequest, errorBody{Error: err.Error(), Code: "invalid_request"}
	case apierrors.IsTimeout(err), apierrors.IsServerTimeout(err), apierrors.IsServiceUnavailable(err),
		apierrors.IsTooManyRequests(err), utilnet.IsConnectionRefused(err):
		return http.StatusServiceUnavailable, errorBody{Error: "the Kubernetes API is unavailable: " + err.Error(), Code: "unavailable"}
	case apierrors.IsForbidden(err):
		return http.StatusBadGateway, errorBody{Error: "the engine lacks a permission: " + err.Error(), Code: "forbidden"}
	case errors.As(err, &maxBytes):
		return http.StatusRequestEntityTooLarge, errorBody{Error: "request body larger than the limit", Code: "body_too_large"}
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout, errorBody{Error: "timed out: " + err.Error(), Code: "timeout"}
	case errors.Is(err, context.Canceled):
		return http.StatusServiceUnavailable, errorBody{Error: "request cancelled: " + err.Error(), Code: "cancelled"}
	default:
		return http.StatusInternalServerError, errorBody{Error: "internal error: " + err.Error(), Code: "internal"}
	}
}

// modelStatus passes a model server's answer on with the model's own message: its 400, 404 and
// 503 as they are; its 500 (how a predictor refuses a wrong feature count) as a 400, since the
// input was wrong; anything else as a 502.
func modelStatus(e *mlservice.ModelError) (int, errorBody) {
	switch e.Status {
	case http.StatusBadRequest, http.StatusInternalServerError:
		return http.StatusBadRequest, errorBody{Error: e.Message, Code: "model_rejected"}
	case http.StatusNotFound:
		return http.StatusNotFound, errorBody{Error: e.Message, Code: "not_found"}
	case http.StatusServiceUnavailable:
		return http.StatusServiceUnavailable, errorBody{Error: e.Message, Code: "model_unavailable"}
	}
	return http.StatusBadGateway, errorBody{Error: e.Message, Code: "model_error"}
}

var authCodes = map[int]string{
	http.StatusUnauthorized: "unauthenticated", http.StatusForbidden: "forbidden", http.StatusServiceUnavailable: "auth_unavailable",
}
