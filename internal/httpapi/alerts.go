package httpapi

import (
	"context"
	"net/http"

	"selfhealing.dev/coordination-engine/internal/alertmanager"
)

// Alerts receives Alertmanager's webhook notifications.
type Alerts interface {
	// Receive opens or updates an incident per firing alert and closes the incident of each
	// resolved one.
	Receive(ctx context.Context, m alertmanager.Message) (AlertReceipt, error)
}

// AlertReceipt is what one notification led to.
type AlertReceipt struct {
	Received int            `json:"received"`
	Opened   int            `json:"opened"`
	Updated  int            `json:"updated"`
	Reopened int            `json:"reopened"`
	Resolved int            `json:"resolved"`
	Ignored  int            `json:"ignored"`
	Alerts   []AlertOutcome `json:"incidents"`
}

// AlertOutcome is what one alert led to.
type AlertOutcome struct {
	Fingerprint string `json:"fingerprint"`
	AlertName   string `json:"alertname"`
	Status      string `json:"status"`
	Incident    string `json:"incident_id,omitempty"`
	// Action is opened, updated, reopened, resolved or ignored.
	Action   string `json:"action"`
	Mode     string `json:"mode,omitempty"`
	Workflow string `json:"workflow_id,omitempty"`
	Note     string `json:"note,omitempty"`
}

// receiveAlerts answers POST /api/v1/alerts: Alertmanager's webhook (version 4). A payload it
// cannot read is a 400 naming the field; Alertmanager does not retry a 4xx, so the body says
// what to fix. 200 with what each alert led to.
func (s *Server) receiveAlerts(w http.ResponseWriter, r *http.Request) {
	if s.deps.Alerts == nil {
		s.writeError(w, r, &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "alert intake is not available"})
		return
	}
	m, err := alertmanager.Decode(r.Body)
	if err != nil {
		s.writeError(w, r, err) // 400 naming the field; a body over the limit is a 413
		return
	}
	receipt, err := s.deps.Alerts.Receive(r.Context(), m)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, receipt)
}
