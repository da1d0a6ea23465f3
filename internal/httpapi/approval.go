package httpapi

import (
	"context"
	"net/http"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
)

// Approvals records people's decisions on workflows that wait for approval.
type Approvals interface {
	Decide(ctx context.Context, id string, decision v1alpha1.ApprovalDecision, by, reason string) (*v1alpha1.RemediationWorkflow, error)
}

type approvalRequest struct {
	// By names who decides; "api" when empty (the API has no authentication yet).
	By     *string `json:"by"`
	Reason *string `json:"reason"`
}

// decideWorkflow answers POST /api/v1/workflows/{id}/approve and /reject: 200 with the
// workflow, 409 when it does not wait for approval or was decided the other way.
func (s *Server) decideWorkflow(decision v1alpha1.ApprovalDecision) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.deps.Approvals == nil {
			s.writeError(w, r, &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "approvals are not available"})
			return
		}
		id := r.PathValue("id")
		if err := checkName("id", id); err != nil {
			s.writeError(w, r, err)
			return
		}
		var req approvalRequest
		if err := decodeOptionalJSON(r, &req); err != nil {
			s.writeError(w, r, err)
			return
		}
		by, reason := "api", ""
		if req.By != nil {
			if err := checkLength("by", *req.By, 1, 253); err != nil {
				s.writeError(w, r, err)
				return
			}
			by = *req.By
		}
		if req.Reason != nil {
			if err := checkLength("reason", *req.Reason, 0, 1024); err != nil {
				s.writeError(w, r, err)
				return
			}
			reason = *req.Reason
		}
		wf, err := s.deps.Approvals.Decide(r.Context(), id, decision, by, reason)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, toWorkflowBody(wf))
	})
}
