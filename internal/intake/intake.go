package intake

import (
	"context"
	"fmt"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/api/meta"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/incident"
	"selfhealing.dev/coordination-engine/internal/issue"
	"selfhealing.dev/coordination-engine/internal/remediation"
)

// Signal is one problem the engine found itself.
type Signal struct {
	// Source is watcher, alert or ai_driven.
	Source v1alpha1.Source
	// Key identifies the problem: the same key is the same incident (the watcher's workload
	// and issue; the alert's fingerprint).
	Key string
	// ExternalID is the id the problem has elsewhere (an alert's fingerprint), when any.
	ExternalID string
	// Target is what to act on; zero when the signal names nothing the engine can act on.
	Target v1alpha1.Target
	// Issue is the issue type; "" when the engine knows no action for the signal.
	Issue    issue.Type
	Severity v1alpha1.Severity
	Title    string
	// Description is at least 10 characters (an incident's minimum); shorter ones are padded
	// with the title.
	Description string
	Labels      map[string]string
	Affected    []string
	// Confidence is how sure an AI-driven source is (0..1); the gate refuses AI-driven actions
	// below its threshold.
	Confidence float64
	// Action is the action the source recommends (a Python-era name such as scale_up); ""
	// lets the engine choose from the issue type.
	Action string
}

// Outcome is what Open or Close did.
type Outcome struct {
	Incident string `json:"incident_id,omitempty"`
	// Action is opened, updated, reopened, resolved or ignored.
	Action string `json:"action"`
	// Mode is the policy's decision and Rule the rule that made it.
	Mode Mode   `json:"mode,omitempty"`
	Rule string `json:"rule,omitempty"`
	// Workflow names the workflow started or already running; "" when none.
	Workflow string `json:"workflow_id,omitempty"`
	// Note says why no workflow was started, or why nothing happened.
	Note string `json:"note,omitempty"`
}

// Incidents is what intake needs of incident handling.
type Incidents interface {
	Create(ctx context.Context, n incident.New) (*v1alpha1.Incident, bool, error)
	Find(externalID, correlationID string) *v1alpha1.Incident
	Reopen(ctx context.Context, id, message string) (*v1alpha1.Incident, error)
	Resolve(ctx context.Context, id, message string) (*v1alpha1.Incident, error)
}

// Requests starts remediation workflows (remediation.Requests).
type Requests interface {
	Trigger(ctx context.Context, t remediation.Trigger) (remediation.Result, error)
}

// WorkflowPhases tells whether a workflow is still running.
type WorkflowPhases interface {
	Phase(name string) (v1alpha1.WorkflowPhase, bool)
}

// Intake opens, updates and closes incidents for signals, under the policy.
type Intake struct {
	incidents Incidents
	requests  Requests
	workflows WorkflowPhases
	policy    func() (Policy, error)
	log       logr.Logger
}

// New returns an Intake; policy is PolicySource.Policy (or a fixed policy in tests).
func New(incidents Incidents, requests Requests, workflows WorkflowPhases, policy func() (Policy, error), log logr.Logger) *Intake {
	return &Intake{incidents: incidents, requests: requests, workflows: workflows, policy: policy, log: log}
}

// Open records the signal: it opens an incident (or finds the one with the same key, reopening
// it when it was finished) and, when the policy allows and the incident is not already with
// people, starts (or finds) its workflow.
func (in *Intake) Open(ctx context.Context, s Signal) (Outcome, error) {
	p, _ := in.policy() // an invalid policy comes back incident-only
	mode, rule := p.Decide(string(s.Issue), s.Target.Namespace)
	if s.Target.IsZero() {
		mode, rule = IncidentOnly, "the signal names no target the engine can act on"
	}
	out := Outcome{Mode: mode, Rule: rule}
	inc, created, err := in.incidents.Create(ctx, s.newIncident())
	if err != nil {
		return out, fmt.Errorf("open incident for %s: %w", s.Key, err)
	}
	out.Incident, out.Action = inc.Name, "opened"
	if !created {
		out.Action = "updated"
		if inc.Phase().Finished() {
			if inc, err = in.incidents.Reopen(ctx, inc.Name, "the problem came back: "+s.Title); err != nil {
				return out, fmt.Errorf("reopen incident %s: %w", out.Incident, err)
			}
			out.Action = "reopened"
		}
	}
	if note := in.holdBack(inc, mode, out.Action); note != "" {
		out.Note = note
		return out, nil
	}
	t := remediation.Trigger{
		IncidentID: inc.Name, Target: s.Target, Source: s.Source, Priority: inc.Spec.Priority, Confidence: s.Confidence,
		Issue:            v1alpha1.Issue{Type: string(s.Issue), Description: s.Description, Severity: s.Severity},
		ApprovalRequired: mode == Approval,
	}
	if s.Action != "" {
		t.Actions = []v1alpha1.RequestedAction{{Type: s.Action}}
	}
	res, err := in.requests.Trigger(ctx, t)
	if err != nil {
		return out, fmt.Errorf("start workflow for incident %s: %w", inc.Name, err)
	}
	out.Workflow = res.Workflow.Name
	if res.Created {
		in.log.Info("Remediation started", "incident", inc.Name, "workflow", res.Workflow.Name, "target", s.Target.String(),
			"issue", s.Issue, "source", s.Source, "mode", mode)
	}
	return out, nil
}

// holdBack says why no workflow is started for the incident, or "".
func (in *Intake) holdBack(inc *v1alpha1.Incident, mode Mode, action string) string {
	switch {
	case mode == IncidentOnly:
		return "incident only: the auto-remediation policy asks for no action"
	case action != "reopened" && meta.IsStatusConditionTrue(inc.Status.Conditions, v1alpha1.ConditionEscalated):
		return "escalated to people earlier; the engine does not act on its own again until the incident is resolved"
	case inc.Status.WorkflowRef != "" && action == "updated":
		if ph, ok := in.workflows.Phase(inc.Status.WorkflowRef); ok && ph.Finished() && ph != v1alpha1.WorkflowCancelled {
			// The workflow ended without resolving the incident (a refusal, a dry run): people decide.
			return "workflow " + inc.Status.WorkflowRef + " ended " + string(ph) + "; the engine does not start another on its own"
		}
	}
	return ""
}

// Close resolves the incident with key when the problem is gone (a resolved alert, a workload
// healthy again) and no workflow of the engine is still working on it.
func (in *Intake) Close(ctx context.Context, externalID, key, why string) (Outcome, error) {
	inc := in.incidents.Find(externalID, key)
	if inc == nil {
		return Outcome{Action: "ignored", Note: "no incident for this signal"}, nil
	}
	out := Outcome{Incident: inc.Name, Action: "ignored"}
	if inc.Phase().Finished() {
		out.Note = "the incident is already " + string(inc.Phase())
		return out, nil
	}
	if ref := inc.Status.WorkflowRef; ref != "" {
		if ph, ok := in.workflows.Phase(ref); ok && !ph.Finished() {
			out.Workflow, out.Note = ref, "workflow "+ref+" is still "+string(ph)+"; it resolves the incident when verified"
			return out, nil
		}
	}
	if _, err := in.incidents.Resolve(ctx, inc.Name, why); err != nil {
		return out, fmt.Errorf("resolve incident %s: %w", inc.Name, err)
	}
	out.Action = "resolved"
	in.log.Info("Incident resolved", "incident", inc.Name, "why", why)
	return out, nil
}

func (s Signal) newIncident() incident.New {
	desc := s.Description
	if len(desc) < 10 {
		desc = s.Title + ". " + desc
	}
	sev := s.Severity
	if sev == "" {
		sev = v1alpha1.SeverityMedium
	}
	n := incident.New{Title: s.Title, Description: desc, Severity: sev, Source: s.Source, ActionType: string(s.Issue),
		Labels: s.Labels, AffectedResources: s.Affected, CorrelationID: s.Key, ExternalID: s.ExternalID, CreatedBy: "coordination-engine/" + string(s.Source)}
	if !s.Target.IsZero() {
		t := s.Target
		n.Target, n.TargetRef = &t, t.String()
	}
	return n
}
