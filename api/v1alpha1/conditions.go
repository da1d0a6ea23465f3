package v1alpha1

// Condition types and reasons of Incident and RemediationWorkflow. Every reason string the engine
// writes is a constant here.
const (
	// ConditionExecuted says whether a workflow has been carried out.
	ConditionExecuted = "Executed"
	// ConditionDeduplicated says a request matched this object instead of creating another.
	ConditionDeduplicated = "Deduplicated"

	// ReasonRecorded: the workflow is recorded and waits for the executor.
	ReasonRecorded = "Recorded"
	// ReasonRetried: a client retried the same request.
	ReasonRetried = "Retried"
	// ReasonCancelled: a client cancelled the incident or workflow.
	ReasonCancelled = "Cancelled"

	// ConditionVerified says whether the target recovered after the workflow's change.
	ConditionVerified = "Verified"
	// ConditionEscalated says the engine handed the incident back to people; the reason says why.
	ConditionEscalated = "Escalated"
	// ConditionReopened says a finished incident was opened again.
	ConditionReopened = "Reopened"
	// ConditionAdmitted says whether the safety gate let the workflow act.
	ConditionAdmitted = "Admitted"

	// ReasonPlanned: the change is computed and recorded; nothing is changed yet.
	ReasonPlanned = "Planned"
	// ReasonDryRun: a dry run computed the change and made none.
	ReasonDryRun = "DryRun"
	// ReasonApplied: the change was made at the API server (or in Git, or in a Helm release).
	ReasonApplied = "Applied"
	// ReasonRecovered: the target met every check for the whole verification window.
	ReasonRecovered = "Recovered"
	// ReasonNotRecovered: the target did not recover within the verification timeout.
	ReasonNotRecovered = "NotRecovered"
	// ReasonUndone: the engine reverted its own change after verification failed.
	ReasonUndone = "Undone"
	// ReasonEscalated: the engine gave the incident back to people; the message says why.
	ReasonEscalated = "Escalated"
	// ReasonReverted: someone or something keeps reverting the engine's fix.
	ReasonReverted = "FixReverted"
	// ReasonRefused: the safety gate or the strategy refused the action; the message says why.
	ReasonRefused = "Refused"
	// ReasonApprovalRequired: the action's class needs a person's approval.
	ReasonApprovalRequired = "ApprovalRequired"
	// ReasonApproved: a person approved the workflow.
	ReasonApproved = "Approved"
	// ReasonRejected: a person rejected the workflow.
	ReasonRejected = "Rejected"
	// ReasonConflictLost: a conflicting action on the same target won; this one is cancelled.
	ReasonConflictLost = "ConflictLost"
	// ReasonNoStrategy: no strategy can carry out the action for the target's deployment method.
	ReasonNoStrategy = "NoStrategy"
	// ReasonTargetNotFound: the object to remediate does not exist.
	ReasonTargetNotFound = "TargetNotFound"
	// ReasonPlanFailed: the engine could not compute the change (the target is gone, unreadable).
	ReasonPlanFailed = "PlanFailed"
	// ReasonApplyFailed: the API server refused the change.
	ReasonApplyFailed = "ApplyFailed"
	// ReasonRecurred: a remediation was requested for a finished incident: the problem is back.
	ReasonRecurred = "Recurred"
	// ReasonResumed: the engine restarted during the workflow and re-applied its recorded change.
	ReasonResumed = "Resumed"
)

// Event reasons on targets: one Event for every action the engine takes or refuses.
const (
	// EventRemediating: the engine is about to change the object.
	EventRemediating = "Remediating"
	// EventRemediated: the engine changed the object.
	EventRemediated = "Remediated"
	// EventRemediationRefused: the safety gate or a strategy refused to change the object.
	EventRemediationRefused = "RemediationRefused"
	// EventRemediationFailed: the change failed or did not heal the object.
	EventRemediationFailed = "RemediationFailed"
	// EventRemediationUndone: the engine reverted its change.
	EventRemediationUndone = "RemediationUndone"
)

// Label keys the engine puts on its objects (for selection and indexing).
const (
	// LabelRequestKey carries a workflow's request key (hash of incident and target).
	LabelRequestKey = "coordination.selfhealing.dev/request-key"
	// LabelIncident names the incident a workflow belongs to.
	LabelIncident = "coordination.selfhealing.dev/incident"
	// AnnotationEscalatedBy names the workflow that last raised an incident's severity.
	AnnotationEscalatedBy = "coordination.selfhealing.dev/escalated-by"
)
