package node

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/internal/action"
)

func TestFollow(t *testing.T) {
	tests := []struct {
		name string
		typ  action.Type
		// blocked keeps web-a on the node with a budget allowing no disruption.
		blocked bool
		// after changes the cluster once the change is applied.
		after        func(t *testing.T, f *fixture)
		wantDone     bool
		wantChecks   []string // each in one of the checks
		wantReverted string
		wantFailed   string
	}{{
		name: "a cordon is done at once", typ: action.Cordon,
		wantDone: true, wantChecks: []string{"is cordoned (spec.unschedulable true)"},
	}, {
		name: "a drain with pods left is not done, and its checks name them", typ: action.Drain, blocked: true,
		wantChecks: []string{"1 pod still to evict from node", "/web-a"},
	}, {
		name: "a drain is done once no evictable pod is left, though DaemonSet pods stay and evicted pods still terminate", typ: action.Drain,
		wantDone: true, wantChecks: []string{"no pod left to evict on node", "(1 DaemonSet pod stay)", "1 pod terminating on node"},
	}, {
		name: "someone ran kubectl uncordon, so the change is reverted", typ: action.Drain,
		after:        patchNode(`{"spec":{"unschedulable":null}}`),
		wantReverted: "still names workflow",
	}, {
		name: "someone removed the cordon and the engine annotation, so the change is reverted", typ: action.Cordon,
		after:        patchNode(`{"metadata":{"annotations":{"selfhealing.dev/cordoned-by":null}},"spec":{"unschedulable":false}}`),
		wantReverted: "someone undid the cordon",
	}, {
		name: "someone removed only the engine annotation and the cordon holds", typ: action.Cordon,
		after:    patchNode(`{"metadata":{"annotations":{"selfhealing.dev/cordoned-by":null}}}`),
		wantDone: true,
	}, {
		name: "a node that is gone fails the change", typ: action.Cordon,
		after: func(t *testing.T, f *fixture) {
			n := &corev1.Node{}
			n.Name = f.node
			if err := f.c.Delete(t.Context(), n); err != nil {
				t.Fatal(err)
			}
		},
		wantFailed: "no longer exists",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(t)
			f.createNode(t)
			f.createPod(t, "web-a", f.node)
			f.createPod(t, "agent", f.node, ownedBy("DaemonSet", "agent"))
			if tt.blocked {
				f.createBudget(t, "web", 0)
			}
			act := f.act(tt.typ)
			ch := f.plan(t, act)
			if err := f.s.Apply(t.Context(), f.permit(t, act), ch); err != nil && !tt.blocked {
				t.Fatalf("Apply(%s) = %v", ch.Summary, err)
			}
			if tt.after != nil {
				tt.after(t, f)
			}
			got, err := f.s.Follow(t.Context(), ch)
			if err != nil {
				t.Fatalf("Follow(%s) = %v", ch.Summary, err)
			}
			if got.Done != tt.wantDone || !strings.Contains(got.Reverted, tt.wantReverted) || (tt.wantReverted == "") != (got.Reverted == "") ||
				!strings.Contains(got.Failed, tt.wantFailed) || (tt.wantFailed == "") != (got.Failed == "") {
				t.Fatalf("Follow(%s) = %+v, want done %t, reverted %q, failed %q", ch.Summary, got, tt.wantDone, tt.wantReverted, tt.wantFailed)
			}
			all := strings.Join(got.Checks, "\n")
			for _, want := range tt.wantChecks {
				if !strings.Contains(all, want) {
					t.Errorf("Follow(%s) checks = %q, want one with %q", ch.Summary, got.Checks, want)
				}
			}
		})
	}
}

// patchNode merges patch into the fixture's node, as a person would.
func patchNode(patch string) func(t *testing.T, f *fixture) {
	return func(t *testing.T, f *fixture) {
		n := &corev1.Node{}
		n.Name = f.node
		if err := f.c.Patch(t.Context(), n, client.RawPatch("application/merge-patch+json", []byte(patch))); err != nil {
			t.Fatal(err)
		}
	}
}

func TestNodeHealth(t *testing.T) {
	tests := []struct {
		name        string
		conditions  []corev1.NodeCondition
		wantHealthy bool
		wantChecks  []string
	}{{
		name:        "a Ready node without pressure is healthy",
		conditions:  []corev1.NodeCondition{cond(corev1.NodeReady, corev1.ConditionTrue), cond(corev1.NodeMemoryPressure, corev1.ConditionFalse)},
		wantHealthy: true,
		wantChecks:  []string{"node %s Ready True (Test)", "node %s MemoryPressure False (Test)"},
	}, {
		name:       "a NotReady node is unhealthy",
		conditions: []corev1.NodeCondition{cond(corev1.NodeReady, corev1.ConditionFalse)},
		wantChecks: []string{"node %s Ready False (Test)"},
	}, {
		name:       "a node that reports no Ready condition is unhealthy",
		conditions: []corev1.NodeCondition{cond(corev1.NodeDiskPressure, corev1.ConditionFalse)},
		wantChecks: []string{"node %s Ready Unknown (no condition reported)", "node %s DiskPressure False (Test)"},
	}, {
		name: "a Ready node under disk pressure is unhealthy",
		conditions: []corev1.NodeCondition{cond(corev1.NodeReady, corev1.ConditionTrue), cond(corev1.NodeDiskPressure, corev1.ConditionTrue),
			cond(corev1.NodePIDPressure, corev1.ConditionFalse)},
		wantChecks: []string{"node %s Ready True (Test)", "node %s DiskPressure True (Test)", "node %s PIDPressure False (Test)"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(t)
			f.createNode(t, conditions(tt.conditions...))
			healthy, checks, err := f.s.NodeHealth(t.Context(), f.node)
			if err != nil {
				t.Fatalf("NodeHealth(%s) = %v", f.node, err)
			}
			want := make([]string, len(tt.wantChecks))
			for i, c := range tt.wantChecks {
				want[i] = strings.ReplaceAll(c, "%s", f.node)
			}
			if healthy != tt.wantHealthy {
				t.Errorf("NodeHealth(%s) healthy = %t, want %t (%q)", f.node, healthy, tt.wantHealthy, checks)
			}
			if diff := cmp.Diff(want, checks); diff != "" {
				t.Errorf("NodeHealth(%s) checks (-want +got):\n%s", f.node, diff)
			}
		})
	}
	t.Run("a node that does not exist is an error", func(t *testing.T) {
		f := setup(t)
		if _, _, err := f.s.NodeHealth(t.Context(), f.node); !apierrors.IsNotFound(err) {
			t.Errorf("NodeHealth(%s) = %v, want NotFound", f.node, err)
		}
	})
}
