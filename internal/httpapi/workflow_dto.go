package httpapi

import (
	"encoding/json"

	"k8s.io/apimachinery/pkg/api/meta"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
)

type targetBody struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

type issueBody struct {
	Type        string `json:"type"`
	Description string `json:"description"`
	Severity    string `json:"severity"`
}

type stepBody struct {
	Order       int     `json:"order"`
	Layer       string  `json:"layer"`
	Action      string  `json:"action"`
	Description string  `json:"description"`
	Status      string  `json:"status"`
	StartedAt   *string `json:"started_at"`
	CompletedAt *string `json:"completed_at"`
	Error       string  `json:"error"`
}

type checkpointBody struct {
	Layer     string   `json:"layer"`
	AfterStep int      `json:"after_step"`
	Status    string   `json:"status"`
	Checks    []string `json:"checks"`
}

type actionBody struct {
	Type       string          `json:"type"`
	Parameters json.RawMessage `json:"parameters"`
}

// workflowBody is a RemediationWorkflow as GET /api/v1/workflows/{id} shows it (contract §3).
type workflowBody struct {
	ID               string           `json:"id"`
	IncidentID       string           `json:"incident_id"`
	Status           string           `json:"status"`
	DeploymentMethod string           `json:"deployment_method"`
	Layers           []string         `json:"layers"`
	Steps            []stepBody       `json:"steps"`
	Checkpoints      []checkpointBody `json:"checkpoints"`
	CreatedAt        string           `json:"created_at"`
	StartedAt        *string          `json:"started_at"`
	CompletedAt      *string          `json:"completed_at"`
	Target           targetBody       `json:"target"`
	Issue            issueBody        `json:"issue"`
	Actions          []actionBody     `json:"actions"`
	DryRun           bool             `json:"dry_run"`
	Source           string           `json:"source"`
	Priority         int              `json:"priority"`
	Confidence       float64          `json:"confidence"`
	Error            string           `json:"error"`
	Message          string           `json:"message"`
}

func toWorkflowBody(wf *v1alpha1.RemediationWorkflow) workflowBody {
	st := wf.Status
	b := workflowBody{
		ID: wf.Name, IncidentID: wf.Spec.IncidentRef, Status: string(wf.Phase()), DeploymentMethod: st.DeploymentMethod,
		Layers: st.Layers, Steps: []stepBody{}, Checkpoints: []checkpointBody{}, CreatedAt: rfc3339(wf.CreationTimestamp.Time),
		Target: targetBody(wf.Spec.Target), Issue: issueBody{Type: wf.Spec.Issue.Type, Description: wf.Spec.Issue.Description,
			Severity: string(wf.Spec.Issue.Severity)},
		Actions: []actionBody{}, DryRun: wf.Spec.DryRun, Source: string(wf.Spec.Source), Priority: int(wf.Spec.Priority),
		Confidence: wf.Spec.Confidence, Error: st.Error,
	}
	if b.DeploymentMethod == "" {
		b.DeploymentMethod = "unknown"
	}
	if b.Layers == nil {
		b.Layers = []string{}
	}
	b.StartedAt, b.CompletedAt = optionalTime(st.StartedAt), optionalTime(st.CompletedAt)
	for _, s := range st.Steps {
		b.Steps = append(b.Steps, stepBody{Order: int(s.Order), Layer: s.Layer, Action: s.Action, Description: s.Description,
			Status: s.Status, StartedAt: optionalTime(s.StartedAt), CompletedAt: optionalTime(s.CompletedAt), Error: s.Error})
	}
	for _, c := range st.Checkpoints {
		checks := c.Checks
		if checks == nil {
			checks = []string{}
		}
		b.Checkpoints = append(b.Checkpoints, checkpointBody{Layer: c.Layer, AfterStep: int(c.AfterStep), Status: c.Status, Checks: checks})
	}
	for _, a := range wf.Spec.Actions {
		p := json.RawMessage("{}")
		if a.Parameters != nil && len(a.Parameters.Raw) > 0 {
			p = a.Parameters.Raw
		}
		b.Actions = append(b.Actions, actionBody{Type: a.Type, Parameters: p})
	}
	if c := meta.FindStatusCondition(st.Conditions, v1alpha1.ConditionExecuted); c != nil {
		b.Message = c.Message
	}
	return b
}
