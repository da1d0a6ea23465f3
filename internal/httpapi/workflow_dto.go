package httpapi

import (
	"encoding/json"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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
	// Change is the exact change the step makes, recorded before it is made; null until planned.
	Change *changeBody `json:"change"`
	Undone bool        `json:"undone"`
	// WorkflowID names the child workflow that carries out a coordination workflow's step; ""
	// for other steps and before the child starts.
	WorkflowID string `json:"workflow_id"`
	// Target is the resource a coordination workflow's step works on; null for other steps.
	Target *targetBody `json:"target"`
}

// planItemBody is one resource of a coordination workflow's plan.
type planItemBody struct {
	Layer  string     `json:"layer"`
	Target targetBody `json:"target"`
	Issue  issueBody  `json:"issue"`
	Why    string     `json:"why"`
}

type objectRefBody struct {
	APIVersion string `json:"api_version"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace"`
	Name       string `json:"name"`
}

type changeBody struct {
	Strategy  string        `json:"strategy"`
	Object    objectRefBody `json:"object"`
	Operation string        `json:"operation"`
	PatchType string        `json:"patch_type"`
	Patch     string        `json:"patch"`
	Undo      string        `json:"undo"`
	Diff      string        `json:"diff"`
	Summary   string        `json:"summary"`
}

func toChangeBody(c *v1alpha1.Change) *changeBody {
	if c == nil {
		return nil
	}
	o := c.Object
	return &changeBody{Strategy: c.Strategy, Object: objectRefBody{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name},
		Operation: string(c.Operation), PatchType: c.PatchType, Patch: c.Patch, Undo: c.Undo, Diff: c.Diff, Summary: c.Summary}
}

type approvalBody struct {
	Decision string `json:"decision"`
	By       string `json:"by"`
	Reason   string `json:"reason"`
	At       string `json:"at"`
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
	Reason           string           `json:"reason"`
	Strategy         string           `json:"strategy"`
	Evidence         []string         `json:"evidence"`
	Approval         *approvalBody    `json:"approval"`
	// ParentID names the coordination workflow this workflow is a step of; "" when none.
	ParentID string `json:"parent_id"`
	// Plan is a coordination workflow's plan across layers; empty for other workflows.
	Plan []planItemBody `json:"plan"`
}

func toWorkflowBody(wf *v1alpha1.RemediationWorkflow) workflowBody {
	st := wf.Status
	b := workflowBody{
		ID: wf.Name, IncidentID: wf.Spec.IncidentRef, Status: string(wf.Phase()), DeploymentMethod: st.DeploymentMethod,
		Layers: st.Layers, Steps: []stepBody{}, Checkpoints: []checkpointBody{}, CreatedAt: rfc3339(wf.CreationTimestamp.Time),
		Target: targetBody(wf.Spec.Target), Issue: issueBody{Type: wf.Spec.Issue.Type, Description: wf.Spec.Issue.Description,
			Severity: string(wf.Spec.Issue.Severity)},
		Actions: []actionBody{}, DryRun: wf.Spec.DryRun, Source: string(wf.Spec.Source), Priority: int(wf.Spec.Priority),
		Confidence: wf.Spec.Confidence, Error: st.Error, Strategy: st.Strategy, Evidence: st.Evidence,
		ParentID: wf.Spec.ParentRef, Plan: make([]planItemBody, 0, len(wf.Spec.Plan)),
	}
	for _, it := range wf.Spec.Plan {
		b.Plan = append(b.Plan, planItemBody{Layer: it.Layer, Target: targetBody(it.Target), Why: it.Why,
			Issue: issueBody{Type: it.Issue.Type, Description: it.Issue.Description, Severity: string(it.Issue.Severity)}})
	}
	if b.Evidence == nil {
		b.Evidence = []string{}
	}
	if a := wf.Spec.Approval; a != nil {
		b.Approval = &approvalBody{Decision: string(a.Decision), By: a.By, Reason: a.Reason, At: rfc3339(a.At.Time)}
	}
	if b.DeploymentMethod == "" {
		b.DeploymentMethod = "unknown"
	}
	if b.Layers == nil {
		b.Layers = []string{}
	}
	b.StartedAt, b.CompletedAt = optionalTime(st.StartedAt), optionalTime(st.CompletedAt)
	for _, s := range st.Steps {
		step := stepBody{Order: int(s.Order), Layer: s.Layer, Action: s.Action, Description: s.Description,
			Status: s.Status, StartedAt: optionalTime(s.StartedAt), CompletedAt: optionalTime(s.CompletedAt), Error: s.Error,
			Change: toChangeBody(s.Change), Undone: s.Undone, WorkflowID: s.Workflow}
		if s.Target != nil {
			t := targetBody(*s.Target)
			step.Target = &t
		}
		b.Steps = append(b.Steps, step)
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
	b.Message, b.Reason = latestCondition(wf.Phase(), st.Conditions)
	return b
}

// latestCondition is the message and reason that say what the workflow is doing or why it
// stopped: the Admitted condition while it waits for approval, else Verified once verification
// has an answer, else Executed.
func latestCondition(phase v1alpha1.WorkflowPhase, conds []metav1.Condition) (message, reason string) {
	order := []string{v1alpha1.ConditionVerified, v1alpha1.ConditionExecuted, v1alpha1.ConditionAdmitted}
	if phase == v1alpha1.WorkflowAwaitingApproval {
		order = []string{v1alpha1.ConditionAdmitted}
	}
	for _, t := range order {
		if c := meta.FindStatusCondition(conds, t); c != nil {
			return c.Message, c.Reason
		}
	}
	return "", ""
}
