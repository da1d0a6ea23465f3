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
	// ReasonExecutorNotAvailable: this engine version records workflows but does not execute them.
	ReasonExecutorNotAvailable = "ExecutorNotAvailable"
	// ReasonRetried: a client retried the same request.
	ReasonRetried = "Retried"
	// ReasonCancelled: a client cancelled the incident or workflow.
	ReasonCancelled = "Cancelled"
)

// Label keys the engine puts on its objects (for selection and indexing).
const (
	// LabelRequestKey carries a workflow's request key (hash of incident and target).
	LabelRequestKey = "coordination.selfhealing.dev/request-key"
	// LabelIncident names the incident a workflow belongs to.
	LabelIncident = "coordination.selfhealing.dev/incident"
)
