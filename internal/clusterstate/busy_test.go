package clusterstate_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"selfhealing.dev/coordination-engine/internal/clusterstate"
)

func TestPlainKubernetesHasNothingInFlight(t *testing.T) {
	r := clusterstate.New(env.Client(t))
	if got, err := r.Busy(t.Context()); got != "" || err != nil {
		t.Errorf("Busy() = %q, %v, want not busy", got, err)
	}
	if got, err := r.DegradedOperators(t.Context()); len(got) != 0 || err != nil {
		t.Errorf("DegradedOperators() = %v, %v, want none", got, err)
	}
	want := clusterstate.PoolState{Settled: true, Detail: "no MachineConfigPool selects node worker-0"}
	if got, err := r.Pool(t.Context(), node("worker-0")); err != nil || !cmp.Equal(got, want) {
		t.Errorf("Pool(worker-0) = %+v, %v, want %+v", got, err, want)
	}
	wantNHC := clusterstate.HealthCheckState{Detail: "no active NodeHealthCheck watches node worker-0"}
	if got, err := r.NodeHealthCheck(t.Context(), node("worker-0")); err != nil || got != wantNHC {
		t.Errorf("NodeHealthCheck(worker-0) = %+v, %v, want %+v", got, err, wantNHC)
	}
}

func TestBusy(t *testing.T) {
	tests := []struct {
		name string
		objs []*unstructured.Unstructured
		want string
	}{
		{"a finished upgrade and settled pools are not busy",
			[]*unstructured.Unstructured{clusterVersion("4.19.7", "False", "Cluster version is 4.19.7"),
				pool("master", roleSelector("master"), settledStatus(3)), pool("worker", roleSelector("worker"), settledStatus(3))},
			""},
		{"an upgrade in progress names the desired version and the message",
			[]*unstructured.Unstructured{clusterVersion("4.20.1", "True", "Working towards 4.20.1: 106 of 863 done (12% complete)")},
			"the cluster is upgrading to 4.20.1: Working towards 4.20.1: 106 of 863 done (12% complete)"},
		{"a ClusterVersion that does not say whether it progresses is busy",
			[]*unstructured.Unstructured{clusterVersion("4.20.1", "", "")},
			"ClusterVersion version has no Progressing condition, so whether an upgrade runs is unknown"},
		{"a pool updating is busy",
			[]*unstructured.Unstructured{pool("master", roleSelector("master"), settledStatus(3)),
				pool("worker", roleSelector("worker"), poolStatus("False", "True", "False", 3, 1))},
			"MachineConfigPool worker is updating: Updating=True, 1 of 3 machines updated"},
		{"a paused pool with machines left to update is busy though not Updating",
			[]*unstructured.Unstructured{paused(pool("worker", roleSelector("worker"), poolStatus("False", "False", "False", 3, 2)))},
			"MachineConfigPool worker is updating: 2 of 3 machines updated (the pool is paused)"},
		{"a pool whose controller has not written its status is busy",
			[]*unstructured.Unstructured{pool("infra", roleSelector("infra"), nil)},
			"MachineConfigPool infra is updating: no status for generation 1 yet"},
		{"an upgrade and an updating pool are both named, the upgrade first",
			[]*unstructured.Unstructured{clusterVersion("4.20.1", "True", ""),
				pool("worker", roleSelector("worker"), poolStatus("False", "True", "False", 2, 0))},
			"the cluster is upgrading to 4.20.1; MachineConfigPool worker is updating: Updating=True, 0 of 2 machines updated"},
	}
	c := env.Client(t)
	r := clusterstate.New(c)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			apply(t, c, tt.objs...)
			got, err := r.Busy(t.Context())
			if err != nil || got != tt.want {
				t.Errorf("Busy() = %q, %v, want %q", got, err, tt.want)
			}
		})
	}
}
