package remediation

import (
	"context"
	"errors"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/guardrail"
	"selfhealing.dev/coordination-engine/internal/managedby"
)

// Strategy carries out actions for one deployment method. Strategies read the cluster freely but
// change it only through the guardrail's Writer, under the permit they are given.
type Strategy interface {
	// Plan computes the exact change that carries out act on the target that owner describes,
	// changing nothing. It returns an *action.Refusal when the strategy must not do it (a
	// GitOps-managed target, no previous revision, a limit already at the ceiling).
	Plan(ctx context.Context, act action.Action, owner managedby.Resolution) (v1alpha1.Change, error)
	// Apply makes change. Applying the same change twice has the effect of applying it once.
	Apply(ctx context.Context, p *guardrail.Permit, change v1alpha1.Change) error
	// Undo reverts change; an error when it cannot be undone.
	Undo(ctx context.Context, p *guardrail.Permit, change v1alpha1.Change) error
}

// ErrPartlyApplied is wrapped by a strategy's Apply when its change is in place but a later part
// failed (a commit pushed, the sync request refused): once it will not be retried, the executor
// records the change as applied, and verification follows (and if need be undoes) it.
var ErrPartlyApplied = errors.New("the change is made, its rollout was not started")
