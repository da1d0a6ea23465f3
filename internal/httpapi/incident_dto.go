package httpapi

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/incident"
)

// incidentBody is an Incident as the platform's clients read it (contract §2).
type incidentBody struct {
	ID                string            `json:"id"`
	Title             string            `json:"title"`
	Description       string            `json:"description"`
	Severity          string            `json:"severity"`
	Status            string            `json:"status"`
	Priority          int               `json:"priority"`
	Target            string            `json:"target"`
	ActionType        string            `json:"action_type"`
	Source            string            `json:"source"`
	Confidence        float64           `json:"confidence"`
	Parameters        json.RawMessage   `json:"parameters"`
	CreatedAt         string            `json:"created_at"`
	StartedAt         *string           `json:"started_at"`
	CompletedAt       *string           `json:"completed_at"`
	DurationSeconds   *float64          `json:"duration_seconds"`
	Tags              []string          `json:"tags"`
	Namespace         string            `json:"namespace"`
	Resource          string            `json:"resource"`
	WorkflowID        string            `json:"workflow_id"`
	Labels            map[string]string `json:"labels"`
	AffectedResources []string          `json:"affected_resources"`
	CorrelationID     string            `json:"correlation_id"`
	ExternalID        string            `json:"external_id"`
	CreatedBy         string            `json:"created_by"`
	CancelledBy       string            `json:"cancelled_by,omitempty"`
	Correlations      []correlationBody `json:"correlations"`
}

type correlationBody struct {
	Type             string   `json:"type"`
	RelatedIncidents []string `json:"related_incidents"`
	Score            float64  `json:"score"`
	CorrelatedBy     string   `json:"correlated_by"`
	CorrelatedAt     string   `json:"correlated_at"`
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// optionalTime renders a timestamp that may be unset as an RFC 3339 string or JSON null.
func optionalTime(t *metav1.Time) *string {
	if t == nil {
		return nil
	}
	v := rfc3339(t.Time)
	return &v
}

func toIncidentBody(inc *v1alpha1.Incident) incidentBody {
	s := inc.Spec
	b := incidentBody{
		ID: inc.Name, Title: s.Title, Description: s.Description, Severity: string(s.Severity),
		Status: string(inc.Phase()), Priority: int(s.Priority), Target: s.TargetRef, ActionType: s.ActionType,
		Source: string(s.Source), Confidence: s.Confidence, Parameters: json.RawMessage("{}"),
		CreatedAt: rfc3339(inc.CreationTimestamp.Time), Tags: []string{}, WorkflowID: inc.Status.WorkflowRef,
		Labels: s.Labels, AffectedResources: s.AffectedResources, CorrelationID: s.CorrelationID,
		ExternalID: s.ExternalID, CreatedBy: s.CreatedBy, CancelledBy: inc.Status.CancelledBy,
		Correlations: []correlationBody{},
	}
	if s.Parameters != nil && len(s.Parameters.Raw) > 0 {
		b.Parameters = s.Parameters.Raw
	}
	if s.Target != nil {
		b.Namespace, b.Resource = s.Target.Namespace, s.Target.Kind+"/"+s.Target.Name
		if b.Target == "" {
			b.Target = s.Target.String()
		}
	}
	if b.Labels == nil {
		b.Labels = map[string]string{}
	}
	if b.AffectedResources == nil {
		b.AffectedResources = []string{}
	}
	for k, v := range s.Labels {
		b.Tags = append(b.Tags, k+"="+v)
	}
	slices.Sort(b.Tags)
	start := inc.CreationTimestamp.Time
	b.StartedAt, b.CompletedAt = optionalTime(inc.Status.StartedAt), optionalTime(inc.Status.CompletedAt)
	if t := inc.Status.StartedAt; t != nil {
		start = t.Time
	}
	if t := inc.Status.CompletedAt; t != nil {
		d := t.Sub(start).Seconds()
		b.DurationSeconds = &d
	}
	for _, c := range inc.Status.Correlations {
		b.Correlations = append(b.Correlations, correlationBody{Type: c.Type, RelatedIncidents: c.IncidentIDs,
			Score: c.Score, CorrelatedBy: c.CorrelatedBy, CorrelatedAt: rfc3339(c.At.Time)})
	}
	return b
}

// createIncidentRequest is POST /api/v1/incidents; camelCase keys as the MCP sends them, with
// their snake_case twins.
type createIncidentRequest struct {
	Title                  *string           `json:"title"`
	Description            *string           `json:"description"`
	Severity               *string           `json:"severity"`
	Target                 string            `json:"target"`
	Source                 string            `json:"source"`
	Labels                 map[string]string `json:"labels"`
	AffectedResources      []string          `json:"affectedResources"`
	AffectedResourcesSnake []string          `json:"affected_resources"`
	CorrelationID          string            `json:"correlationId"`
	CorrelationIDSnake     string            `json:"correlation_id"`
	ExternalID             string            `json:"externalId"`
	ExternalIDSnake        string            `json:"external_id"`
	CreatedBy              string            `json:"createdBy"`
	CreatedBySnake         string            `json:"created_by"`
	Confidence             *float64          `json:"confidence"`
	Parameters             json.RawMessage   `json:"parameters"`
}

var severities = []string{"low", "medium", "high", "critical"}

// sourceAliases maps the sources clients send to the engine's sources.
var sourceAliases = map[string]v1alpha1.Source{
	"manual": v1alpha1.SourceManual, "mcp": v1alpha1.SourceManual, "mcp-server": v1alpha1.SourceManual,
	"mcp_server": v1alpha1.SourceManual, "api": v1alpha1.SourceManual, "user": v1alpha1.SourceManual,
	"notebook": v1alpha1.SourceManual, "cli": v1alpha1.SourceManual,
	"deterministic": v1alpha1.SourceDeterministic, "rule": v1alpha1.SourceDeterministic,
	"ai_driven": v1alpha1.SourceAIDriven, "ai": v1alpha1.SourceAIDriven, "ml": v1alpha1.SourceAIDriven,
	"anomaly_detection": v1alpha1.SourceAIDriven,
	"alert":             v1alpha1.SourceAlert, "alertmanager": v1alpha1.SourceAlert, "prometheus": v1alpha1.SourceAlert,
	"watcher": v1alpha1.SourceWatcher,
}

func parseSource(field, v string) (v1alpha1.Source, error) {
	if v == "" {
		return v1alpha1.SourceManual, nil
	}
	if s, ok := sourceAliases[strings.ToLower(strings.TrimSpace(v))]; ok {
		return s, nil
	}
	return "", badRequest(field, fmt.Sprintf("%s %q is not one of: manual, deterministic, ai_driven, alert, watcher (or mcp, notebook, alertmanager, ...)", field, v))
}

func (req createIncidentRequest) validate() (incident.New, error) {
	var n incident.New
	switch {
	case req.Title == nil:
		return n, missing("title")
	case req.Description == nil:
		return n, missing("description")
	case req.Severity == nil:
		return n, missing("severity")
	}
	n.Title, n.Description = strings.TrimSpace(*req.Title), strings.TrimSpace(*req.Description)
	if err := checkLength("title", n.Title, 5, 256); err != nil {
		return n, err
	}
	if err := checkLength("description", n.Description, 10, 8192); err != nil {
		return n, err
	}
	sev, err := checkEnum("severity", *req.Severity, severities...)
	if err != nil {
		return n, err
	}
	n.Severity = v1alpha1.Severity(sev)
	if n.Source, err = parseSource("source", req.Source); err != nil {
		return n, err
	}
	n.TargetRef = req.Target
	if err := checkLength("target", n.TargetRef, 0, 512); err != nil {
		return n, err
	}
	if n.Labels, err = checkLabels("labels", req.Labels); err != nil {
		return n, err
	}
	n.AffectedResources = req.AffectedResources
	if n.AffectedResources == nil {
		n.AffectedResources = req.AffectedResourcesSnake
	}
	if err := checkList("affectedResources", n.AffectedResources, 256, 512); err != nil {
		return n, err
	}
	n.CorrelationID = firstNonEmpty(req.CorrelationID, req.CorrelationIDSnake)
	n.ExternalID = firstNonEmpty(req.ExternalID, req.ExternalIDSnake)
	n.CreatedBy = firstNonEmpty(req.CreatedBy, req.CreatedBySnake)
	for _, f := range [][2]string{{"correlationId", n.CorrelationID}, {"externalId", n.ExternalID}, {"createdBy", n.CreatedBy}} {
		if err := checkLength(f[0], f[1], 0, 253); err != nil {
			return n, err
		}
	}
	if req.Confidence != nil {
		if err := checkFraction("confidence", *req.Confidence); err != nil {
			return n, err
		}
		n.Confidence = *req.Confidence
	}
	if n.Parameters, err = checkObject("parameters", req.Parameters); err != nil {
		return n, err
	}
	return n, nil
}

// checkLabels bounds a free-form label map.
func checkLabels(field string, m map[string]string) (map[string]string, error) {
	if len(m) > 64 {
		return nil, badRequest(field, field+" may have at most 64 entries")
	}
	for k, v := range m {
		if k == "" || len(k) > 253 || len(v) > 1024 {
			return nil, badRequest(field+"."+k, "label keys must be 1-253 characters and values at most 1024")
		}
	}
	return m, nil
}

// checkList bounds a list of strings.
func checkList(field string, items []string, maxItems, maxLen int) error {
	if len(items) > maxItems {
		return badRequest(field, fmt.Sprintf("%s may have at most %d items", field, maxItems))
	}
	for i, it := range items {
		if it == "" || len(it) > maxLen {
			return badRequest(fmt.Sprintf("%s[%d]", field, i), fmt.Sprintf("items must be 1-%d characters", maxLen))
		}
	}
	return nil
}

// checkObject accepts an absent or null value or a JSON object of at most 64 KiB.
func checkObject(field string, raw json.RawMessage) ([]byte, error) {
	t := strings.TrimSpace(string(raw))
	if t == "" || t == "null" {
		return nil, nil
	}
	if !strings.HasPrefix(t, "{") {
		return nil, badRequest(field, field+" must be a JSON object")
	}
	if len(t) > 64<<10 {
		return nil, badRequest(field, field+" must be at most 64 KiB")
	}
	return []byte(t), nil
}

// updateIncidentRequest is PUT /api/v1/incidents/{id}.
type updateIncidentRequest struct {
	Title                  *string           `json:"title"`
	Description            *string           `json:"description"`
	Severity               *string           `json:"severity"`
	Labels                 map[string]string `json:"labels"`
	AffectedResources      *[]string         `json:"affectedResources"`
	AffectedResourcesSnake *[]string         `json:"affected_resources"`
	Status                 *string           `json:"status"`
}

// statusAliases maps the statuses a client may set to phases.
var statusAliases = map[string]v1alpha1.IncidentPhase{
	"open": v1alpha1.IncidentPending, "pending": v1alpha1.IncidentPending,
	"investigating": v1alpha1.IncidentRunning, "running": v1alpha1.IncidentRunning,
	"resolved": v1alpha1.IncidentCompleted, "closed": v1alpha1.IncidentCompleted, "completed": v1alpha1.IncidentCompleted,
	"failed": v1alpha1.IncidentFailed, "cancelled": v1alpha1.IncidentCancelled,
}

func (req updateIncidentRequest) validate() (incident.Change, error) {
	var c incident.Change
	if req.Title != nil {
		t := strings.TrimSpace(*req.Title)
		if err := checkLength("title", t, 5, 256); err != nil {
			return c, err
		}
		c.Title = &t
	}
	if req.Description != nil {
		d := strings.TrimSpace(*req.Description)
		if err := checkLength("description", d, 10, 8192); err != nil {
			return c, err
		}
		c.Description = &d
	}
	if req.Severity != nil {
		sev, err := checkEnum("severity", *req.Severity, severities...)
		if err != nil {
			return c, err
		}
		s := v1alpha1.Severity(sev)
		c.Severity = &s
	}
	labels, err := checkLabels("labels", req.Labels)
	if err != nil {
		return c, err
	}
	c.Labels = labels
	c.AffectedResources = req.AffectedResources
	if c.AffectedResources == nil {
		c.AffectedResources = req.AffectedResourcesSnake
	}
	if c.AffectedResources != nil {
		if err := checkList("affectedResources", *c.AffectedResources, 256, 512); err != nil {
			return c, err
		}
	}
	if req.Status != nil {
		p, ok := statusAliases[strings.ToLower(strings.TrimSpace(*req.Status))]
		if !ok {
			return c, badRequest("status", fmt.Sprintf("status %q is not one of: open, investigating, resolved, closed, cancelled, pending, running, completed, failed", *req.Status))
		}
		c.Phase = &p
	}
	if c.Title == nil && c.Description == nil && c.Severity == nil && len(c.Labels) == 0 && c.AffectedResources == nil && c.Phase == nil {
		return c, badRequest("", "nothing to update: give one of title, description, severity, labels, affectedResources, status")
	}
	return c, nil
}

// correlateRequest is POST /api/v1/incidents/{id}/correlate.
type correlateRequest struct {
	Type                  *string  `json:"type"`
	RelatedIncidents      []string `json:"relatedIncidents"`
	RelatedIncidentsSnake []string `json:"related_incidents"`
	Score                 *float64 `json:"score"`
	CorrelatedBy          string   `json:"correlatedBy"`
	CorrelatedBySnake     string   `json:"correlated_by"`
}

func (req correlateRequest) validate() (v1alpha1.Correlation, error) {
	var c v1alpha1.Correlation
	if req.Type == nil {
		return c, missing("type")
	}
	t, err := checkEnum("type", *req.Type, "related", "duplicate", "root_cause", "symptom")
	if err != nil {
		return c, err
	}
	c.Type = t
	c.IncidentIDs = req.RelatedIncidents
	if c.IncidentIDs == nil {
		c.IncidentIDs = req.RelatedIncidentsSnake
	}
	if len(c.IncidentIDs) == 0 {
		return c, missing("relatedIncidents")
	}
	if len(c.IncidentIDs) > 100 {
		return c, badRequest("relatedIncidents", "relatedIncidents may have at most 100 items")
	}
	for i, id := range c.IncidentIDs {
		if err := checkName(fmt.Sprintf("relatedIncidents[%d]", i), id); err != nil {
			return c, err
		}
	}
	if req.Score != nil {
		if err := checkFraction("score", *req.Score); err != nil {
			return c, err
		}
		c.Score = *req.Score
	}
	c.CorrelatedBy = firstNonEmpty(req.CorrelatedBy, req.CorrelatedBySnake)
	return c, checkLength("correlatedBy", c.CorrelatedBy, 0, 253)
}

// cancelRequest is the optional body of DELETE /api/v1/incidents/{id}.
type cancelRequest struct {
	CancelledBy      string `json:"cancelledBy"`
	CancelledBySnake string `json:"cancelled_by"`
}
