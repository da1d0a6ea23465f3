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

const mcpTrigger = `{"incident_id":%q,"namespace":%q,"resource":{"kind":"Deployment","name":"payment-api"},
	"issue":{"type":"CrashLoopBackOff","description":"restarting","severity":"high"},"dry_run":false}`

// The target exists but nothing runs its pods (envtest has no controllers), so the workflow
// acts and then stays in verification: an active workflow that retries must find.
func TestTriggerRecordsOneWorkflowPerRequest(t *testing.T) {
	e := startEngine(t)
	c := env.Client(t)
	ns := env.Namespace(t)
	newDeployment(t, c, ns, "payment-api")
	var inc created
	e.mustDo(http.MethodPost, "/api/v1/incidents", mcpIncident("Payment API crash loop", "high", ""), http.StatusCreated, &inc)

	var tr triggered
	e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", fmt.Sprintf(mcpTrigger, inc.IncidentID, ns), http.StatusAccepted, &tr)
	if tr.WorkflowID == "" || tr.IncidentID != inc.IncidentID || tr.Status != "pending" || tr.DeploymentMethod != "manual" ||
		tr.EstimatedDuration == "unknown" || tr.Duplicate || tr.Message == "" {
		t.Fatalf("trigger = %+v", tr)
	}
	var wf workflowJSON
	e.mustDo(http.MethodGet, "/api/v1/workflows/"+tr.WorkflowID, "", http.StatusOK, &wf)
	if wf.IncidentID != inc.IncidentID || wf.Issue.Type != "pod_crash" || wf.Target.Kind != "Deployment" ||
		wf.Target.Namespace != ns || wf.Layers == nil || wf.Steps == nil || wf.Checkpoints == nil || wf.CompletedAt != nil {
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
				e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", fmt.Sprintf(mcpTrigger, inc.IncidentID, ns), http.StatusAccepted, &again)
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
		body := fmt.Sprintf(`{"incident_id":%q,"namespace":%q,"resource":{"kind":"deployment","name":"payment-api"},
			"issue":{"type":"pod_crash"},"dry_run":true}`, inc.IncidentID, ns)
		e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", body, http.StatusAccepted, &dry)
		if !dry.DryRun || dry.WorkflowID == tr.WorkflowID {
			t.Errorf("dry run = %+v", dry)
		}
	})

	t.Run("without an incident id one incident is opened per target and issue", func(t *testing.T) {
		newDeployment(t, c, ns, "payment-worker")
		body := fmt.Sprintf(`{"namespace":%q,"resource":{"kind":"Deployment","name":"payment-worker"},"issue":{"type":"oom_kill"}}`, ns)
		var a, b triggered
		e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", body, http.StatusAccepted, &a)
		e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", body, http.StatusAccepted, &b)
		if a.IncidentID == "" || a.IncidentID != b.IncidentID || a.WorkflowID != b.WorkflowID || !b.Duplicate {
			t.Errorf("two identical triggers = %+v and %+v, want one incident and workflow", a, b)
		}
	})

	t.Run("an unknown incident id is 404", func(t *testing.T) {
		if code, body := e.do(http.MethodPost, "/api/v1/remediation/trigger", fmt.Sprintf(mcpTrigger, "inc-unknown", ns), nil); code != http.StatusNotFound {
			t.Errorf("trigger for an unknown incident = %d %s, want 404", code, body)
		}
	})

	t.Run("a target that does not exist fails the workflow with a reason", func(t *testing.T) {
		body := fmt.Sprintf(`{"namespace":%q,"resource":{"kind":"StatefulSet","name":"missing"},"issue":{"type":"oom_kill"}}`, ns)
		var tr triggerAnswer
		e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", body, http.StatusAccepted, &tr)
		if tr.Refusal == nil || tr.Refusal.Reason != "TargetNotFound" {
			t.Errorf("trigger refusal = %+v, want TargetNotFound", tr.Refusal)
		}
		if wf := e.waitWorkflow(tr.WorkflowID, "failed", "completed"); wf.Status != "failed" || wf.Reason != "TargetNotFound" {
			t.Errorf("workflow = %+v, want failed with TargetNotFound", wf)
		}
	})
}

// Scaling needs approval here, so the action waits in the queue while the test reads it.
func TestPythonEraActionEndpoints(t *testing.T) {
	e := startEngine(t, withSafetyPolicy(t, map[string]string{"approvalRequired": "scale"}))
	c := env.Client(t)
	ns := env.Namespace(t)
	newDeployment(t, c, ns, "checkout")
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
	body := fmt.Sprintf(`{"incidentId":%q,"action":"scale_up","parameters":{"deployment":"checkout","namespace":%q,"replicas":5},
		"priority":8,"confidence":0.9,"dryRun":false}`, inc.IncidentID, ns)
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
	e.waitWorkflow(action.ActionID, "awaiting_approval")
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
