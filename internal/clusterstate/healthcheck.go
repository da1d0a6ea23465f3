package clusterstate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// nodeHealthCheck is the part of a medik8s NodeHealthCheck that NodeHealthCheck reads.
type nodeHealthCheck struct {
	Metadata struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Selector      metav1.LabelSelector `json:"selector"`
		PauseRequests []string             `json:"pauseRequests"`
	} `json:"spec"`
	Status struct {
		UnhealthyNodes []unhealthyNode `json:"unhealthyNodes"`
	} `json:"status"`
}

// unhealthyNode is an entry of a NodeHealthCheck's status.unhealthyNodes.
type unhealthyNode struct {
	Name string `json:"name"`
}

// HealthCheckState says whether a medik8s NodeHealthCheck owns a node's remediation.
type HealthCheckState struct {
	// Name is the NodeHealthCheck that owns the node's remediation, "" when none does: the first
	// by name that lists the node in status.unhealthyNodes, else the first that is not paused and
	// whose spec.selector selects the node.
	Name string
	// Remediating is true when Name lists the node in status.unhealthyNodes: its remediation
	// runs now. A paused NodeHealthCheck still counts then, because a pause stops new
	// remediations, not the ones in flight.
	Remediating bool
	// Detail says why, naming the other NodeHealthChecks involved and paused ones that select
	// the node.
	Detail string
}

// NodeHealthCheck says whether a medik8s NodeHealthCheck (remediation.medik8s.io/v1alpha1)
// owns node: one lists it in status.unhealthyNodes, or one that is not paused (empty
// spec.pauseRequests) selects it with spec.selector. When one does, the engine leaves the node's
// remediation to it. An empty selector selects every node, as medik8s still honours for old
// objects. status.phase is not read: it lags spec, and a pause is the documented way to stop an
// NHC. On plain Kubernetes, or without medik8s, the state is empty.
//
// A selector that does not parse, on any NodeHealthCheck, is an error wrapping ErrMalformed:
// whether that NHC owns the node cannot be known. Read errors are returned.
func (r *Reader) NodeHealthCheck(ctx context.Context, node *corev1.Node) (HealthCheckState, error) {
	if node == nil {
		return HealthCheckState{}, errors.New("NodeHealthCheck of a nil node")
	}
	items, err := r.list(ctx, nodeHealthCheckKind)
	if err != nil {
		return HealthCheckState{}, err
	}
	var remediating, selecting, paused []string
	for i := range items {
		var nhc nodeHealthCheck
		if err := decode(&items[i], &nhc); err != nil {
			return HealthCheckState{}, err
		}
		name := nhc.Metadata.Name
		sel, err := metav1.LabelSelectorAsSelector(&nhc.Spec.Selector)
		if err != nil {
			return HealthCheckState{}, fmt.Errorf("NodeHealthCheck %s: %w: spec.selector: %w", name, ErrMalformed, err)
		}
		if slices.Contains(nhc.Status.UnhealthyNodes, unhealthyNode{Name: node.Name}) {
			remediating = append(remediating, name)
		}
		if sel.Matches(labels.Set(node.Labels)) {
			if len(nhc.Spec.PauseRequests) > 0 {
				paused = append(paused, fmt.Sprintf("%s (paused: %s)", name, strings.Join(nhc.Spec.PauseRequests, ", ")))
			} else {
				selecting = append(selecting, name)
			}
		}
	}
	var state HealthCheckState
	var details []string
	switch {
	case len(remediating) > 0:
		state = HealthCheckState{Name: remediating[0], Remediating: true}
		details = append(details, fmt.Sprintf("NodeHealthCheck %s is remediating node %s", strings.Join(remediating, ", "), node.Name))
		if len(selecting) > 0 {
			details = append(details, "selected by "+strings.Join(selecting, ", "))
		}
	case len(selecting) > 0:
		state.Name = selecting[0]
		details = append(details, fmt.Sprintf("NodeHealthCheck %s watches node %s", strings.Join(selecting, ", "), node.Name))
	default:
		details = append(details, fmt.Sprintf("no active NodeHealthCheck watches node %s", node.Name))
	}
	if len(paused) > 0 {
		details = append(details, "selected by paused "+strings.Join(paused, ", "))
	}
	state.Detail = strings.Join(details, "; ")
	return state, nil
}
