package engine

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"
)

// incident is the contract's Incident object, as a typed client decodes it.
type incidentJSON struct {
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
	Parameters        map[string]any    `json:"parameters"`
	CreatedAt         string            `json:"created_at"`
	StartedAt         *string           `json:"started_at"`
	CompletedAt       *string           `json:"completed_at"`
	DurationSeconds   *float64          `json:"duration_seconds"`
	Tags              []string          `json:"tags"`
	Labels            map[string]string `json:"labels"`
	AffectedResources []string          `json:"affected_resources"`
	CorrelationID     string            `json:"correlation_id"`
	ExternalID        string            `json:"external_id"`
	WorkflowID        string            `json:"workflow_id"`
	Correlations      []struct {
		Type             string   `json:"type"`
		RelatedIncidents []string `json:"related_incidents"`
		Score            float64  `json:"score"`
	} `json:"correlations"`
}

type created struct {
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

type incidentList struct {
	Incidents []incidentJSON `json:"incidents"`
	Summary   struct {
		Total, Active, Completed, Failed int
		BySeverity                       map[string]int `json:"by_severity"`
		TotalIncidents                   int            `json:"total_incidents"`
		ActiveIncidents                  int            `json:"active_incidents"`
	} `json:"summary"`
	Metadata struct {
		Total, Count, Offset, Limit int
		Filters                     map[string]string `json:"filters"`
		Timestamp                   string            `json:"timestamp"`
	} `json:"metadata"`
}

func mcpIncident(title, severity string, extra string) string {
	return fmt.Sprintf(`{"title":%q,"description":"Payment API pods restart every few minutes","severity":%q,
		"target":"deployment/payment-api","source":"mcp","labels":{"team":"payments"},
		"affectedResources":["payments/payment-api"],"confidence":0.9,"parameters":{"replicas":3}%s}`, title, severity, extra)
}

func TestIncidentLifecycleThroughTheAPI(t *testing.T) {
	e := startEngine(t)
	var c created
	e.mustDo(http.MethodPost, "/api/v1/incidents", mcpIncident("Payment API crash loop", "high", ""), http.StatusCreated, &c)
	if c.IncidentID == "" || c.ID != c.IncidentID || c.Status != "created" || c.Priority != 8 || c.Severity != "high" || c.Duplicate {
		t.Fatalf("create = %+v, want a new high incident with priority 8", c)
	}
	if _, err := time.Parse(time.RFC3339, c.CreatedAt); err != nil {
		t.Errorf("created_at %q is not RFC 3339: %v", c.CreatedAt, err)
	}

	var got incidentJSON
	e.mustDo(http.MethodGet, "/api/v1/incidents/"+c.IncidentID, "", http.StatusOK, &got)
	if got.Status != "pending" || got.Source != "manual" || got.Target != "deployment/payment-api" || got.Confidence != 0.9 ||
		got.Parameters["replicas"] != float64(3) || got.StartedAt != nil || got.CompletedAt != nil || got.DurationSeconds != nil ||
		len(got.Tags) != 1 || got.Tags[0] != "team=payments" || got.AffectedResources[0] != "payments/payment-api" {
		t.Errorf("get = %+v", got)
	}

	t.Run("update re-maps priority, merges labels and moves the status", func(t *testing.T) {
		e.mustDo(http.MethodPut, "/api/v1/incidents/"+c.IncidentID,
			`{"severity":"critical","labels":{"oncall":"alice"},"status":"investigating"}`, http.StatusOK, &got)
		if got.Priority != 10 || got.Severity != "critical" || got.Labels["team"] != "payments" || got.Labels["oncall"] != "alice" ||
			got.Status != "running" || got.StartedAt == nil {
			t.Errorf("after update = %+v", got)
		}
		e.mustDo(http.MethodPut, "/api/v1/incidents/"+c.IncidentID, `{"status":"resolved"}`, http.StatusOK, &got)
		if got.Status != "completed" || got.CompletedAt == nil || got.DurationSeconds == nil || *got.DurationSeconds < 0 {
			t.Errorf("after resolve = %+v", got)
		}
	})

	t.Run("a completed incident cannot be cancelled", func(t *testing.T) {
		code, body := e.do(http.MethodDelete, "/api/v1/incidents/"+c.IncidentID, "", nil)
		if code != http.StatusConflict {
			t.Errorf("DELETE completed = %d %s, want 409", code, body)
		}
		code, body = e.do(http.MethodPut, "/api/v1/incidents/"+c.IncidentID, `{"status":"cancelled"}`, nil)
		if code != http.StatusConflict {
			t.Errorf("PUT status cancelled on a completed incident = %d %s, want 409", code, body)
		}
	})

	t.Run("correlate and cancel another incident", func(t *testing.T) {
		var other created
		e.mustDo(http.MethodPost, "/api/v1/incidents", mcpIncident("Payment DB latency high", "medium", ""), http.StatusCreated, &other)
		e.mustDo(http.MethodPost, "/api/v1/incidents/"+other.IncidentID+"/correlate",
			fmt.Sprintf(`{"type":"root_cause","relatedIncidents":[%q],"score":0.7,"correlatedBy":"mcp"}`, c.IncidentID), http.StatusOK, &got)
		if len(got.Correlations) != 1 || got.Correlations[0].Type != "root_cause" || got.Correlations[0].RelatedIncidents[0] != c.IncidentID {
			t.Errorf("correlations = %+v", got.Correlations)
		}
		var cancelled struct {
			IncidentID  string `json:"incident_id"`
			Status      string `json:"status"`
			CancelledAt string `json:"cancelled_at"`
			Message     string `json:"message"`
		}
		e.mustDo(http.MethodDelete, "/api/v1/incidents/"+other.IncidentID, `{"cancelledBy":"alice"}`, http.StatusOK, &cancelled)
		if cancelled.Status != "cancelled" || cancelled.IncidentID != other.IncidentID || cancelled.CancelledAt == "" {
			t.Errorf("cancel = %+v", cancelled)
		}
		e.mustDo(http.MethodDelete, "/api/v1/incidents/"+other.IncidentID, "", http.StatusOK, &cancelled)
	})

	t.Run("unknown ids are 404", func(t *testing.T) {
		for _, p := range []string{"/api/v1/incidents/inc-doesnotexist", "/api/v1/workflows/wf-doesnotexist", "/api/v1/actions/wf-nope/status"} {
			if code, body := e.do(http.MethodGet, p, "", nil); code != http.StatusNotFound {
				t.Errorf("GET %s = %d %s, want 404", p, code, body)
			}
		}
	})
}

func TestIncidentListFiltersAndPages(t *testing.T) {
	e := startEngine(t)
	severities := []string{"low", "medium", "high", "critical", "high"}
	var ids []string
	for i, sev := range severities {
		var c created
		e.mustDo(http.MethodPost, "/api/v1/incidents", mcpIncident(fmt.Sprintf("Incident number %d", i), sev, ""), http.StatusCreated, &c)
		ids = append(ids, c.IncidentID)
	}
	e.mustDo(http.MethodPut, "/api/v1/incidents/"+ids[0], `{"status":"resolved"}`, http.StatusOK, nil)
	e.mustDo(http.MethodPut, "/api/v1/incidents/"+ids[1], `{"status":"failed"}`, http.StatusOK, nil)

	var l incidentList
	eventually(t, "the index holds all five", func() error {
		e.mustDo(http.MethodGet, "/api/v1/incidents?status=all&severity=all&limit=100&offset=0", "", http.StatusOK, &l)
		if l.Summary.Total != 5 || l.Summary.Completed != 1 || l.Summary.Failed != 1 {
			return fmt.Errorf("summary %+v", l.Summary)
		}
		return nil
	})
	if l.Summary.Active != 3 || l.Summary.BySeverity["high"] != 2 || l.Summary.TotalIncidents != 5 || l.Summary.ActiveIncidents != 3 {
		t.Errorf("summary = %+v", l.Summary)
	}
	tests := []struct {
		query     string
		wantTotal int
		wantCount int
	}{
		{"?status=active", 3, 3},
		{"?status=completed", 1, 1},
		{"?status=failed", 1, 1},
		{"?severity=high", 2, 2},
		{"?status=active&severity=high", 2, 2},
		{"?limit=2", 5, 2},
		{"?limit=2&offset=4", 5, 1},
		{"?offset=10", 5, 0},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			var l incidentList
			e.mustDo(http.MethodGet, "/api/v1/incidents"+tt.query, "", http.StatusOK, &l)
			if l.Metadata.Total != tt.wantTotal || l.Metadata.Count != tt.wantCount || len(l.Incidents) != tt.wantCount {
				t.Errorf("GET %s = total %d count %d (%d items), want %d %d", tt.query, l.Metadata.Total, l.Metadata.Count, len(l.Incidents), tt.wantTotal, tt.wantCount)
			}
		})
	}
	var newest incidentList
	e.mustDo(http.MethodGet, "/api/v1/anomalies?limit=1", "", http.StatusOK, &newest)
	if len(newest.Incidents) != 1 || newest.Metadata.Limit != 1 {
		t.Errorf("the anomalies alias = %+v", newest.Metadata)
	}
}

func TestDuplicateIdsReturnTheExistingIncident(t *testing.T) {
	e := startEngine(t)
	var first, second created
	e.mustDo(http.MethodPost, "/api/v1/incidents", mcpIncident("Alert fired twice", "high", `,"externalId":"alert-123"`), http.StatusCreated, &first)
	e.mustDo(http.MethodPost, "/api/v1/incidents", mcpIncident("Alert fired twice", "high", `,"external_id":"alert-123"`), http.StatusCreated, &second)
	if !second.Duplicate || second.IncidentID != first.IncidentID || first.Duplicate {
		t.Errorf("second create = %+v, want the first (%s) as a duplicate", second, first.IncidentID)
	}

	// Twenty concurrent creates with one correlation id: one incident.
	var wg sync.WaitGroup
	ids := make(chan string, 20)
	for range 20 {
		wg.Go(func() {
			var c created
			e.mustDo(http.MethodPost, "/api/v1/incidents", mcpIncident("Storm of the same problem", "low", `,"correlationId":"corr-9"`), http.StatusCreated, &c)
			ids <- c.IncidentID
		})
	}
	wg.Wait()
	close(ids)
	distinct := map[string]bool{}
	for id := range ids {
		distinct[id] = true
	}
	if len(distinct) != 1 {
		t.Errorf("20 concurrent creates with one correlationId made %d incidents, want 1", len(distinct))
	}
	var l incidentList
	eventually(t, "two incidents in all", func() error {
		e.mustDo(http.MethodGet, "/api/v1/incidents", "", http.StatusOK, &l)
		if l.Summary.Total != 2 {
			return fmt.Errorf("total %d", l.Summary.Total)
		}
		return nil
	})
}

// eventually retries cond every 50 ms for up to 10 s.
func eventually(t *testing.T, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
