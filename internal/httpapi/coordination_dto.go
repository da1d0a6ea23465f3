package httpapi

import (
	"fmt"
	"strings"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/coordination"
	"selfhealing.dev/coordination-engine/internal/issue"
)

// coordinationRequest is POST /api/v1/coordination/trigger.
type coordinationRequest struct {
	IncidentID      string                 `json:"incident_id"`
	IncidentIDCamel string                 `json:"incidentId"`
	Description     string                 `json:"description"`
	Resources       []coordinationResource `json:"resources"`
}

// coordinationResource is one resource of the request; issue is an issue type.
type coordinationResource struct {
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	Issue     string `json:"issue"`
}

// validate checks the request and returns the coordination trigger. Fields are named as the
// client wrote them: resources[2].name.
func (req coordinationRequest) validate() (coordination.Trigger, error) {
	var t coordination.Trigger
	if id := firstNonEmpty(req.IncidentID, req.IncidentIDCamel); id != "" {
		if err := checkName("incident_id", id); err != nil {
			return t, err
		}
		t.IncidentID = id
	}
	if err := checkLength("description", req.Description, 0, 8192); err != nil {
		return t, err
	}
	switch n := len(req.Resources); {
	case req.Resources == nil:
		return t, missing("resources")
	case n == 0:
		return t, badRequest("resources", "resources must name at least one resource")
	case n > coordination.MaxResources:
		return t, badRequest("resources", fmt.Sprintf("resources may name at most %d resources, not %d", coordination.MaxResources, n))
	}
	for i, r := range req.Resources {
		res, err := r.validate(fmt.Sprintf("resources[%d]", i))
		if err != nil {
			return t, err
		}
		t.Resources = append(t.Resources, res)
	}
	t.Description, t.Source = req.Description, v1alpha1.SourceManual
	return t, nil
}

func (r coordinationResource) validate(at string) (coordination.Resource, error) {
	var res coordination.Resource
	if r.Kind == "" {
		return res, missing(at + ".kind")
	}
	kind, ok := coordination.CanonicalKind(r.Kind)
	if !ok {
		return res, badRequest(at+".kind", fmt.Sprintf("%s.kind %q is not one of: %s", at, r.Kind, coordination.Kinds()))
	}
	if r.Name == "" {
		return res, missing(at + ".name")
	}
	if err := checkName(at+".name", r.Name); err != nil {
		return res, err
	}
	if coordination.Namespaced(kind) {
		if r.Namespace == "" {
			return res, missing(at + ".namespace")
		}
		if err := checkNamespace(at+".namespace", r.Namespace); err != nil {
			return res, err
		}
		res.Namespace = r.Namespace
	}
	if strings.TrimSpace(r.Issue) == "" {
		return res, missing(at + ".issue")
	}
	typ, ok := issue.Normalize(r.Issue)
	if !ok {
		return res, badRequest(at+".issue", fmt.Sprintf("%s.issue %q is not known; accepted: %s", at, r.Issue, issue.Accepted()))
	}
	res.Kind, res.Name, res.Issue = kind, r.Name, v1alpha1.Issue{Type: string(typ)}
	return res, nil
}

// coordinationTriggeredBody is the 202 answer.
type coordinationTriggeredBody struct {
	WorkflowID     string                 `json:"workflow_id"`
	IncidentID     string                 `json:"incident_id"`
	Status         string                 `json:"status"`
	AffectedLayers []string               `json:"affected_layers"`
	RootCauseLayer string                 `json:"root_cause_layer"`
	EstimatedSteps int                    `json:"estimated_steps"`
	Steps          []coordinationStepBody `json:"steps"`
	Duplicate      bool                   `json:"duplicate"`
	Message        string                 `json:"message"`
}

// coordinationStepBody is one planned step: its resource, issue and why it is in its layer.
type coordinationStepBody struct {
	Order  int        `json:"order"`
	Layer  string     `json:"layer"`
	Target targetBody `json:"target"`
	Issue  string     `json:"issue"`
	Why    string     `json:"why"`
}

func toCoordinationTriggered(res coordination.Result) coordinationTriggeredBody {
	b := coordinationTriggeredBody{WorkflowID: res.Workflow.Name, IncidentID: res.Workflow.Spec.IncidentRef,
		Status: string(res.Workflow.Phase()), AffectedLayers: res.Layers, RootCauseLayer: res.RootCauseLayer,
		EstimatedSteps: len(res.Plan), Steps: make([]coordinationStepBody, 0, len(res.Plan)), Duplicate: !res.Created}
	if b.AffectedLayers == nil {
		b.AffectedLayers = []string{}
	}
	for i, it := range res.Plan {
		b.Steps = append(b.Steps, coordinationStepBody{Order: i + 1, Layer: it.Layer, Target: targetBody(it.Target),
			Issue: it.Issue.Type, Why: it.Why})
	}
	b.Message = fmt.Sprintf("recorded; the coordinator works through %s, checking health after each layer", strings.Join(b.AffectedLayers, ", "))
	if b.Duplicate {
		b.Message = "the same coordination is active already: " + b.WorkflowID
	}
	return b
}
