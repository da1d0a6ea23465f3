package engine

import (
	"context"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/alertmanager"
	"selfhealing.dev/coordination-engine/internal/httpapi"
	"selfhealing.dev/coordination-engine/internal/intake"
	"selfhealing.dev/coordination-engine/internal/telemetry"
)

// alertIntake turns Alertmanager's alerts into intake signals: a firing alert opens (or
// updates) the incident of its fingerprint, a resolved one closes it.
type alertIntake struct {
	intake  *intake.Intake
	metrics *telemetry.Metrics
}

var _ httpapi.Alerts = alertIntake{}

// Receive handles each alert of the notification in order; the first error stops it (the
// alerts before it are recorded, and Alertmanager sends the group again).
func (a alertIntake) Receive(ctx context.Context, m alertmanager.Message) (httpapi.AlertReceipt, error) {
	r := httpapi.AlertReceipt{Received: len(m.Alerts), Alerts: make([]httpapi.AlertOutcome, 0, len(m.Alerts))}
	for _, al := range m.Alerts {
		s := alertmanager.Interpret(al)
		key := "alertmanager:" + s.Fingerprint
		var (
			out intake.Outcome
			err error
		)
		if s.Firing {
			out, err = a.intake.Open(ctx, intake.Signal{Source: v1alpha1.SourceAlert, Key: key, ExternalID: key, Target: s.Target,
				Issue: s.Issue, Severity: s.Severity, Title: s.Title, Description: s.Description, Labels: s.Labels})
		} else {
			out, err = a.intake.Close(ctx, key, key, "the alert "+s.AlertName+" resolved at "+s.EndsAt.UTC().Format("2006-01-02T15:04:05Z"))
		}
		if err != nil {
			return r, err
		}
		a.count(s, out, &r)
		r.Alerts = append(r.Alerts, httpapi.AlertOutcome{Fingerprint: s.Fingerprint, AlertName: s.AlertName, Status: string(al.Status),
			Incident: out.Incident, Action: out.Action, Mode: string(out.Mode), Workflow: out.Workflow, Note: out.Note})
	}
	return r, nil
}

func (a alertIntake) count(s alertmanager.Signal, out intake.Outcome, r *httpapi.AlertReceipt) {
	switch out.Action {
	case "opened":
		r.Opened++
	case "updated":
		r.Updated++
	case "reopened":
		r.Reopened++
	case "resolved":
		r.Resolved++
	default:
		r.Ignored++
	}
	if a.metrics != nil {
		a.metrics.Signals.WithLabelValues("alert", string(s.Issue), out.Action).Inc()
	}
}
