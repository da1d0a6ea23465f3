// Package remediation turns remediation requests into work: it resolves or opens the incident a
// request is about, records the RemediationWorkflow idempotently, and links the two. Executing
// workflows (strategies, the safety gate, verification) is added to this package by the
// remediation-core issue.
package remediation
