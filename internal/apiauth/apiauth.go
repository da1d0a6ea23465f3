package apiauth

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// Mode is how requests are authenticated.
type Mode string

// The modes.
const (
	ModeNone       Mode = "none"
	ModeToken      Mode = "token"
	ModeKubernetes Mode = "kubernetes"
)

// Access is what a request does: read or write.
type Access string

// The accesses.
const (
	Read  Access = "read"
	Write Access = "write"
)

// AccessFor is a method's access: GET and HEAD read, everything else writes.
func AccessFor(method string) Access {
	if method == http.MethodGet || method == http.MethodHead {
		return Read
	}
	return Write
}

// Error is a refused request.
type Error struct {
	// Status is 401, 403 or 503.
	Status  int
	Message string
}

func (e *Error) Error() string { return e.Message }

func unauthenticated(format string, a ...any) *Error {
	return &Error{Status: http.StatusUnauthorized, Message: fmt.Sprintf(format, a...)}
}

func forbidden(format string, a ...any) *Error {
	return &Error{Status: http.StatusForbidden, Message: fmt.Sprintf(format, a...)}
}

// bearer returns the request's bearer token, or "".
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// Authorizer decides on one request; nil error means it may go ahead. It returns the caller's
// name for the logs.
type Authorizer interface {
	Authorize(ctx context.Context, r *http.Request) (string, error)
}
