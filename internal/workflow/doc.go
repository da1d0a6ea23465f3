// Package workflow owns RemediationWorkflow records: creating them idempotently from remediation
// requests, reading them, and the in-memory index the REST API lists from. Executing them is the
// remediation package's job.
//
// Idempotency does not depend on the cache being current: a request's key (incident, target and
// requested actions) names the workflow, and the n-th workflow for a key is "wf-<key>-<n>", so
// concurrent retries compute the same name and the API server refuses all but one.
package workflow
