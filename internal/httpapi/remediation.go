package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/remediation"
	"selfhealing.dev/coordination-engine/internal/workflow"
)

// Remediations is what the remediation endpoints need.
type Remediations interface {
	Trigger(ctx context.Context, t remediation.Trigger) (remediation.Result, error)
}

// Workflows is what the workflow endpoints need.
type Workflows interface {
	Get(ctx context.Context, id string) (*v1alpha1.RemediationWorkflow, error)
	List(incidentID string, limit, offset int) ([]*v1alpha1.RemediationWorkflow, int, workflow.Counts)
}

type triggeredBody struct {
	WorkflowID        string       `json:"workflow_id"`
	IncidentID        string       `json:"incident_id"`
	Status            string       `json:"status"`
	DeploymentMethod  string       `json:"deployment_method"`
	EstimatedDuration string       `json:"estimated_duration"`
	Strategy          string       `json:"strategy"`
	Actions           []actionBody `json:"actions"`
	DryRun            bool         `json:"dry_run"`
	Duplicate         bool         `json:"duplicate"`
	Message           string       `json:"message"`
	// Change is the exact change the engine makes (or, for a dry run, would make); null when
	// the engine will not act or could not plan yet.
	Change *changeBody `json:"change"`
	// Refusal says why the engine will not act, when it already knows; null otherwise.
	Refusal *refusalBody `json:"refusal"`
}

type refusalBody struct {
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// triggerRemediation answers POST /api/v1/remediation/trigger: the MCP form gets 202 with the
// workflow, the Python-era form (action, parameters) gets the Python engine's 200 answer.
func (s *Server) triggerRemediation(w http.ResponseWriter, r *http.Request) {
	var req triggerRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.pythonForm() {
		s.remediateAction(w, r, req)
		return
	}
	t, err := req.validateMCP()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.deps.Remediations.Trigger(r.Context(), t)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, toTriggered(res))
}

// toTriggered is the MCP answer: the workflow, plus what the planner's preview knows.
func toTriggered(res remediation.Result) triggeredBody {
	wf := toWorkflowBody(res.Workflow)
	b := triggeredBody{WorkflowID: wf.ID, IncidentID: wf.IncidentID, Status: wf.Status,
		DeploymentMethod: wf.DeploymentMethod, EstimatedDuration: "unknown", Strategy: wf.Strategy, Actions: wf.Actions,
		DryRun: wf.DryRun, Duplicate: !res.Created, Message: wf.Message}
	if p := res.Plan; p != nil {
		b.DeploymentMethod, b.Strategy = string(p.Owner.Method), p.Strategy
		if p.Change.Object.Name != "" {
			b.Change = toChangeBody(&p.Change)
			b.Message = p.Change.Summary
			if len(b.Actions) == 0 {
				b.Actions = []actionBody{{Type: string(p.Action.Type), Parameters: json.RawMessage("{}")}}
			}
		}
		if p.Estimate > 0 {
			b.EstimatedDuration = p.Estimate.String()
		}
		if wf.DryRun && b.Change != nil {
			b.EstimatedDuration = "0s"
		}
	}
	var r *action.Refusal
	switch {
	case errors.As(res.Refusal, &r):
		b.Refusal = &refusalBody{Reason: r.Reason, Message: r.Message}
		b.Message = r.Message
		b.EstimatedDuration = "0s"
	case res.Refusal != nil:
		b.Message = "recorded; the executor plans it when it can: " + res.Refusal.Error()
	case b.Message == "":
		b.Message = "recorded; the executor carries it out"
	}
	return b
}

// remediate answers POST /api/v1/remediate, the Python engine's action form.
func (s *Server) remediate(w http.ResponseWriter, r *http.Request) {
	var req triggerRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Action == "" {
		s.writeError(w, r, missing("action"))
		return
	}
	s.remediateAction(w, r, req)
}

type actionStatusBody struct {
	ActionID   string          `json:"action_id"`
	IncidentID string          `json:"incident_id"`
	Type       string          `json:"type"`
	Status     string          `json:"status"`
	Priority   int             `json:"priority"`
	Confidence float64         `json:"confidence"`
	Parameters json.RawMessage `json:"parameters"`
	Target     targetBody      `json:"target"`
	DryRun     bool            `json:"dry_run"`
	CreatedAt  string          `json:"created_at"`
	WorkflowID string          `json:"workflow_id"`
	Duplicate  bool            `json:"duplicate"`
	Message    string          `json:"message"`
}

func toActionBody(wf *v1alpha1.RemediationWorkflow) actionStatusBody {
	b := toWorkflowBody(wf)
	a := actionStatusBody{ActionID: b.ID, IncidentID: b.IncidentID, Type: b.Issue.Type, Status: b.Status,
		Priority: b.Priority, Confidence: b.Confidence, Parameters: json.RawMessage("{}"), Target: b.Target,
		DryRun: b.DryRun, CreatedAt: b.CreatedAt, WorkflowID: b.ID, Message: b.Message}
	if len(b.Actions) > 0 {
		a.Type, a.Parameters = b.Actions[0].Type, b.Actions[0].Parameters
	}
	return a
}

func (s *Server) remediateAction(w http.ResponseWriter, r *http.Request, req triggerRequest) {
	t, _, err := req.validatePython()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.deps.Remediations.Trigger(r.Context(), t)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	a := toActionBody(res.Workflow)
	a.Duplicate = !res.Created
	writeJSON(w, http.StatusOK, a)
}

type workflowListBody struct {
	Workflows []workflowBody `json:"workflows"`
	Total     int            `json:"total"`
	Count     int            `json:"count"`
	Limit     int            `json:"limit"`
	Offset    int            `json:"offset"`
	Timestamp string         `json:"timestamp"`
}

// listWorkflows answers GET /api/v1/workflows?incident_id=&limit=&offset=.
func (s *Server) listWorkflows(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, offset, err := pageParams(q)
	incidentID := firstNonEmpty(q.Get("incident_id"), q.Get("incidentId"))
	if err == nil && incidentID != "" {
		err = checkName("incident_id", incidentID)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items, matched, _ := s.deps.Workflows.List(incidentID, limit, offset)
	body := workflowListBody{Workflows: make([]workflowBody, 0, len(items)), Total: matched, Count: len(items),
		Limit: limit, Offset: offset, Timestamp: rfc3339(s.now())}
	for _, wf := range items {
		body.Workflows = append(body.Workflows, toWorkflowBody(wf))
	}
	writeJSON(w, http.StatusOK, body)
}

// pathWorkflow reads the {id} path value and the workflow it names; on failure it has answered.
func (s *Server) pathWorkflow(w http.ResponseWriter, r *http.Request) (*v1alpha1.RemediationWorkflow, bool) {
	id := r.PathValue("id")
	if err := checkName("id", id); err != nil {
		s.writeError(w, r, err)
		return nil, false
	}
	wf, err := s.deps.Workflows.Get(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return nil, false
	}
	return wf, true
}

// getWorkflow answers GET /api/v1/workflows/{id}.
func (s *Server) getWorkflow(w http.ResponseWriter, r *http.Request) {
	if wf, ok := s.pathWorkflow(w, r); ok {
		writeJSON(w, http.StatusOK, toWorkflowBody(wf))
	}
}

type queueBody struct {
	QueueLength      int                `json:"queue_length"`
	ProcessingStatus string             `json:"processing_status"`
	QueuedActions    []actionStatusBody `json:"queued_actions"`
	RunningActions   []actionStatusBody `json:"running_actions"`
	Statistics       struct {
		TotalSubmitted int `json:"total_submitted"`
		Completed      int `json:"completed"`
		Failed         int `json:"failed"`
		Cancelled      int `json:"cancelled"`
	} `json:"statistics"`
	Timestamp string `json:"timestamp"`
}

// workflowQueue answers GET /api/v1/workflows/queue in the Python engine's shape.
func (s *Server) workflowQueue(w http.ResponseWriter, r *http.Request) {
	items, _, counts := s.deps.Workflows.List("", 1<<30, 0)
	b := queueBody{QueuedActions: []actionStatusBody{}, RunningActions: []actionStatusBody{},
		ProcessingStatus: "processing", Timestamp: rfc3339(s.now())}
	for _, wf := range items {
		switch wf.Phase() {
		case v1alpha1.WorkflowPending, v1alpha1.WorkflowAwaitingApproval:
			if len(b.QueuedActions) < 100 {
				b.QueuedActions = append(b.QueuedActions, toActionBody(wf))
			}
		case v1alpha1.WorkflowRunning:
			if len(b.RunningActions) < 100 {
				b.RunningActions = append(b.RunningActions, toActionBody(wf))
			}
		}
	}
	b.QueueLength = counts.Pending + counts.AwaitingApproval
	b.Statistics.TotalSubmitted, b.Statistics.Completed = counts.Total, counts.Completed
	b.Statistics.Failed, b.Statistics.Cancelled = counts.Failed, counts.Cancelled
	writeJSON(w, http.StatusOK, b)
}

type actionListBody struct {
	Actions []actionStatusBody `json:"actions"`
	Total   int                `json:"total"`
	Count   int                `json:"count"`
}

// listActions answers GET /actions and GET /api/v1/actions (Python-era names for workflows).
func (s *Server) listActions(w http.ResponseWriter, r *http.Request) {
	limit, offset, err := pageParams(r.URL.Query())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items, matched, _ := s.deps.Workflows.List("", limit, offset)
	b := actionListBody{Actions: make([]actionStatusBody, 0, len(items)), Total: matched, Count: len(items)}
	for _, wf := range items {
		b.Actions = append(b.Actions, toActionBody(wf))
	}
	writeJSON(w, http.StatusOK, b)
}

// actionStatus answers GET /api/v1/actions/{id}/status.
func (s *Server) actionStatus(w http.ResponseWriter, r *http.Request) {
	if wf, ok := s.pathWorkflow(w, r); ok {
		writeJSON(w, http.StatusOK, toActionBody(wf))
	}
}
