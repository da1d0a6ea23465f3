package flux

import (
	"errors"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
)

// Refusal reasons.
const (
	ReasonGitOpsManaged          = v1alpha1.ReasonGitOpsManaged
	ReasonManagedByKustomization = v1alpha1.ReasonManagedByKustomization
	ReasonNoPreviousRevision     = v1alpha1.ReasonNoPreviousRevision
	ReasonNoValuesPath           = v1alpha1.ReasonNoValuesPath
	ReasonUnsupportedAction      = v1alpha1.ReasonUnsupportedAction
	ReasonNoChange               = v1alpha1.ReasonNoChange
)

var (
	// ErrNotFluxManaged means the strategy was asked to act on a target Flux does not manage.
	ErrNotFluxManaged = errors.New("not managed by Flux")
	// ErrBadChange means a change's patch is not one this strategy planned.
	ErrBadChange = errors.New("not a Flux HelmRelease values change")
)
