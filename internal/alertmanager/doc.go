// Package alertmanager reads Alertmanager's webhook notifications (version 4) and says what each
// alert means for the engine: the workload or node it names, the issue type, the severity and the
// words for its incident.
//
// It is pure: no HTTP server, no Kubernetes client. The HTTP handler decodes a request body with
// Decode (which validates it and names the field at fault) and hands each alert to Interpret.
//
// Message mirrors the notifier's own type (notify/webhook.Message, which embeds template.Data)
// instead of importing it. Measured with Alertmanager v0.35.0 against the engine's binary:
// importing notify/webhook adds 233 packages and 45 modules (gRPC, OpenTelemetry, a Kafka
// client) and 21.6 MB; template alone adds 10 packages and 0.2 MB but upgrades 17 modules the
// rest of the engine shares, lacks the version, groupKey and truncatedAlerts fields, and decodes
// timestamps into time.Time, whose parse errors do not name the field. The wire format is small
// and versioned, so a copy is cheaper than either.
package alertmanager
