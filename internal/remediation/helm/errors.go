package helm

import (
	"errors"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
)

// Refusal reasons.
const (
	ReasonNoValuesPath       = v1alpha1.ReasonNoValuesPath
	ReasonReleasePending     = v1alpha1.ReasonReleasePending
	ReasonNoPreviousRevision = v1alpha1.ReasonNoPreviousRevision
	ReasonUnsupportedAction  = v1alpha1.ReasonUnsupportedAction
	ReasonNoChange           = v1alpha1.ReasonNoChange
	ReasonAtCeiling          = v1alpha1.ReasonAtCeiling
)

var (
	// ErrNotHelmManaged means the strategy was asked to act on a target no Helm release owns.
	ErrNotHelmManaged = errors.New("not managed by a Helm release")
	// ErrReleaseNotFound means the release has no records in its namespace.
	ErrReleaseNotFound = errors.New("helm release not found")
	// ErrReleaseMoved means the release has a revision the plan did not see (someone else
	// upgraded or rolled it back): the change is not made over theirs.
	ErrReleaseMoved = errors.New("helm release moved on since the plan")
	// ErrBadChange means a change's Patch or Undo is not this strategy's.
	ErrBadChange = errors.New("not a Helm change")
)
