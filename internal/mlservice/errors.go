package mlservice

import (
	"errors"
	"fmt"
	"net/http"
)

// ErrUnavailable is wrapped by errors for connection failures, timeouts and open breakers. A
// *ModelError with status 503 also matches it with errors.Is.
var ErrUnavailable = errors.New("model server unavailable")

// ErrUnknownModel is wrapped when a model is not in the Registry.
var ErrUnknownModel = errors.New("unknown model")

// ModelError is a non-2xx answer of a model server or the ML service: Status is the HTTP status,
// Message the server's own "error" text (or the raw body when it is not JSON).
type ModelError struct {
	Status  int
	Message string
}

// Error implements error.
func (e *ModelError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, http.StatusText(e.Status), e.Message)
}

// Is reports a 503 answer as ErrUnavailable.
func (e *ModelError) Is(target error) bool {
	return target == ErrUnavailable && e.Status == http.StatusServiceUnavailable
}
