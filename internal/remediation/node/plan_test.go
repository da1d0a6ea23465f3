package node

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/managedby"
)

func TestPlan(t *testing.T) {
	const annotation = `"selfhealing.dev/cordoned-by"`
	cordonPatch := func(n *corev1.Node, wf string) string {
		return fmt.Sprintf(`{"metadata":{"annotations":{%s:%q},"uid":%q},"spec":{"unschedulable":true}}`, annotation, wf, n.UID)
	}
	uncordonPatch := func(n *corev1.Node) string {
		return fmt.Sprintf(`{"metadata":{"annotations":{%s:null},"uid":%q},"spec":{"unschedulable":null}}`, annotation, n.UID)
	}
	ref := func(n *corev1.Node) v1alpha1.ObjectRef {
		return v1alpha1.ObjectRef{APIVersion: "v1", Kind: "Node", Name: n.Name, UID: string(n.UID)}
	}
	change := func(n *corev1.Node) v1alpha1.Change {
		return v1alpha1.Change{Strategy: Name, Object: ref(n), Operation: v1alpha1.OperationPatch, PatchType: "application/merge-patch+json"}
	}
	podLines := func(n *corev1.Node, pods map[string]*corev1.Pod) string {
		return fmt.Sprintf("\npod %s (uid %s): on %s → evicted\npod %s (uid %s): on %s → evicted",
			podName(pods["web-1"]), pods["web-1"].UID, n.Name, podName(pods["web-2"]), pods["web-2"].UID, n.Name)
	}
	tests := []struct {
		name   string
		typ    action.Type
		node   []func(*corev1.Node)
		noNode bool
		target string // the owner's kind; Node when empty
		// want is the planned change for node n with pods (web-1, web-2 to evict; ds-1, static-1
		// and done-1 staying) and the workflow's name wf.
		want       func(n *corev1.Node, pods map[string]*corev1.Pod, wf string) v1alpha1.Change
		wantReason string
	}{{
		name: "a cordon sets unschedulable and the engine annotation, and its undo removes both",
		typ:  action.Cordon,
		want: func(n *corev1.Node, _ map[string]*corev1.Pod, wf string) v1alpha1.Change {
			ch := change(n)
			ch.Patch, ch.Undo, ch.RevertAfterRecovery = cordonPatch(n, wf), uncordonPatch(n), true
			ch.Diff = fmt.Sprintf("spec.unschedulable: false → true\nmetadata.annotations[%s]: <none> → %s", annotation, wf)
			ch.Summary = "cordon node " + n.Name
			return ch
		},
	}, {
		name: "a drain cordons and lists the pods to evict and those that stay",
		typ:  action.Drain,
		want: func(n *corev1.Node, pods map[string]*corev1.Pod, wf string) v1alpha1.Change {
			ch := change(n)
			ch.Patch, ch.Undo, ch.RevertAfterRecovery = cordonPatch(n, wf), uncordonPatch(n), true
			ch.Diff = fmt.Sprintf("spec.unschedulable: false → true\nmetadata.annotations[%s]: <none> → %s\n"+
				"drain: evict 2 pods from node %s through the Eviction API (1 DaemonSet pod and 1 static pod stay)",
				annotation, wf, n.Name) + podLines(n, pods)
			ch.Summary = fmt.Sprintf("cordon node %s and evict its 2 pods (1 DaemonSet pod and 1 static pod stay)", n.Name)
			return ch
		},
	}, {
		name: "a node someone else cordoned stays cordoned, the cordon being a no-op without undo",
		typ:  action.Cordon,
		node: []func(*corev1.Node){cordonedBySomeone},
		want: func(n *corev1.Node, _ map[string]*corev1.Pod, _ string) v1alpha1.Change {
			ch := change(n)
			ch.Patch = fmt.Sprintf(`{"metadata":{"uid":%q},"spec":{"unschedulable":true}}`, n.UID)
			ch.Diff = "spec.unschedulable: true → true (cordoned by someone else: the engine never uncordons it)"
			ch.Summary = fmt.Sprintf("leave node %s cordoned: someone else cordoned it, so the engine never uncordons it (no undo)", n.Name)
			return ch
		},
	}, {
		name: "a drain of a node someone else cordoned evicts the pods and has no undo",
		typ:  action.Drain,
		node: []func(*corev1.Node){cordonedBySomeone},
		want: func(n *corev1.Node, pods map[string]*corev1.Pod, _ string) v1alpha1.Change {
			ch := change(n)
			ch.Patch = fmt.Sprintf(`{"metadata":{"uid":%q},"spec":{"unschedulable":true}}`, n.UID)
			ch.Diff = "spec.unschedulable: true → true (cordoned by someone else: the engine never uncordons it)\n" +
				fmt.Sprintf("drain: evict 2 pods from node %s through the Eviction API (1 DaemonSet pod and 1 static pod stay)", n.Name) + podLines(n, pods)
			ch.Summary = fmt.Sprintf("evict the 2 pods of node %s (1 DaemonSet pod and 1 static pod stay); it stays cordoned: "+
				"someone else cordoned it, so the engine never uncordons it (no undo)", n.Name)
			return ch
		},
	}, {
		name: "a node the engine cordoned in an earlier workflow is still for the engine to uncordon",
		typ:  action.Cordon,
		node: []func(*corev1.Node){cordonedBySomeone, func(n *corev1.Node) { n.Annotations = map[string]string{CordonedByAnnotation: "wf-old"} }},
		want: func(n *corev1.Node, _ map[string]*corev1.Pod, wf string) v1alpha1.Change {
			ch := change(n)
			ch.Patch, ch.Undo, ch.RevertAfterRecovery = cordonPatch(n, wf), uncordonPatch(n), true
			ch.Diff = fmt.Sprintf("spec.unschedulable: true → true\nmetadata.annotations[%s]: wf-old → %s", annotation, wf)
			ch.Summary = fmt.Sprintf("cordon node %s (already cordoned by the engine, workflow wf-old)", n.Name)
			return ch
		},
	}, {
		name:       "an action other than cordon and drain is refused",
		typ:        action.Restart,
		wantReason: v1alpha1.ReasonActionNotSupported,
	}, {
		name:       "a node that does not exist is refused",
		typ:        action.Drain,
		noNode:     true,
		wantReason: v1alpha1.ReasonTargetNotFound,
	}, {
		name:       "a target that is not a node is refused",
		typ:        action.Cordon,
		target:     "Deployment",
		wantReason: v1alpha1.ReasonUnsupportedTarget,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(t)
			var n *corev1.Node
			pods := map[string]*corev1.Pod{}
			if !tt.noNode {
				n = f.createNode(t, tt.node...)
				pods["web-1"] = f.createPod(t, "web-1", f.node, ownedBy("ReplicaSet", "web-1a"))
				pods["web-2"] = f.createPod(t, "web-2", f.node)
				pods["ds-1"] = f.createPod(t, "ds-1", f.node, ownedBy("DaemonSet", "agent"))
				pods["static-1"] = f.createPod(t, "static-1", f.node, mirror)
				pods["done-1"] = f.createPod(t, "done-1", f.node, phase(corev1.PodSucceeded))
				f.createPod(t, "elsewhere", "w-other")
			}
			act := f.act(tt.typ)
			owner := f.owner()
			if tt.target != "" {
				owner.Workload = managedby.Object{APIVersion: "apps/v1", Kind: tt.target, Namespace: f.ns, Name: "web"}
			}
			got, err := f.s.Plan(t.Context(), act, owner)
			if tt.wantReason != "" {
				if r := refusal(err); r == nil || r.Reason != tt.wantReason || r.Retryable {
					t.Fatalf("Plan(%s) = %v, want a final refusal %s", tt.typ, err, tt.wantReason)
				}
				return
			}
			if err != nil {
				t.Fatalf("Plan(%s) = %v", tt.typ, err)
			}
			if diff := cmp.Diff(tt.want(n, pods, act.Workflow), got); diff != "" {
				t.Errorf("Plan(%s) change (-want +got):\n%s", tt.typ, diff)
			}
		})
	}
}
