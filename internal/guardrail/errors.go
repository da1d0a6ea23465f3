package guardrail

import (
	"errors"
	"fmt"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
)

// Refusal reasons of the Gate's checks, in the order the checks run. They are the Reason of the
// *action.Refusal that Admit returns; the executor records them on the workflow. The two that
// workflows already know are the api/v1alpha1 constants.
const (
	// ReasonPaused: the safety policy pauses every action.
	ReasonPaused = v1alpha1.ReasonPaused
	// ReasonProtectedNamespace: the target's namespace matches a protected glob, or is the
	// engine's own namespace.
	ReasonProtectedNamespace = v1alpha1.ReasonProtectedNamespace
	// ReasonInvalidPolicy: the safety ConfigMap is invalid (the message names the key) or not
	// read yet; every action is refused until it is fixed.
	ReasonInvalidPolicy = v1alpha1.ReasonInvalidPolicy
	// ReasonTargetLocked: an action of the same standing holds the target; retryable.
	ReasonTargetLocked = v1alpha1.ReasonTargetLocked
	// ReasonDuplicate: the same action on the same target is in flight or was applied within
	// the dedup window.
	ReasonDuplicate = v1alpha1.ReasonDuplicate
	// ReasonCoolingDown: the same action was applied to the target within the cooldown; retryable.
	ReasonCoolingDown = v1alpha1.ReasonCoolingDown
	// ReasonNamespaceBudgetExhausted: the namespace used its actions for the budget window; retryable.
	ReasonNamespaceBudgetExhausted = v1alpha1.ReasonNamespaceBudgetExhausted
	// ReasonClusterBudgetExhausted: the cluster used its actions for the budget window; retryable.
	ReasonClusterBudgetExhausted = v1alpha1.ReasonClusterBudgetExhausted
	// ReasonBlastRadius: the action would take more of the workload's replicas out of service
	// than maxUnavailablePercent allows.
	ReasonBlastRadius = v1alpha1.ReasonBlastRadius
	// ReasonNodeLimit: the engine holds as many nodes as it may, or too few healthy ones would remain.
	ReasonNodeLimit = v1alpha1.ReasonNodeLimit
	// ReasonConflictLost: a conflicting action of higher standing is in flight (or, on a permit,
	// one of higher standing preempted it).
	ReasonConflictLost = v1alpha1.ReasonConflictLost
	// ReasonApprovalRequired: the action's type or class needs a person's approval.
	ReasonApprovalRequired = v1alpha1.ReasonApprovalRequired
	// ReasonLowConfidence: an AI-driven action's confidence is below the policy's threshold.
	ReasonLowConfidence = v1alpha1.ReasonLowConfidence
	// ReasonNoPermit: a change was attempted without a permit; a bug, refused.
	ReasonNoPermit = v1alpha1.ReasonNoPermit
	// ReasonPermitUsed: a change was attempted with a released permit; a bug, refused.
	ReasonPermitUsed = v1alpha1.ReasonPermitUsed
	// ReasonScopeUnknown: the caller could not measure the blast radius (the workload could not
	// be read); retryable.
	ReasonScopeUnknown = v1alpha1.ReasonScopeUnknown
	// ReasonCheckFailed: a check could not decide (a malformed action or scope, a bug); the
	// gate fails closed.
	ReasonCheckFailed = v1alpha1.ReasonCheckFailed
)

// ErrPolicyNotLoaded is what a PolicySource returns before it has read the ConfigMap once; the
// Gate refuses with ReasonInvalidPolicy (retryable) meanwhile.
var ErrPolicyNotLoaded = errors.New("the safety policy has not been read yet")

// PolicyError is one bad key of the safety ConfigMap.
type PolicyError struct {
	// Key is the ConfigMap data key.
	Key string
	// Value is the value found.
	Value string
	// Accepted says which values the key accepts.
	Accepted string
}

func (e *PolicyError) Error() string {
	return fmt.Sprintf("safety policy key %q: %q is not %s", e.Key, e.Value, e.Accepted)
}
