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
	// ReasonProposedForReview: the change was pushed to a review branch instead of the branch the
	// owner deploys from; people merge it (the incident stays with them).
	ReasonProposedForReview = "ProposedForReview"
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

// Refusal reasons: why the safety gate, the action catalogue or a strategy would not act. They
// are the reasons of a refused workflow's conditions and of the refusal in a trigger's answer.
const (
	// ReasonPaused: the safety policy pauses every action.
	ReasonPaused = "Paused"
	// ReasonProtectedNamespace: the target's namespace matches a protected glob, or is the
	// engine's own namespace.
	ReasonProtectedNamespace = "ProtectedNamespace"
	// ReasonInvalidPolicy: the safety ConfigMap is invalid (the message names the key) or not
	// read yet; every action is refused until it is fixed.
	ReasonInvalidPolicy = "InvalidPolicy"
	// ReasonTargetLocked: an action of the same standing holds the target; retryable.
	ReasonTargetLocked = "TargetLocked"
	// ReasonDuplicate: the same action on the same target is in flight or was applied within
	// the dedup window.
	ReasonDuplicate = "Duplicate"
	// ReasonCoolingDown: the same action was applied to the target within the cooldown; retryable.
	ReasonCoolingDown = "CoolingDown"
	// ReasonNamespaceBudgetExhausted: the namespace used its actions for the budget window; retryable.
	ReasonNamespaceBudgetExhausted = "NamespaceBudgetExhausted"
	// ReasonClusterBudgetExhausted: the cluster used its actions for the budget window; retryable.
	ReasonClusterBudgetExhausted = "ClusterBudgetExhausted"
	// ReasonBlastRadius: the action would take more of the workload's replicas out of service
	// than maxUnavailablePercent allows.
	ReasonBlastRadius = "BlastRadius"
	// ReasonNodeLimit: the engine holds maxNodesInFlight nodes already, or the node action would
	// leave fewer than minHealthyNodes Ready, schedulable nodes; retryable.
	ReasonNodeLimit = "NodeLimit"
	// ReasonPlatformBusy: the cluster is upgrading or a MachineConfigPool is updating; workload
	// actions wait until it has settled.
	ReasonPlatformBusy = "PlatformBusy"
	// ReasonLeftToNodeHealthCheck: a medik8s NodeHealthCheck selects the node; the engine leaves
	// its remediation to it.
	ReasonLeftToNodeHealthCheck = "LeftToNodeHealthCheck"
	// ReasonLowConfidence: an AI-driven action's confidence is below the policy's threshold.
	ReasonLowConfidence = "LowConfidence"
	// ReasonNoPermit: a change was attempted without a permit; a bug, refused.
	ReasonNoPermit = "NoPermit"
	// ReasonPermitUsed: a change was attempted with a released permit; a bug, refused.
	ReasonPermitUsed = "PermitUsed"
	// ReasonScopeUnknown: the caller could not measure the blast radius (the workload could not
	// be read); retryable.
	ReasonScopeUnknown = "ScopeUnknown"
	// ReasonCheckFailed: a check could not decide (a malformed action or scope, a bug); the
	// gate fails closed.
	ReasonCheckFailed = "CheckFailed"
	// ReasonGitOpsManaged: an Argo CD Application or Flux object owns the target; patching it
	// live would be reverted (drift).
	ReasonGitOpsManaged = "GitOpsManaged"
	// ReasonHelmManaged: a Helm release owns the target; change it through the release.
	ReasonHelmManaged = "HelmManaged"
	// ReasonOperatorManaged: an operator owns the target; change its custom resource.
	ReasonOperatorManaged = "OperatorManaged"
	// ReasonDeploymentMethodUnknown: how the target is deployed is not known; the strategy fails closed.
	ReasonDeploymentMethodUnknown = "DeploymentMethodUnknown"
	// ReasonUnsupportedTarget: the action does not apply to the target's kind.
	ReasonUnsupportedTarget = "UnsupportedTarget"
	// ReasonUnsupportedAction: the strategy does not carry out this action type.
	ReasonUnsupportedAction = "UnsupportedAction"
	// ReasonWorkloadPaused: the Deployment's rollout is paused; a restart or rollback would not
	// roll out.
	ReasonWorkloadPaused = "WorkloadPaused"
	// ReasonNoPreviousRevision: there is no older revision to roll back to.
	ReasonNoPreviousRevision = "NoPreviousRevision"
	// ReasonContainerRequired: the workload has several containers and the action names none.
	ReasonContainerRequired = "ContainerRequired"
	// ReasonContainerNotFound: the named container is not in the pod template.
	ReasonContainerNotFound = "ContainerNotFound"
	// ReasonNoMemoryLimit: the container has no memory limit to raise.
	ReasonNoMemoryLimit = "NoMemoryLimit"
	// ReasonAtCeiling: the memory limit is already at Options.MemoryCeiling.
	ReasonAtCeiling = "AtCeiling"
	// ReasonLimitRangeMax: a LimitRange's Container max memory leaves no room to raise the limit.
	ReasonLimitRangeMax = "LimitRangeMax"
	// ReasonQuotaExceeded: a ResourceQuota's limits.memory cannot hold the increase.
	ReasonQuotaExceeded = "QuotaExceeded"
	// ReasonAtMaxReplicas: the replica count (or HPA maxReplicas) is already at Options.MaxReplicas.
	ReasonAtMaxReplicas = "AtMaxReplicas"
	// ReasonNoChange: the wanted state is already the live state.
	ReasonNoChange = "NoChange"
	// ReasonNotOperatorManaged: the operator strategy was asked to act on a target no operator manages.
	ReasonNotOperatorManaged = "NotOperatorManaged"
	// ReasonNoFieldMapping: no field of the owning custom resource is mapped for the action (OPERATOR_FIELD_MAPPINGS).
	ReasonNoFieldMapping = "NoFieldMapping"
	// ReasonNoCurrentValue: the mapped field of the custom resource has no value to raise or scale from.
	ReasonNoCurrentValue = "NoCurrentValue"
	// ReasonOwnerNotFound: the custom resource that owns the target no longer exists; nothing operates it.
	ReasonOwnerNotFound = "OwnerNotFound"
	// ReasonUnknownOwner: the engine could not tell how the target is deployed and acts only when it knows.
	ReasonUnknownOwner = "UnknownOwner"
	// ReasonNoAutomaticAction: no automatic action is safe for the issue (a CreateContainerConfigError).
	ReasonNoAutomaticAction = "NoAutomaticAction"
	// ReasonActionNotSupported: the issue type or requested action is not carried out by this engine version.
	ReasonActionNotSupported = "ActionNotSupported"
	// ReasonNothingToChange: the requested action (a Python-era bookkeeping action) changes nothing in the cluster.
	ReasonNothingToChange = "NothingToChange"
	// ReasonNoValuesPath: no value of the Helm release (or values file) sets the field the action
	// changes, so an upgrade with an override would not change it.
	ReasonNoValuesPath = "NoValuesPath"
	// ReasonReleasePending: the Helm release has an install, upgrade or rollback in progress;
	// retryable (a release stuck pending past the allowance is recovered instead).
	ReasonReleasePending = "ReleasePending"
	// ReasonReleaseMoved: the Helm release has a revision the plan did not see (someone else
	// upgraded or rolled it back); the engine does not make its change over theirs.
	ReasonReleaseMoved = "ReleaseMoved"
	// ReasonRepositoryReadOnly: the Git repository that defines the target cannot be written by
	// the engine; the workflow waits for a person's approval with the proposed diff.
	ReasonRepositoryReadOnly = "RepositoryReadOnly"
	// ReasonSourceUnsupported: the Argo CD Application's source is not one the engine edits (a
	// Helm chart repository, several sources, a plugin).
	ReasonSourceUnsupported = "SourceUnsupported"
	// ReasonNotInSource: no file under the Application's source defines the field to change.
	ReasonNotInSource = "NotInSource"
	// ReasonOperationInProgress: Argo CD is running another operation on the Application; retryable.
	ReasonOperationInProgress = "OperationInProgress"
	// ReasonSyncWindowClosed: the Application's project has no open sync window now; retryable.
	ReasonSyncWindowClosed = "SyncWindowClosed"
	// ReasonDrainBlocked: pods are still on the node being drained (a PodDisruptionBudget allows
	// no disruption now, or the per-call eviction cap was reached); retryable, the drain goes on.
	ReasonDrainBlocked = "DrainBlocked"
	// ReasonManagedByKustomization: the Flux HelmRelease is itself applied from Git by a Flux
	// Kustomization, which would revert a change to it: change it in Git.
	ReasonManagedByKustomization = "ManagedByKustomization"
)
