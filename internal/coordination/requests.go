package coordination

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/incident"
	"selfhealing.dev/coordination-engine/internal/issue"
	"selfhealing.dev/coordination-engine/internal/workflow"
)

// IncidentRecords is what requests need of incident handling (incident.Service).
type IncidentRecords interface {
	Get(ctx context.Context, id string) (*v1alpha1.Incident, error)
	Create(ctx context.Context, n incident.New) (*v1alpha1.Incident, bool, error)
	Reopen(ctx context.Context, id, message string) (*v1alpha1.Incident, error)
	LinkWorkflow(ctx context.Context, id, workflowName string) (*v1alpha1.Incident, error)
}

// Requests turns coordination requests into coordination workflows.
type Requests struct {
	planner   *Planner
	incidents IncidentRecords
	workflows Workflows
}

// NewRequests returns a request handler that plans with planner.
func NewRequests(planner *Planner, incidents IncidentRecords, workflows Workflows) *Requests {
	return &Requests{planner: planner, incidents: incidents, workflows: workflows}
}

// Trigger is a coordination request.
type Trigger struct {
	// IncidentID names an existing incident; empty opens (or finds) one for the resources.
	IncidentID string
	// Description is the client's words; it describes every resource's issue.
	Description string
	// Resources are the resources to coordinate, in the client's order.
	Resources []Resource
	// Source is where the request came from; manual when empty.
	Source v1alpha1.Source
}

// Result is what a coordination request led to.
type Result struct {
	Incident *v1alpha1.Incident
	Workflow *v1alpha1.RemediationWorkflow
	// Created is false when the request matched an active coordination workflow (a retry).
	Created bool
	// Plan is the workflow's plan, in layer order.
	Plan []v1alpha1.PlanItem
	// Layers are the plan's layers in order; RootCauseLayer is the first of them.
	Layers         []string
	RootCauseLayer string
}

// Trigger plans the resources (a *FieldError for an invalid one, an error wrapping
// managedby.ErrTargetNotFound for one that does not exist), resolves the incident
// (incident.ErrNotFound for an unknown id; without one it opens or finds the incident of these
// resources), records the coordination workflow and links it to the incident. The same request
// twice returns the same active workflow.
func (r *Requests) Trigger(ctx context.Context, t Trigger) (Result, error) {
	resources := slices.Clone(t.Resources)
	for i := range resources {
		if resources[i].Issue.Description == "" {
			resources[i].Issue.Description = t.Description
		}
	}
	items, _, err := r.planner.Plan(ctx, resources)
	if err != nil {
		return Result{}, err
	}
	if t.Source == "" {
		t.Source = v1alpha1.SourceManual
	}
	severity := severityOf(items)
	inc, err := r.resolveIncident(ctx, t, items, severity)
	if err != nil {
		return Result{}, err
	}
	if inc.Phase().Finished() {
		if inc, err = r.incidents.Reopen(ctx, inc.Name, "a new coordination of "+describeResources(t.Resources)+" was requested"); err != nil {
			return Result{}, fmt.Errorf("reopen incident: %w", err)
		}
	}
	wf, created, err := r.workflows.Record(ctx, workflow.Request{
		IncidentID: inc.Name, Source: t.Source, Priority: inc.Spec.Priority, Plan: items,
		Issue: v1alpha1.Issue{Type: items[0].Issue.Type, Description: truncate(t.Description, 8192), Severity: severity},
	})
	if err != nil {
		return Result{}, err
	}
	if created {
		if inc, err = r.incidents.LinkWorkflow(ctx, inc.Name, wf.Name); err != nil {
			return Result{}, fmt.Errorf("link workflow %s to incident: %w", wf.Name, err)
		}
	}
	res := Result{Incident: inc, Workflow: wf, Created: created, Plan: wf.Spec.Plan}
	for _, it := range res.Plan {
		if !slices.Contains(res.Layers, it.Layer) {
			res.Layers = append(res.Layers, it.Layer)
		}
	}
	if len(res.Layers) > 0 {
		res.RootCauseLayer = res.Layers[0]
	}
	return res, nil
}

// resolveIncident reads the named incident, or opens (finds) the one of these resources: its
// correlation id is a digest of the sorted resources and issues, so a retried request without
// an incident id finds it.
func (r *Requests) resolveIncident(ctx context.Context, t Trigger, items []v1alpha1.PlanItem, severity v1alpha1.Severity) (*v1alpha1.Incident, error) {
	if t.IncidentID != "" {
		return r.incidents.Get(ctx, t.IncidentID)
	}
	keys := make([]string, 0, len(t.Resources))
	affected := make([]string, 0, len(items))
	for _, res := range t.Resources {
		kind, _ := CanonicalKind(res.Kind)
		typ, _ := issue.Normalize(res.Issue.Type)
		ns := ""
		if Namespaced(kind) {
			ns = res.Namespace
		}
		keys = append(keys, kind+"/"+ns+"/"+res.Name+":"+string(typ))
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	sum := sha256.Sum256([]byte(strings.Join(keys, ",")))
	for _, it := range items {
		affected = append(affected, it.Target.String())
	}
	description := t.Description
	if len(description) < 10 {
		description = "coordinated remediation of " + describeResources(t.Resources)
	}
	root := items[0].Target
	inc, _, err := r.incidents.Create(ctx, incident.New{
		Title:       truncate(fmt.Sprintf("%s on %s across %s", items[0].Issue.Type, root, layersOf(items)), 256),
		Description: truncate(description, 8192), Severity: severity, Source: t.Source,
		Target: &root, TargetRef: root.String(), ActionType: items[0].Issue.Type, AffectedResources: affected,
		CorrelationID: "coordination:" + hex.EncodeToString(sum[:12]),
	})
	return inc, err
}

// severityOf is the highest severity among the items' issues; medium when none says.
func severityOf(items []v1alpha1.PlanItem) v1alpha1.Severity {
	sev := v1alpha1.Severity("")
	for _, it := range items {
		if s := it.Issue.Severity; s != "" && (sev == "" || s.Priority() > sev.Priority()) {
			sev = s
		}
	}
	if sev == "" {
		return v1alpha1.SeverityMedium
	}
	return sev
}

// layersOf names the plan's layers: "infrastructure, application".
func layersOf(items []v1alpha1.PlanItem) string {
	var layers []string
	for _, it := range items {
		if !slices.Contains(layers, it.Layer) {
			layers = append(layers, it.Layer)
		}
	}
	return strings.Join(layers, ", ")
}

// describeResources names up to three resources.
func describeResources(resources []Resource) string {
	names := make([]string, 0, len(resources))
	for _, r := range resources {
		t := v1alpha1.Target{Kind: r.Kind, Namespace: r.Namespace, Name: r.Name}
		names = append(names, t.String())
	}
	if len(names) > 3 {
		return strings.Join(names[:3], ", ") + fmt.Sprintf(" and %d more", len(names)-3)
	}
	return strings.Join(names, ", ")
}
