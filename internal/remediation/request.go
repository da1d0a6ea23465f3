package remediation

import (
	"context"
	"fmt"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/incident"
	"selfhealing.dev/coordination-engine/internal/workflow"
)

// Incidents is what requests need of incident handling.
type Incidents interface {
	Get(ctx context.Context, id string) (*v1alpha1.Incident, error)
	Create(ctx context.Context, n incident.New) (*v1alpha1.Incident, bool, error)
	LinkWorkflow(ctx context.Context, id, workflowName string) (*v1alpha1.Incident, error)
}

// Workflows is what requests need of workflow records.
type Workflows interface {
	Record(ctx context.Context, r workflow.Request) (*v1alpha1.RemediationWorkflow, bool, error)
}

// Requests handles remediation requests.
type Requests struct {
	incidents Incidents
	workflows Workflows
}

// NewRequests returns a request handler.
func NewRequests(incidents Incidents, workflows Workflows) *Requests {
	return &Requests{incidents: incidents, workflows: workflows}
}

// Trigger is a validated remediation request.
type Trigger struct {
	// IncidentID names an existing incident; empty opens (or finds) one for the target and issue.
	IncidentID string
	Target     v1alpha1.Target
	Issue      v1alpha1.Issue
	Actions    []v1alpha1.RequestedAction
	DryRun     bool
	Source     v1alpha1.Source
	Priority   int32
	Confidence float64
}

// Result is what a request led to.
type Result struct {
	Incident *v1alpha1.Incident
	Workflow *v1alpha1.RemediationWorkflow
	// Created is false when the request matched an active workflow (a retry).
	Created bool
}

// Trigger resolves the incident (incident.ErrNotFound for an unknown id), records the workflow
// and links them. The same request twice returns the same active workflow.
func (r *Requests) Trigger(ctx context.Context, t Trigger) (Result, error) {
	inc, err := r.resolveIncident(ctx, t)
	if err != nil {
		return Result{}, err
	}
	priority := t.Priority
	if priority == 0 {
		priority = inc.Spec.Priority
	}
	wf, created, err := r.workflows.Record(ctx, workflow.Request{
		IncidentID: inc.Name, Target: t.Target, Issue: t.Issue, Actions: t.Actions, DryRun: t.DryRun,
		Source: t.Source, Priority: priority, Confidence: t.Confidence,
	})
	if err != nil {
		return Result{}, err
	}
	if created {
		if inc, err = r.incidents.LinkWorkflow(ctx, inc.Name, wf.Name); err != nil {
			return Result{}, fmt.Errorf("link workflow %s to incident: %w", wf.Name, err)
		}
	}
	return Result{Incident: inc, Workflow: wf, Created: created}, nil
}

func (r *Requests) resolveIncident(ctx context.Context, t Trigger) (*v1alpha1.Incident, error) {
	if t.IncidentID != "" {
		return r.incidents.Get(ctx, t.IncidentID)
	}
	severity := t.Issue.Severity
	if severity == "" {
		severity = v1alpha1.SeverityMedium
	}
	description := t.Issue.Description
	if len(description) < 10 {
		description = fmt.Sprintf("%s reported for %s", t.Issue.Type, t.Target)
	}
	target := t.Target
	inc, _, err := r.incidents.Create(ctx, incident.New{
		Title: fmt.Sprintf("%s on %s", t.Issue.Type, t.Target), Description: description, Severity: severity,
		Source: t.Source, Target: &target, TargetRef: t.Target.String(), ActionType: t.Issue.Type,
		// One incident per target and issue: a retried request without an incident id finds it.
		CorrelationID: "remediation:" + t.Target.String() + ":" + t.Issue.Type, Confidence: t.Confidence,
	})
	return inc, err
}
