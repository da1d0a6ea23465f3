package workload

import (
	"errors"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
)

// Refusal reasons of the direct strategy (action.Refusal.Reason).
const (
	// ReasonGitOpsManaged: an Argo CD Application or Flux object owns the target; patching it
	// live would be reverted (drift).
	ReasonGitOpsManaged = v1alpha1.ReasonGitOpsManaged
	// ReasonHelmManaged: a Helm release owns the target; change it through the release.
	ReasonHelmManaged = v1alpha1.ReasonHelmManaged
	// ReasonOperatorManaged: an operator owns the target; change its custom resource.
	ReasonOperatorManaged = v1alpha1.ReasonOperatorManaged
	// ReasonUnknownMethod: how the target is deployed is not known; the strategy fails closed.
	ReasonUnknownMethod = v1alpha1.ReasonDeploymentMethodUnknown
	// ReasonUnsupportedTarget: the action does not apply to the target's kind.
	ReasonUnsupportedTarget = v1alpha1.ReasonUnsupportedTarget
	// ReasonUnsupportedAction: the strategy does not carry out this action type.
	ReasonUnsupportedAction = v1alpha1.ReasonUnsupportedAction
	// ReasonWorkloadPaused: the Deployment's rollout is paused; a restart or rollback would not
	// roll out.
	ReasonWorkloadPaused = v1alpha1.ReasonWorkloadPaused
	// ReasonNoPreviousRevision: there is no older revision to roll back to.
	ReasonNoPreviousRevision = v1alpha1.ReasonNoPreviousRevision
	// ReasonContainerRequired: the workload has several containers and the action names none.
	ReasonContainerRequired = v1alpha1.ReasonContainerRequired
	// ReasonContainerNotFound: the named container is not in the pod template.
	ReasonContainerNotFound = v1alpha1.ReasonContainerNotFound
	// ReasonNoMemoryLimit: the container has no memory limit to raise.
	ReasonNoMemoryLimit = v1alpha1.ReasonNoMemoryLimit
	// ReasonAtCeiling: the memory limit is already at Options.MemoryCeiling.
	ReasonAtCeiling = v1alpha1.ReasonAtCeiling
	// ReasonLimitRangeMax: a LimitRange's Container max memory leaves no room to raise the limit.
	ReasonLimitRangeMax = v1alpha1.ReasonLimitRangeMax
	// ReasonQuotaExceeded: a ResourceQuota's limits.memory cannot hold the increase.
	ReasonQuotaExceeded = v1alpha1.ReasonQuotaExceeded
	// ReasonAtMaxReplicas: the replica count (or HPA maxReplicas) is already at Options.MaxReplicas.
	ReasonAtMaxReplicas = v1alpha1.ReasonAtMaxReplicas
	// ReasonNoChange: the wanted state is already the live state.
	ReasonNoChange = v1alpha1.ReasonNoChange
)

// ErrEvictionBlocked wraps the API server's 429 TooManyRequests when a PodDisruptionBudget does
// not allow an eviction now; the executor may retry later. apierrors.IsTooManyRequests also
// holds for it.
var ErrEvictionBlocked = errors.New("eviction blocked by a PodDisruptionBudget")

// ErrForeignChange means a Change planned by another strategy was handed to this one.
var ErrForeignChange = errors.New("change was not planned by the direct strategy")
