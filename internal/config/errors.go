package config

import (
	"errors"
	"fmt"
)

// ErrNoCluster means no Kubernetes cluster is configured: no KUBECONFIG, not in a cluster, and no
// ~/.kube/config.
var ErrNoCluster = errors.New("no Kubernetes cluster configured")

// InvalidError reports a setting whose value cannot be used.
type InvalidError struct {
	// Variable is the environment variable (or flag, when the flag was given) that was wrong.
	Variable string
	// Value is what was given.
	Value string
	// Accepted describes the values that would have been accepted.
	Accepted string
}

func (e *InvalidError) Error() string {
	return fmt.Sprintf("invalid %s %q: accepted values: %s", e.Variable, e.Value, e.Accepted)
}
