package alertmanager

import (
	"maps"
	"strings"
	"time"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/issue"
)

// Limits of an incident's text (the Incident CRD's maxLength, in characters).
const (
	maxTitleRunes       = 256
	maxDescriptionRunes = 8192
)

// Signal is what one alert means for the engine. The engine can act on it only when both Target
// and Issue are set (and its auto-remediation policy allows); otherwise it opens an incident.
type Signal struct {
	// Fingerprint is the alert's fingerprint: the same alert, firing or resolved, has the same
	// one, so it keys the alert's incident.
	Fingerprint string
	// Firing is false for a resolved alert, which closes its incident.
	Firing bool
	// AlertName is the alertname label.
	AlertName string
	// Target is the workload or node the labels name; zero when the alert names nothing the
	// engine can act on (Description then says why when a label was unusable).
	Target v1alpha1.Target
	// Issue is the issue type; "" when the engine knows no action for the alert: it opens an
	// incident only.
	Issue issue.Type
	// Severity is from the severity label: critical → critical, high → high, warning or medium
	// → medium, info, none or low → low, anything else or none → medium.
	Severity v1alpha1.Severity
	// Title is the summary annotation, else "<alertname> on <target>": one line, never empty,
	// at most 256 characters.
	Title string
	// Description is the description annotation (else message), else a sentence built from the
	// alert name and target, followed by a line for each reason the engine cannot act on the
	// alert; at most 8192 characters.
	Description string
	// Labels are the alert's labels (a copy).
	Labels map[string]string
	// StartsAt and EndsAt are the alert's; EndsAt is zero while it fires.
	StartsAt, EndsAt time.Time
}

// Interpret says what the engine does with one alert, as Decode returned it. It never fails: a
// label it cannot use gives a zero Target or an empty Issue, and a line in Description saying
// why.
//
// Issue: the issue_type label (normalised; "none" for incident only) wins; else the alert name's
// entry in knownAlerts; else a reason label that is a Kubernetes reason (CrashLoopBackOff,
// OOMKilled, ImagePullBackOff, ...). An issue that does not fit the target (a node issue on a
// workload, a workload issue on a node) is dropped: incident only.
//
// Target, the first that applies: target_kind + target_name (namespace from target_namespace,
// else namespace); for a node alert (knownAlerts says so, or the issue is node_*) node, else
// instance without its port unless it is an IP address; namespace with deployment, statefulset,
// daemonset or pod, in that order; node. Names must be valid Kubernetes names.
func Interpret(a Alert) Signal {
	name := a.Labels[labelAlertName]
	known, isKnown := knownAlerts[name]
	typ, issueNote := issueFor(a.Labels, known, isKnown)
	target, targetNote := targetFor(a.Labels, known.node || isNodeIssue(typ))
	var notes []string
	for _, n := range []string{issueNote, targetNote} {
		if n != "" {
			notes = append(notes, n)
		}
	}
	if typ != "" && !target.IsZero() && !fits(typ, target.Kind) {
		notes = append(notes, "issue type "+string(typ)+" does not apply to a "+target.Kind+"; incident only")
		typ = ""
	}
	return Signal{
		Fingerprint: a.Fingerprint,
		Firing:      a.Status == StatusFiring,
		AlertName:   name,
		Target:      target,
		Issue:       typ,
		Severity:    severityFor(a.Labels[labelSeverity]),
		Title:       title(a, name, target),
		Description: description(a, name, target, notes),
		Labels:      maps.Clone(a.Labels),
		StartsAt:    a.StartsAt,
		EndsAt:      a.EndsAt,
	}
}

// issueFor returns the alert's issue type and, when a label could not be used, why.
func issueFor(labels map[string]string, known knownAlert, isKnown bool) (issue.Type, string) {
	if v, ok := labels[labelIssueType]; ok && strings.TrimSpace(v) != "" {
		if strings.EqualFold(strings.TrimSpace(v), "none") {
			return "", ""
		}
		if t, ok := issue.Normalize(v); ok {
			return t, ""
		}
		return "", "label issue_type " + quote(v) + " is not an issue type (accepted: none, " + issue.Accepted() + "); incident only"
	}
	if isKnown && known.issueLabel != "" {
		t, _ := issue.Normalize(labels[known.issueLabel])
		return t, ""
	}
	if isKnown {
		return known.issue, ""
	}
	t, _ := issue.Normalize(labels[labelReason])
	return t, ""
}

// isNodeIssue reports whether t is about a node (node_not_ready, node_*_pressure).
func isNodeIssue(t issue.Type) bool { return strings.HasPrefix(string(t), "node_") }

// fits reports whether an issue type applies to a target kind: node issues to Nodes, the
// workload issues to workloads and Pods; other types are left to the engine.
func fits(t issue.Type, kind string) bool {
	switch t {
	case issue.PodCrash, issue.OOMKill, issue.ImagePull, issue.ConfigError, issue.StuckRollout,
		issue.HighCPU, issue.HighMemory, issue.NetworkIssue:
		return kind != kindNode
	}
	if isNodeIssue(t) {
		return kind == kindNode
	}
	return true
}

// severityFor maps Alertmanager's severity label (Prometheus' conventions: critical, warning,
// info, none) to the engine's severities.
func severityFor(v string) v1alpha1.Severity {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "critical":
		return v1alpha1.SeverityCritical
	case "high":
		return v1alpha1.SeverityHigh
	case "info", "none", "low":
		return v1alpha1.SeverityLow
	default: // warning, medium, unknown, absent
		return v1alpha1.SeverityMedium
	}
}
