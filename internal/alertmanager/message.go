package alertmanager

import "time"

// Version is the webhook payload version this package reads, the one Alertmanager's webhook
// notifier sends; no other version is accepted.
const Version = "4"

// MaxAlerts is the most alerts one message may carry. Alertmanager's webhook_configs max_alerts
// (0 = all) truncates larger groups and reports the rest in truncatedAlerts.
const MaxAlerts = 1000

// Status is an alert's or a message's state.
type Status string

// Statuses.
const (
	// StatusFiring is an alert that is active; a message is firing when any alert in it is.
	StatusFiring Status = "firing"
	// StatusResolved is an alert that stopped; a message is resolved when all alerts are.
	StatusResolved Status = "resolved"
)

// Message is one webhook notification: a group of alerts Alertmanager routed to the receiver.
// It mirrors Alertmanager's notify/webhook.Message for version "4" (see the package comment
// for why it is a copy). Fields Alertmanager added later (notification_reason, routeLabels) and
// any other unknown fields are ignored.
type Message struct {
	// Version is the payload version, always Version.
	Version string `json:"version"`
	// GroupKey identifies the alert group (the route and its group-by labels).
	GroupKey string `json:"groupKey"`
	// TruncatedAlerts is how many alerts of the group max_alerts left out.
	TruncatedAlerts uint64 `json:"truncatedAlerts"`
	// Status is firing when any alert is firing, else resolved.
	Status Status `json:"status"`
	// Receiver is the name of the receiver in Alertmanager's configuration.
	Receiver string `json:"receiver"`
	// GroupLabels are the labels the group was formed by.
	GroupLabels map[string]string `json:"groupLabels"`
	// CommonLabels and CommonAnnotations are those every alert of the message has.
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	// ExternalURL is Alertmanager's own URL.
	ExternalURL string `json:"externalURL"`
	// Alerts are the group's alerts: at least one, at most MaxAlerts.
	Alerts []Alert `json:"alerts"`
}

// Alert is one alert of a Message (Alertmanager's template.Alert).
type Alert struct {
	// Status is firing or resolved.
	Status Status `json:"status"`
	// Labels identify the alert; alertname is always set.
	Labels map[string]string `json:"labels"`
	// Annotations carry its text: summary, description, runbook_url, ...
	Annotations map[string]string `json:"annotations"`
	// StartsAt is when it started firing, in UTC.
	StartsAt time.Time `json:"startsAt"`
	// EndsAt is when it resolved, in UTC; Alertmanager sends the zero time for a firing alert.
	EndsAt time.Time `json:"endsAt"`
	// GeneratorURL links to the rule that fired it.
	GeneratorURL string `json:"generatorURL"`
	// Fingerprint is Alertmanager's stable hash of the labels: the same alert, firing or
	// resolved, has the same fingerprint.
	Fingerprint string `json:"fingerprint"`
}
