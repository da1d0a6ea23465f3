package clusterstate_test

import (
	"errors"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"selfhealing.dev/coordination-engine/internal/clusterstate"
)

func TestNodeHealthCheck(t *testing.T) {
	workers := roleSelector("worker")
	tests := []struct {
		name string
		objs []*unstructured.Unstructured
		want clusterstate.HealthCheckState
	}{
		{"an NHC selecting the node by label owns it",
			[]*unstructured.Unstructured{nhc("workers", workers, nil), nhc("control-plane", roleSelector("master"), nil)},
			clusterstate.HealthCheckState{Name: "workers", Detail: "NodeHealthCheck workers watches node worker-0"}},
		{"an NHC selecting other nodes leaves the node to the engine",
			[]*unstructured.Unstructured{nhc("control-plane", roleSelector("master"), nil)},
			clusterstate.HealthCheckState{Detail: "no active NodeHealthCheck watches node worker-0"}},
		{"a paused NHC leaves the node to the engine",
			[]*unstructured.Unstructured{nhc("workers", workers, []any{"upgrade-window"})},
			clusterstate.HealthCheckState{Detail: "no active NodeHealthCheck watches node worker-0; selected by paused workers (paused: upgrade-window)"}},
		{"a node in unhealthyNodes of a paused NHC stays with it",
			[]*unstructured.Unstructured{nhc("workers", workers, []any{"upgrade-window"}, "worker-0")},
			clusterstate.HealthCheckState{Name: "workers", Remediating: true,
				Detail: "NodeHealthCheck workers is remediating node worker-0; selected by paused workers (paused: upgrade-window)"}},
		{"a node in unhealthyNodes is remediated even when the selector no longer selects it",
			[]*unstructured.Unstructured{nhc("old", roleSelector("master"), nil, "worker-0"), nhc("workers", workers, nil)},
			clusterstate.HealthCheckState{Name: "old", Remediating: true,
				Detail: "NodeHealthCheck old is remediating node worker-0; selected by workers"}},
		{"an unhealthy other node does not make this one remediated",
			[]*unstructured.Unstructured{nhc("workers", workers, nil, "worker-1")},
			clusterstate.HealthCheckState{Name: "workers", Detail: "NodeHealthCheck workers watches node worker-0"}},
		{"an empty selector selects every node",
			[]*unstructured.Unstructured{nhc("all", map[string]any{}, nil)},
			clusterstate.HealthCheckState{Name: "all", Detail: "NodeHealthCheck all watches node worker-0"}},
	}
	c := env.Client(t)
	r := clusterstate.New(c)
	n := node("worker-0", "node-role.kubernetes.io/worker", "")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			apply(t, c, tt.objs...)
			got, err := r.NodeHealthCheck(t.Context(), n)
			if err != nil || got != tt.want {
				t.Errorf("NodeHealthCheck(worker-0) = %+v, %v, want %+v", got, err, tt.want)
			}
		})
	}
}

func TestNodeHealthCheckWithMalformedSelectorIsAnError(t *testing.T) {
	c := env.Client(t)
	apply(t, c, nhc("workers", roleSelector("worker"), nil),
		nhc("broken", matchLabels("node-role.kubernetes.io/worker", "not a valid label value!"), nil))
	got, err := clusterstate.New(c).NodeHealthCheck(t.Context(), node("worker-0", "node-role.kubernetes.io/worker", ""))
	if !errors.Is(err, clusterstate.ErrMalformed) || !strings.Contains(err.Error(), "NodeHealthCheck broken") {
		t.Errorf("NodeHealthCheck(worker-0) = %+v, %v, want an ErrMalformed naming NodeHealthCheck broken", got, err)
	}
}
