package node

import (
	"errors"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
)

// Refusal reasons of the node strategy (action.Refusal.Reason).
const (
	// ReasonActionNotSupported: the strategy carries out cordon and drain only.
	ReasonActionNotSupported = v1alpha1.ReasonActionNotSupported
	// ReasonUnsupportedTarget: the target is not a Node.
	ReasonUnsupportedTarget = v1alpha1.ReasonUnsupportedTarget
	// ReasonTargetNotFound: the node does not exist.
	ReasonTargetNotFound = v1alpha1.ReasonTargetNotFound
	// ReasonDrainBlocked: pods are still on the node (a PodDisruptionBudget, the API server's
	// 429, the per-call eviction cap); retryable.
	ReasonDrainBlocked = v1alpha1.ReasonDrainBlocked
)

// ErrForeignChange means a Change planned by another strategy was handed to this one.
var ErrForeignChange = errors.New("change was not planned by the node strategy")

// ErrNotUndoable means the change has no undo: the node was cordoned by someone else, and the
// engine never uncordons such a node.
var ErrNotUndoable = errors.New("the node was cordoned by someone else; the engine never uncordons it")
