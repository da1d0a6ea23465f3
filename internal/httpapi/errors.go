package httpapi

import (
	"context"
	"errors"
	"net/http"
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
	switch {
	case errors.As(err, &apiErr):
		return apiErr.Status, errorBody{Error: apiErr.Message, Code: apiErr.Code, Field: apiErr.Field}
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
