package httpapi

import (
	"context"
	"net/http"

	"selfhealing.dev/coordination-engine/internal/coordination"
)

// Coordinations starts multi-layer coordination workflows.
type Coordinations interface {
	// Trigger plans the resources and records the coordination workflow: a
	// *coordination.FieldError for an invalid resource, incident.ErrNotFound for an unknown
	// incident, managedby.ErrTargetNotFound for a resource that does not exist. The same request
	// twice returns the same active workflow (Created false).
	Trigger(ctx context.Context, t coordination.Trigger) (coordination.Result, error)
}

// triggerCoordination answers POST /api/v1/coordination/trigger: 202 with the workflow and its
// plan, 400 naming the invalid field, 404 for an unknown incident or resource, 503 when
// coordination is not wired.
func (s *Server) triggerCoordination(w http.ResponseWriter, r *http.Request) {
	if s.deps.Coordinations == nil {
		s.writeError(w, r, &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "coordination is not available"})
		return
	}
	var req coordinationRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := req.validate()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.deps.Coordinations.Trigger(r.Context(), t)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, toCoordinationTriggered(res))
}
