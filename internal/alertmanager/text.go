package alertmanager

import (
	"fmt"
	"strings"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
)

// title is the summary annotation on one line, else "<alertname> on <target>".
func title(a Alert, name string, target v1alpha1.Target) string {
	if s := oneLine(a.Annotations[annotationSummary]); s != "" {
		return truncate(s, maxTitleRunes)
	}
	t := oneLine(name)
	if t == "" {
		t = "Alertmanager alert"
	}
	if !target.IsZero() {
		t += " on " + target.String()
	}
	return truncate(t, maxTitleRunes)
}

// description is the description (else message) annotation, else a sentence from the alert
// name and target, then one line per note; at most maxDescriptionRunes.
func description(a Alert, name string, target v1alpha1.Target, notes []string) string {
	text := strings.TrimSpace(a.Annotations[annotationDescription])
	if text == "" {
		text = strings.TrimSpace(a.Annotations[annotationMessage])
	}
	if text == "" {
		text = "Alertmanager alert " + oneLine(name)
		if !target.IsZero() {
			text += " about " + target.String()
		}
		text += "."
	}
	var tail strings.Builder
	for _, n := range notes {
		tail.WriteString("\n\nThe engine cannot act on this alert: " + n + ".")
	}
	room := maxDescriptionRunes - len([]rune(tail.String()))
	return truncate(truncate(text, max(room, 0))+tail.String(), maxDescriptionRunes)
}

// oneLine collapses all white space, line breaks included, into single spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// truncate shortens s to at most n characters, ending it with "…" when it cut.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	if n == 0 {
		return ""
	}
	return string(r[:n-1]) + "…"
}

// quote quotes a label value for a note, shortened so that a huge value cannot crowd out the
// description.
func quote(v string) string {
	const maxRunes = 80
	if r := []rune(v); len(r) > maxRunes {
		v = string(r[:maxRunes]) + "…"
	}
	return fmt.Sprintf("%q", v)
}
