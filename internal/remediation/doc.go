// Package remediation turns remediation requests into RemediationWorkflows and carries them out:
// Requests records a workflow for a request; the Executor resolves how the target is deployed,
// chooses the action from the issue and the evidence, has the deployment method's Strategy plan
// the exact change, passes the safety gate, records the change before making it, makes it,
// verifies the target's recovery and undoes or escalates when it does not recover.
//
// The executor is level-based: every reconcile reads the workflow's recorded state and takes the
// next step (plan, admit, apply, verify). A step whose change was recorded but whose outcome was
// not (the engine stopped in between) is re-applied: every Change is idempotent, so an action is
// never carried out twice.
package remediation
