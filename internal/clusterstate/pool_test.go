package clusterstate_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"selfhealing.dev/coordination-engine/internal/clusterstate"
)

func TestPool(t *testing.T) {
	worker := node("worker-0", "node-role.kubernetes.io/worker", "")
	infra := node("infra-0", "node-role.kubernetes.io/worker", "", "node-role.kubernetes.io/infra", "")
	tests := []struct {
		name string
		objs []*unstructured.Unstructured
		node string
		want clusterstate.PoolState
	}{
		{"a settled pool that selects the node by label",
			[]*unstructured.Unstructured{pool("master", roleSelector("master"), settledStatus(3)), pool("worker", roleSelector("worker"), settledStatus(3))},
			"worker-0", clusterstate.PoolState{Pools: []string{"worker"}, Settled: true, Detail: "MachineConfigPool worker has settled: 3 of 3 machines updated"}},
		{"an updating pool has not settled",
			[]*unstructured.Unstructured{pool("worker", roleSelector("worker"), poolStatus("False", "True", "False", 3, 1))},
			"worker-0", clusterstate.PoolState{Pools: []string{"worker"},
				Detail: "MachineConfigPool worker has not settled: Updated=False, Updating=True, 1 of 3 machines updated"}},
		{"a degraded pool has not settled",
			[]*unstructured.Unstructured{pool("worker", roleSelector("worker"), poolStatus("True", "False", "True", 3, 3))},
			"worker-0", clusterstate.PoolState{Pools: []string{"worker"},
				Detail: "MachineConfigPool worker has not settled: Degraded=True"}},
		{"a pool without status has not settled",
			[]*unstructured.Unstructured{pool("worker", roleSelector("worker"), nil)},
			"worker-0", clusterstate.PoolState{Pools: []string{"worker"},
				Detail: "MachineConfigPool worker has not settled: no Updated condition, no Updating condition, no Degraded condition, no machine counts in status, no status for generation 1 yet"}},
		{"a node in a custom pool and in worker is judged by both",
			[]*unstructured.Unstructured{pool("infra", roleSelector("infra"), poolStatus("False", "True", "False", 2, 1)), pool("worker", roleSelector("worker"), settledStatus(3))},
			"infra-0", clusterstate.PoolState{Pools: []string{"infra", "worker"},
				Detail: "MachineConfigPool infra has not settled: Updated=False, Updating=True, 1 of 2 machines updated; MachineConfigPool worker has settled: 3 of 3 machines updated"}},
		{"a pool whose expression excludes the node does not hold it",
			[]*unstructured.Unstructured{pool("worker", map[string]any{"matchExpressions": []any{
				map[string]any{"key": "node-role.kubernetes.io/infra", "operator": "DoesNotExist"}}}, settledStatus(3))},
			"infra-0", clusterstate.PoolState{Settled: true, Detail: "no MachineConfigPool selects node infra-0"}},
		{"a pool with an empty node selector selects no node",
			[]*unstructured.Unstructured{pool("empty", map[string]any{}, settledStatus(0)), pool("none", nil, settledStatus(0))},
			"worker-0", clusterstate.PoolState{Settled: true, Detail: "no MachineConfigPool selects node worker-0"}},
	}
	nodes := map[string]*corev1.Node{"worker-0": worker, "infra-0": infra}
	c := env.Client(t)
	r := clusterstate.New(c)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			apply(t, c, tt.objs...)
			got, err := r.Pool(t.Context(), nodes[tt.node])
			if err != nil {
				t.Fatalf("Pool(%s) error = %v", tt.node, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Pool(%s) mismatch (-want +got):\n%s", tt.node, diff)
			}
		})
	}
}

func TestPoolWithMalformedSelectorIsAnError(t *testing.T) {
	c := env.Client(t)
	apply(t, c, pool("worker", roleSelector("worker"), settledStatus(3)),
		pool("broken", map[string]any{"matchExpressions": []any{
			map[string]any{"key": "node-role.kubernetes.io/worker", "operator": "Bogus"}}}, settledStatus(3)))
	got, err := clusterstate.New(c).Pool(t.Context(), node("worker-0", "node-role.kubernetes.io/worker", ""))
	if !errors.Is(err, clusterstate.ErrMalformed) || !strings.Contains(err.Error(), "MachineConfigPool broken") {
		t.Errorf("Pool(worker-0) = %+v, %v, want an ErrMalformed naming MachineConfigPool broken", got, err)
	}
}
