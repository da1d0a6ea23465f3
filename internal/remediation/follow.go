package remediation

import (
	"context"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
)

// Follower is a strategy whose change reaches the workload through another controller (Argo CD
// syncing a commit, Flux reconciling a HelmRelease, a Helm upgrade's rollout). Verification asks
// it how far the change got before it judges the workload's health.
type Follower interface {
	// Follow reports the progress of change, which Apply made.
	Follow(ctx context.Context, change v1alpha1.Change) (Progress, error)
}

// Progress is how far an owner has rolled a change out.
type Progress struct {
	// Done: the owner has rolled the change out; the workload's health decides from here.
	Done bool
	// Checks say what was looked at, for the checkpoint's record ("Application synced to
	// 1a2b3c4", "health Progressing (waiting)").
	Checks []string
	// Reverted, when set, says why the change is no longer in effect (the commit was reverted,
	// a sync brought the old value back): the workflow escalates instead of acting again.
	Reverted string
	// Failed, when set, says why the owner could not roll the change out (a failed sync); the
	// workflow fails and the change is undone where it can be.
	Failed string
	// ForReview, when set, says where the change waits for people (a review branch): the
	// workflow ends and the incident stays with them.
	ForReview string
}
