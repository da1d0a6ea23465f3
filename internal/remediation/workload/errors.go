package workload

import "errors"

// Refusal reasons of the direct strategy (action.Refusal.Reason).
const (
	// ReasonGitOpsManaged: an Argo CD Application or Flux object owns the target; patching it
	// live would be reverted (drift).
	ReasonGitOpsManaged = "GitOpsManaged"
	// ReasonHelmManaged: a Helm release owns the target; change it through the release.
	ReasonHelmManaged = "HelmManaged"
	// ReasonOperatorManaged: an operator owns the target; change its custom resource.
	ReasonOperatorManaged = "OperatorManaged"
	// ReasonUnknownMethod: how the target is deployed is not known; the strategy fails closed.
	ReasonUnknownMethod = "DeploymentMethodUnknown"
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
)

// ErrEvictionBlocked wraps the API server's 429 TooManyRequests when a PodDisruptionBudget does
// not allow an eviction now; the executor may retry later. apierrors.IsTooManyRequests also
// holds for it.
var ErrEvictionBlocked = errors.New("eviction blocked by a PodDisruptionBudget")

// ErrForeignChange means a Change planned by another strategy was handed to this one.
var ErrForeignChange = errors.New("change was not planned by the direct strategy")
