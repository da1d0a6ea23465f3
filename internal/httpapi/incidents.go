package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/incident"
)

// Incidents is what the incident endpoints need.
type Incidents interface {
	Create(ctx context.Context, n incident.New) (*v1alpha1.Incident, bool, error)
	Get(ctx context.Context, id string) (*v1alpha1.Incident, error)
	List(f incident.Filter) incident.Page
	Update(ctx context.Context, id string, c incident.Change) (*v1alpha1.Incident, error)
	Cancel(ctx context.Context, id, by string) (*v1alpha1.Incident, error)
	Correlate(ctx context.Context, id string, c v1alpha1.Correlation) (*v1alpha1.Incident, error)
}

type summaryBody struct {
	Total              int            `json:"total"`
	Active             int            `json:"active"`
	Completed          int            `json:"completed"`
	Failed             int            `json:"failed"`
	Cancelled          int            `json:"cancelled"`
	BySeverity         map[string]int `json:"by_severity"`
	TotalIncidents     int            `json:"total_incidents"`
	ActiveIncidents    int            `json:"active_incidents"`
	CompletedIncidents int            `json:"completed_incidents"`
	FailedIncidents    int            `json:"failed_incidents"`
}

type listMetadata struct {
	Total     int               `json:"total"`
	Count     int               `json:"count"`
	Offset    int               `json:"offset"`
	Limit     int               `json:"limit"`
	Filters   map[string]string `json:"filters"`
	Timestamp string            `json:"timestamp"`
}

type incidentListBody struct {
	Incidents []incidentBody `json:"incidents"`
	Summary   summaryBody    `json:"summary"`
	Metadata  listMetadata   `json:"metadata"`
}

// writeIncidentList writes an incidentListBody whose incidents are already encoded.
func (s *Server) writeIncidentList(w http.ResponseWriter, r *http.Request, items []*v1alpha1.Incident, sum summaryBody, meta listMetadata) {
	buf := bytes.NewBuffer(make([]byte, 0, 1024*(len(items)+1)))
	buf.WriteString(`{"incidents":[`)
	for i, inc := range items {
		body, err := s.encoded.get(inc)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(body)
	}
	tail, err := json.Marshal(struct {
		Summary  summaryBody  `json:"summary"`
		Metadata listMetadata `json:"metadata"`
	}{sum, meta})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	buf.WriteString(`],`)
	buf.Write(tail[1:]) // the tail object without its opening brace
	buf.WriteByte('\n')
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

// pageParams reads limit (1..1000, default 100) and offset (0.., default 0).
func pageParams(q url.Values) (limit, offset int, err error) {
	limit, offset = 100, 0
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 1000 {
			return 0, 0, badRequest("limit", fmt.Sprintf("limit %q must be an integer from 1 to 1000", v))
		}
	}
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 || offset > 10_000_000 {
			return 0, 0, badRequest("offset", fmt.Sprintf("offset %q must be an integer of 0 or more", v))
		}
	}
	return limit, offset, nil
}

// listIncidents answers GET /api/v1/incidents (and its alias /api/v1/anomalies) from the index.
func (s *Server) listIncidents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := incident.Filter{Status: "all", Severity: "all"}
	var err error
	if v := q.Get("status"); v != "" {
		if f.Status, err = checkEnum("status", v, "all", "active", "pending", "running", "completed", "failed", "cancelled"); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if v := q.Get("severity"); v != "" {
		if f.Severity, err = checkEnum("severity", v, "all", "low", "medium", "high", "critical"); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if f.Limit, f.Offset, err = pageParams(q); err != nil {
		s.writeError(w, r, err)
		return
	}
	page := s.deps.Incidents.List(f)
	body := incidentListBody{
		Summary: summaryBody{Total: page.Summary.Total, Active: page.Summary.Active, Completed: page.Summary.Completed,
			Failed: page.Summary.Failed, Cancelled: page.Summary.Cancelled, BySeverity: page.Summary.BySeverity,
			TotalIncidents: page.Summary.Total, ActiveIncidents: page.Summary.Active,
			CompletedIncidents: page.Summary.Completed, FailedIncidents: page.Summary.Failed},
		Metadata: listMetadata{Total: page.Matched, Count: len(page.Items), Offset: f.Offset, Limit: f.Limit,
			Filters: map[string]string{"status": f.Status, "severity": f.Severity}, Timestamp: rfc3339(s.now())}}
	s.writeIncidentList(w, r, page.Items, body.Summary, body.Metadata)
}

type createdIncidentBody struct {
	IncidentID  string `json:"incident_id"`
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Severity    string `json:"severity"`
	Priority    int    `json:"priority"`
	Status      string `json:"status"`
	CreatedAt   string `json:"created_at"`
	Message     string `json:"message"`
	Duplicate   bool   `json:"duplicate"`
}

// createIncident answers POST /api/v1/incidents: 201 with the new incident, or 201 with the
// existing one (duplicate=true) when its externalId or correlationId is already known.
func (s *Server) createIncident(w http.ResponseWriter, r *http.Request) {
	var req createIncidentRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	n, err := req.validate()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	inc, created, err := s.deps.Incidents.Create(r.Context(), n)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	body := createdIncidentBody{IncidentID: inc.Name, ID: inc.Name, Title: inc.Spec.Title, Description: inc.Spec.Description,
		Severity: string(inc.Spec.Severity), Priority: int(inc.Spec.Priority), Status: "created",
		CreatedAt: rfc3339(inc.CreationTimestamp.Time), Message: "Incident created"}
	if !created {
		body.Status, body.Duplicate = string(inc.Phase()), true
		body.Message = "An incident with this externalId or correlationId exists already; returning it"
	}
	writeJSON(w, http.StatusCreated, body)
}

// incidentID reads and checks the {id} path value.
func incidentID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	return id, checkName("id", id)
}

// getIncident answers GET /api/v1/incidents/{id}.
func (s *Server) getIncident(w http.ResponseWriter, r *http.Request) {
	id, err := incidentID(r)
	if err == nil {
		var inc *v1alpha1.Incident
		if inc, err = s.deps.Incidents.Get(r.Context(), id); err == nil {
			writeJSON(w, http.StatusOK, toIncidentBody(inc))
			return
		}
	}
	s.writeError(w, r, err)
}

// updateIncident answers PUT /api/v1/incidents/{id}.
func (s *Server) updateIncident(w http.ResponseWriter, r *http.Request) {
	id, err := incidentID(r)
	var req updateIncidentRequest
	if err == nil {
		err = decodeJSON(r, &req)
	}
	var c incident.Change
	if err == nil {
		c, err = req.validate()
	}
	var inc *v1alpha1.Incident
	if err == nil {
		inc, err = s.deps.Incidents.Update(r.Context(), id, c)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toIncidentBody(inc))
}

type cancelledBody struct {
	IncidentID  string `json:"incident_id"`
	Status      string `json:"status"`
	CancelledAt string `json:"cancelled_at"`
	CancelledBy string `json:"cancelled_by"`
	Message     string `json:"message"`
}

// cancelIncident answers DELETE /api/v1/incidents/{id}: the incident is cancelled, not removed.
func (s *Server) cancelIncident(w http.ResponseWriter, r *http.Request) {
	id, err := incidentID(r)
	var req cancelRequest
	if err == nil {
		err = decodeOptionalJSON(r, &req)
	}
	by := firstNonEmpty(req.CancelledBy, req.CancelledBySnake)
	if err == nil {
		err = checkLength("cancelledBy", by, 0, 253)
	}
	var inc *v1alpha1.Incident
	if err == nil {
		inc, err = s.deps.Incidents.Cancel(r.Context(), id, by)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	at := s.now()
	if inc.Status.CompletedAt != nil {
		at = inc.Status.CompletedAt.Time
	}
	writeJSON(w, http.StatusOK, cancelledBody{IncidentID: inc.Name, Status: string(inc.Phase()),
		CancelledAt: at.UTC().Format(time.RFC3339), CancelledBy: inc.Status.CancelledBy, Message: "Incident cancelled"})
}

// correlateIncident answers POST /api/v1/incidents/{id}/correlate.
func (s *Server) correlateIncident(w http.ResponseWriter, r *http.Request) {
	id, err := incidentID(r)
	var req correlateRequest
	if err == nil {
		err = decodeJSON(r, &req)
	}
	var c v1alpha1.Correlation
	if err == nil {
		c, err = req.validate()
	}
	var inc *v1alpha1.Incident
	if err == nil {
		inc, err = s.deps.Incidents.Correlate(r.Context(), id, c)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toIncidentBody(inc))
}
