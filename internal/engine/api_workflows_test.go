package engine

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
)

type triggered struct {
	WorkflowID        string `json:"workflow_id"`
	IncidentID        string `json:"incident_id"`
	Status            string `json:"status"`
	DeploymentMethod  string `json:"deployment_method"`
	EstimatedDuration string `json:"estimated_duration"`
	DryRun            bool   `json:"dry_run"`
	Duplicate         bool   `json:"duplicate"`
	Message           string `json:"message"`
}

type workflowJSON struct {
	ID               string   `json:"id"`
	IncidentID       string   `json:"incident_id"`
	Status           string   `json:"status"`
	DeploymentMethod string   `json:"deployment_method"`
	Layers           []string `json:"layers"`
	Steps            []struct {
		Order  int    `json:"order"`
		Layer  string `json:"layer"`
		Status string `json:"status"`
	} `json:"steps"`
	Checkpoints []struct {
		Layer     string `json:"layer"`
		AfterStep int    `json:"after_step"`
	} `json:"checkpoints"`
	CreatedAt   string  `json:"created_at"`
	CompletedAt *string `json:"completed_at"`
	Target      struct {
		Kind, Namespace, Name string
	} `json:"target"`
	Issue struct {
		Type string `json:"type"`
	} `json:"issue"`
	DryRun  bool   `json:"dry_run"`
	Message string `json:"message"`
}

const mcpTrigger = `{"incident_id":%q,"namespace":"payments","resource":{"kind":"Deployment","name":"payment-api"},
	"issue":{"type":"CrashLoopBackOff","description":"restarting","severity":"high"},"dry_run":false}`

func TestTriggerRecordsOnePendingWorkflowPerRequest(t *testing.T) {
	e := startEngine(t)
	var inc created
	e.mustDo(http.MethodPost, "/api/v1/incidents", mcpIncident("Payment API crash loop", "high", ""), http.StatusCreated, &inc)

	var tr triggered
	e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", fmt.Sprintf(mcpTrigger, inc.IncidentID), http.StatusAccepted, &tr)
	if tr.WorkflowID == "" || tr.IncidentID != inc.IncidentID || tr.Status != "pending" || tr.DeploymentMethod != "unknown" ||
		tr.EstimatedDuration == "" || tr.Duplicate || tr.Message == "" {
		t.Fatalf("trigger = %+v", tr)
	}
	var wf workflowJSON
	e.mustDo(http.MethodGet, "/api/v1/workflows/"+tr.WorkflowID, "", http.StatusOK, &wf)
	if wf.Status != "pending" || wf.IncidentID != inc.IncidentID || wf.Issue.Type != "pod_crash" || wf.Target.Kind != "Deployment" ||
		wf.Target.Namespace != "payments" || wf.Layers == nil || wf.Steps == nil || wf.Checkpoints == nil || wf.CompletedAt != nil {
		t.Errorf("workflow = %+v", wf)
	}
	var linked incidentJSON
	e.mustDo(http.MethodGet, "/api/v1/incidents/"+inc.IncidentID, "", http.StatusOK, &linked)
	if linked.WorkflowID != tr.WorkflowID {
		t.Errorf("incident workflow_id = %q, want %q", linked.WorkflowID, tr.WorkflowID)
	}

	t.Run("100 concurrent retries return the same workflow", func(t *testing.T) {
		var wg sync.WaitGroup
		ids := make(chan string, 100)
		for range 100 {
			wg.Go(func() {
				var again triggered
				e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", fmt.Sprintf(mcpTrigger, inc.IncidentID), http.StatusAccepted, &again)
				ids <- again.WorkflowID
			})
		}
		wg.Wait()
		close(ids)
		for id := range ids {
			if id != tr.WorkflowID {
				t.Fatalf("a retry got workflow %s, want %s", id, tr.WorkflowID)
			}
		}
		var list struct {
			Total int `json:"total"`
		}
		e.mustDo(http.MethodGet, "/api/v1/workflows?incident_id="+inc.IncidentID, "", http.StatusOK, &list)
		if list.Total != 1 {
			t.Errorf("workflows of the incident = %d, want 1", list.Total)
		}
	})

	t.Run("a dry run is a different request", func(t *testing.T) {
		var dry triggered
		body := fmt.Sprintf(`{"incident_id":%q,"namespace":"payments","resource":{"kind":"deployment","name":"payment-api"},
			"issue":{"type":"pod_crash"},"dry_run":true}`, inc.IncidentID)
		e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", body, http.StatusAccepted, &dry)
		if !dry.DryRun || dry.WorkflowID == tr.WorkflowID {
			t.Errorf("dry run = %+v", dry)
		}
	})

	t.Run("without an incident id one incident is opened per target and issue", func(t *testing.T) {
		body := `{"namespace":"shop","resource":{"kind":"StatefulSet","name":"cache"},"issue":{"type":"oom_kill"}}`
		var a, b triggered
		e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", body, http.StatusAccepted, &a)
		e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", body, http.StatusAccepted, &b)
		if a.IncidentID == "" || a.IncidentID != b.IncidentID || a.WorkflowID != b.WorkflowID || !b.Duplicate {
			t.Errorf("two identical triggers = %+v and %+v, want one incident and workflow", a, b)
		}
	})

	t.Run("an unknown incident id is 404", func(t *testing.T) {
		if code, body := e.do(http.MethodPost, "/api/v1/remediation/trigger", fmt.Sprintf(mcpTrigger, "inc-unknown"), nil); code != http.StatusNotFound {
			t.Errorf("trigger for an unknown incident = %d %s, want 404", code, body)
		}
	})
}

func TestPythonEraActionEndpoints(t *testing.T) {
	e := startEngine(t)
	var inc created
	e.mustDo(http.MethodPost, "/api/v1/incidents", mcpIncident("Checkout latency high", "medium", ""), http.StatusCreated, &inc)
	var action struct {
		ActionID   string         `json:"action_id"`
		IncidentID string         `json:"incident_id"`
		Type       string         `json:"type"`
		Status     string         `json:"status"`
		Priority   int            `json:"priority"`
		Confidence float64        `json:"confidence"`
		Parameters map[string]any `json:"parameters"`
		Duplicate  bool           `json:"duplicate"`
	}
	body := fmt.Sprintf(`{"incidentId":%q,"action":"scale_up","parameters":{"deployment":"checkout","namespace":"shop","replicas":5},
		"priority":8,"confidence":0.9,"dryRun":false}`, inc.IncidentID)
	e.mustDo(http.MethodPost, "/api/v1/remediate", body, http.StatusOK, &action)
	if action.ActionID == "" || action.IncidentID != inc.IncidentID || action.Type != "scale_up" || action.Status != "pending" ||
		action.Priority != 8 || action.Confidence != 0.9 || action.Parameters["replicas"] != float64(5) ||
		action.Parameters["deployment"] != "checkout" {
		t.Fatalf("remediate = %+v", action)
	}
	// The same form on the trigger path is told apart by its fields and answered the same way.
	e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", body, http.StatusOK, &action)
	if !action.Duplicate {
		t.Errorf("the same action again = %+v, want the existing one", action)
	}
	e.mustDo(http.MethodGet, "/api/v1/actions/"+action.ActionID+"/status", "", http.StatusOK, &action)
	var list struct {
		Actions []struct {
			ActionID string `json:"action_id"`
		} `json:"actions"`
		Total int `json:"total"`
	}
	e.mustDo(http.MethodGet, "/actions", "", http.StatusOK, &list)
	if list.Total != 1 || list.Actions[0].ActionID != action.ActionID {
		t.Errorf("/actions = %+v", list)
	}
	var q struct {
		QueueLength      int    `json:"queue_length"`
		ProcessingStatus string `json:"processing_status"`
		QueuedActions    []struct {
			ActionID string `json:"action_id"`
		} `json:"queued_actions"`
		RunningActions []any `json:"running_actions"`
		Statistics     struct {
			TotalSubmitted int `json:"total_submitted"`
			Completed      int `json:"completed"`
			Failed         int `json:"failed"`
			Cancelled      int `json:"cancelled"`
		} `json:"statistics"`
		Timestamp string `json:"timestamp"`
	}
	e.mustDo(http.MethodGet, "/api/v1/workflows/queue", "", http.StatusOK, &q)
	if q.QueueLength != 1 || len(q.QueuedActions) != 1 || q.Statistics.TotalSubmitted != 1 || q.RunningActions == nil || q.Timestamp == "" {
		t.Errorf("queue = %+v", q)
	}
	var cs struct {
		Actions struct {
			Total   int `json:"total"`
			Pending int `json:"pending"`
		} `json:"actions"`
	}
	e.mustDo(http.MethodGet, "/api/v1/cluster/status", "", http.StatusOK, &cs)
	if cs.Actions.Total != 1 || cs.Actions.Pending != 1 {
		t.Errorf("cluster status actions = %+v", cs.Actions)
	}
}
