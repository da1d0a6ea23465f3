// Package intake turns signals the engine finds itself (cluster watchers, Alertmanager alerts,
// anomaly analysis) into incidents and, where the auto-remediation policy allows, remediation
// workflows. It owns that policy (per signal kind and namespace: remediate automatically, ask a
// person first, or only open an incident) and the rule that a problem already handed to people
// (an escalated incident) is not remediated again by the engine on its own.
package intake
