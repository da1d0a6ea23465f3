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
	Reopen(ctx context.Context, id, message string) (*v1alpha1.Incident, error)
	LinkWorkflow(ctx context.Context, id, workflowName string) (*v1alpha1.Incident, error)
}

// Workflows is what requests need of workflow records.
type Workflows interface {
	Record(ctx context.Context, r workflow.Request) (*v1alpha1.RemediationWorkflow, bool, error)
}

// Planner previews what a workflow will do (the Executor).
type Planner interface {
	// Preview computes the exact change, as the executor will.
	Preview(ctx context.Context, wf *v1alpha1.RemediationWorkflow) (Planned, error)
	// Outline only says how the target is deployed and which strategy acts.
	Outline(ctx context.Context, wf *v1alpha1.RemediationWorkflow) (Planned, error)
}

// Requests handles remediation requests.
type Requests struct {
	incidents Incidents
	workflows Workflows
	planner   Planner
}

// NewRequests returns a request handler. With a planner, dry-run answers carry the exact change
// and every answer the deployment method and strategy; planner may be nil.
func NewRequests(incidents Incidents, workflows Workflows, planner Planner) *Requests {
	return &Requests{incidents: incidents, workflows: workflows, planner: planner}
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
	// ApprovalRequired makes the workflow wait for a person's approval (the auto-remediation
	// policy's approval mode).
	ApprovalRequired bool
}

// Result is what a request led to.
type Result struct {
	Incident *v1alpha1.Incident
	Workflow *v1alpha1.RemediationWorkflow
	// Created is false when the request matched an active workflow (a retry).
	Created bool
	// Plan is the planner's preview: the deployment method, the strategy and, for a dry run,
	// the exact change. Nil without a planner or when the target could not be resolved.
	Plan *Planned
	// Refusal says why the engine will not act, when the preview already knows.
	Refusal error
}

// Trigger resolves the incident (incident.ErrNotFound for an unknown id), records the workflow
// and links them. The same request twice returns the same active workflow.
func (r *Requests) Trigger(ctx context.Context, t Trigger) (Result, error) {
	inc, err := r.resolveIncident(ctx, t)
	if err != nil {
		return Result{}, err
	}
	if inc.Phase().Finished() {
		if inc, err = r.incidents.Reopen(ctx, inc.Name, "a new remediation of "+t.Issue.Type+" on "+t.Target.String()+" was requested"); err != nil {
			return Result{}, fmt.Errorf("reopen incident: %w", err)
		}
	}
	priority := t.Priority
	if priority == 0 {
		priority = inc.Spec.Priority
	}
	wf, created, err := r.workflows.Record(ctx, workflow.Request{
		IncidentID: inc.Name, Target: t.Target, Issue: t.Issue, Actions: t.Actions, DryRun: t.DryRun,
		Source: t.Source, Priority: priority, Confidence: t.Confidence, ApprovalRequired: t.ApprovalRequired,
	})
	if err != nil {
		return Result{}, err
	}
	if created {
		if inc, err = r.incidents.LinkWorkflow(ctx, inc.Name, wf.Name); err != nil {
			return Result{}, fmt.Errorf("link workflow %s to incident: %w", wf.Name, err)
		}
	}
	res := Result{Incident: inc, Workflow: wf, Created: created}
	if r.planner != nil {
		// A dry run's answer is its exact change. Otherwise the executor, which starts as soon
		// as the workflow is recorded, computes the change; answering with an outline keeps the
		// request from doing the same reads again beside it.
		preview := r.planner.Outline
		if wf.Spec.DryRun {
			preview = r.planner.Preview
		}
		p, err := preview(ctx, wf)
		if p.Owner.Method != "" {
			res.Plan = &p
		}
		res.Refusal = err
	}
	return res, nil
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
