package node

import (
	"context"
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/guardrail"
)

func TestDrainEvictsOnlyEvictablePods(t *testing.T) {
	f := setup(t)
	f.createNode(t)
	terminatingPod := f.createPod(t, "leaving", f.node, func(p *corev1.Pod) { p.Finalizers = []string{"selfhealing.dev/test"} })
	if err := f.c.Delete(t.Context(), terminatingPod); err != nil {
		t.Fatal(err)
	}
	f.get(t, terminatingPod)
	t.Cleanup(func() {
		terminatingPod.Finalizers = nil
		_ = f.c.Update(context.Background(), terminatingPod)
	})
	pods := []struct {
		pod         *corev1.Pod
		wantEvicted bool
	}{
		{f.createPod(t, "web-1", f.node, ownedBy("ReplicaSet", "web-1a")), true},
		{f.createPod(t, "bare", f.node), true},
		{f.createPod(t, "starting", f.node, phase(corev1.PodPending)), true},
		{f.createPod(t, "agent", f.node, ownedBy("DaemonSet", "agent")), false},
		{f.createPod(t, "static", f.node, mirror), false},
		{f.createPod(t, "done", f.node, phase(corev1.PodSucceeded)), false},
		{f.createPod(t, "failed", f.node, phase(corev1.PodFailed)), false},
		{terminatingPod, false},
		{f.createPod(t, "elsewhere", "w-other-"+f.ns), false},
	}
	act := f.act(action.Drain)
	ch := f.plan(t, act)
	if err := f.s.Apply(t.Context(), f.permit(t, act), ch); err != nil {
		t.Fatalf("Apply(%s) = %v", ch.Summary, err)
	}
	for _, p := range pods {
		if got := f.evicted(t, p.pod); got != p.wantEvicted {
			t.Errorf("pod %s evicted = %t, want %t", p.pod.Name, got, p.wantEvicted)
		}
	}
	if unschedulable, by, _ := f.cordon(t); !unschedulable || by != act.Workflow {
		t.Errorf("node after drain: unschedulable %t, %s %q; want true, %q", unschedulable, CordonedByAnnotation, by, act.Workflow)
	}
}

// staleBudgets reads PodDisruptionBudgets as they were a moment before another eviction spent
// their last disruption: each still allows one.
type staleBudgets struct{ client.Reader }

func (r staleBudgets) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	if err := r.Reader.List(ctx, list, opts...); err != nil {
		return err
	}
	if l, ok := list.(*policyv1.PodDisruptionBudgetList); ok {
		for i := range l.Items {
			l.Items[i].Status.DisruptionsAllowed = 1
		}
	}
	return nil
}

func TestDrainRespectsPodDisruptionBudgets(t *testing.T) {
	tests := []struct {
		name    string
		reader  func(client.Reader) client.Reader
		allowed int32
		// pods, all app=web under one budget allowing allowed disruptions, then unready ones.
		ready, unready int
		policy         policyv1.UnhealthyPodEvictionPolicyType
		wantEvicted    int
		wantBlocked    string // in the DrainBlocked message; no refusal when empty
	}{{
		name: "a budget allowing no disruption keeps its pods, and the drain waits", allowed: 0, ready: 2,
		wantEvicted: 0, wantBlocked: "allows no disruption now",
	}, {
		name: "a budget allowing one disruption lets one pod go and keeps the other", allowed: 1, ready: 2,
		wantEvicted: 1, wantBlocked: "whose 1 allowed disruption this drain has used",
	}, {
		name: "a budget allowing enough disruptions lets every pod go", allowed: 2, ready: 2,
		wantEvicted: 2,
	}, {
		name: "a 429 from the API server for a budget spent meanwhile keeps the pod, and the drain waits", allowed: 0, ready: 1,
		reader: func(c client.Reader) client.Reader { return staleBudgets{c} }, wantEvicted: 0,
		wantBlocked: "was refused by the API server: Cannot evict pod as it would violate the pod's disruption budget.",
	}, {
		name: "an unready pod goes when its budget lets unhealthy pods go", allowed: 0, ready: 1, unready: 1,
		policy: policyv1.AlwaysAllow, wantEvicted: 1, wantBlocked: "allows no disruption now",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setupWith(t, Options{}, tt.reader)
			f.createNode(t)
			pdb := f.createBudget(t, "web", tt.allowed, func(p *policyv1.PodDisruptionBudget) {
				if tt.policy != "" {
					p.Spec.UnhealthyPodEvictionPolicy = &tt.policy
				}
			})
			var pods []*corev1.Pod
			for i := range tt.ready + tt.unready {
				var opts []func(*corev1.Pod)
				if i >= tt.ready {
					opts = append(opts, func(p *corev1.Pod) { p.Status.Conditions = nil })
				}
				pods = append(pods, f.createPod(t, "web-"+string(rune('a'+i)), f.node, opts...))
			}
			act := f.act(action.Drain)
			ch := f.plan(t, act)
			p := f.permit(t, act)
			err := f.s.Apply(t.Context(), p, ch)
			evicted := 0
			for _, pod := range pods {
				if f.evicted(t, pod) {
					evicted++
				}
			}
			if evicted != tt.wantEvicted {
				t.Errorf("evicted %d pods of %d, want %d (Apply = %v)", evicted, len(pods), tt.wantEvicted, err)
			}
			if tt.wantBlocked == "" {
				if err != nil {
					t.Fatalf("Apply(%s) = %v, want nil", ch.Summary, err)
				}
				return
			}
			r := refusal(err)
			if r == nil || r.Reason != ReasonDrainBlocked || !r.Retryable || !strings.Contains(r.Message, tt.wantBlocked) ||
				(tt.reader == nil && !strings.Contains(r.Message, "held by PodDisruptionBudget "+f.ns+"/web")) {
				t.Fatalf("Apply(%s) = %v, want a retryable %s refusal naming the budget and saying %q", ch.Summary, err, ReasonDrainBlocked, tt.wantBlocked)
			}
			if unschedulable, _, _ := f.cordon(t); !unschedulable {
				t.Error("node not cordoned while its drain waits")
			}

			// Once the budget allows it, the same change applied again evicts the rest.
			f.allow(t, pdb, int32(len(pods)))
			if err := f.s.Apply(t.Context(), p, ch); err != nil {
				t.Fatalf("Apply(%s) again once the budget allows = %v", ch.Summary, err)
			}
			for _, pod := range pods {
				if !f.evicted(t, pod) {
					t.Errorf("pod %s not evicted once its budget allows it", pod.Name)
				}
			}
		})
	}
}

func TestDrainEvictsAtMostMaxEvictionsPerApply(t *testing.T) {
	f := setupWith(t, Options{MaxEvictionsPerApply: 2}, nil)
	f.createNode(t)
	pods := []*corev1.Pod{f.createPod(t, "web-a", f.node), f.createPod(t, "web-b", f.node), f.createPod(t, "web-c", f.node)}
	act := f.act(action.Drain)
	ch := f.plan(t, act)
	p := f.permit(t, act)
	err := f.s.Apply(t.Context(), p, ch)
	if r := refusal(err); r == nil || r.Reason != ReasonDrainBlocked || !r.Retryable || !strings.Contains(r.Message, "1 pod more wait") {
		t.Fatalf("Apply(%s) = %v, want a retryable %s refusal: 1 pod more waits", ch.Summary, err, ReasonDrainBlocked)
	}
	if !f.evicted(t, pods[0]) || !f.evicted(t, pods[1]) || f.evicted(t, pods[2]) {
		t.Errorf("after one Apply: evicted %t %t %t, want the first two only", f.evicted(t, pods[0]), f.evicted(t, pods[1]), f.evicted(t, pods[2]))
	}
	if err := f.s.Apply(t.Context(), p, ch); err != nil {
		t.Fatalf("Apply(%s) again = %v", ch.Summary, err)
	}
	if !f.evicted(t, pods[2]) {
		t.Error("pod web-c not evicted by the second Apply")
	}
}

func TestApplyTwiceIsHarmless(t *testing.T) {
	for _, typ := range []action.Type{action.Cordon, action.Drain} {
		t.Run(string(typ), func(t *testing.T) {
			f := setup(t)
			n := f.createNode(t)
			pod := f.createPod(t, "web-a", f.node)
			act := f.act(typ)
			ch := f.plan(t, act)
			p := f.permit(t, act)
			if err := f.s.Apply(t.Context(), p, ch); err != nil {
				t.Fatalf("Apply(%s) = %v", ch.Summary, err)
			}
			f.get(t, n)
			version := n.ResourceVersion
			first := f.remediated()
			if err := f.s.Apply(t.Context(), p, ch); err != nil {
				t.Fatalf("Apply(%s) again = %v", ch.Summary, err)
			}
			f.get(t, n)
			if n.ResourceVersion != version {
				t.Errorf("node written again by the second Apply (resourceVersion %s → %s)", version, n.ResourceVersion)
			}
			if got := f.remediated(); got != 0 {
				t.Errorf("second Apply recorded %d Remediated Events, want none (first recorded %d)", got, first)
			}
			if got, want := f.evicted(t, pod), typ == action.Drain; got != want {
				t.Errorf("pod evicted = %t, want %t", got, want)
			}
		})
	}
}

func TestUndoUncordons(t *testing.T) {
	for _, typ := range []action.Type{action.Cordon, action.Drain} {
		t.Run(string(typ), func(t *testing.T) {
			f := setup(t)
			f.createNode(t)
			act := f.act(typ)
			ch := f.plan(t, act)
			p := f.permit(t, act)
			if err := f.s.Apply(t.Context(), p, ch); err != nil {
				t.Fatalf("Apply(%s) = %v", ch.Summary, err)
			}
			if err := f.s.Undo(t.Context(), p, ch); err != nil {
				t.Fatalf("Undo(%s) = %v", ch.Summary, err)
			}
			if unschedulable, by, annotated := f.cordon(t); unschedulable || annotated {
				t.Errorf("node after undo: unschedulable %t, %s %q; want schedulable without the annotation", unschedulable, CordonedByAnnotation, by)
			}
		})
	}
}

func TestSomeoneElsesCordonIsNeverUndone(t *testing.T) {
	for _, typ := range []action.Type{action.Cordon, action.Drain} {
		t.Run(string(typ), func(t *testing.T) {
			f := setup(t)
			f.createNode(t, cordonedBySomeone)
			pod := f.createPod(t, "web-a", f.node)
			act := f.act(typ)
			ch := f.plan(t, act)
			if ch.Undo != "" {
				t.Fatalf("Plan(%s).Undo = %s, want none", typ, ch.Undo)
			}
			p := f.permit(t, act)
			if err := f.s.Apply(t.Context(), p, ch); err != nil {
				t.Fatalf("Apply(%s) = %v", ch.Summary, err)
			}
			if got, want := f.evicted(t, pod), typ == action.Drain; got != want {
				t.Errorf("pod evicted = %t, want %t", got, want)
			}
			if err := f.s.Undo(t.Context(), p, ch); !errors.Is(err, ErrNotUndoable) {
				t.Errorf("Undo(%s) = %v, want %v", ch.Summary, err, ErrNotUndoable)
			}
			if unschedulable, by, annotated := f.cordon(t); !unschedulable || annotated {
				t.Errorf("node: unschedulable %t, %s %q; want still cordoned, without the engine's annotation", unschedulable, CordonedByAnnotation, by)
			}
			progress, err := f.s.Follow(t.Context(), ch)
			if err != nil || !progress.Done || progress.Reverted != "" {
				t.Errorf("Follow(%s) = %+v, %v; want done, not reverted", ch.Summary, progress, err)
			}
		})
	}
}

func TestApplyNeedsAPermit(t *testing.T) {
	tests := []struct {
		name       string
		permit     func(t *testing.T, f *fixture, act action.Action) *guardrail.Permit
		wantReason string
	}{{
		name:       "no permit",
		permit:     func(*testing.T, *fixture, action.Action) *guardrail.Permit { return nil },
		wantReason: guardrail.ReasonNoPermit,
	}, {
		name: "a permit already released",
		permit: func(t *testing.T, f *fixture, act action.Action) *guardrail.Permit {
			p := f.permit(t, act)
			p.Done(guardrail.NotApplied)
			return p
		},
		wantReason: guardrail.ReasonPermitUsed,
	}, {
		name: "a permit preempted by a conflicting action",
		permit: func(t *testing.T, f *fixture, act action.Action) *guardrail.Permit {
			p := f.permit(t, act)
			urgent := f.act(action.Cordon)
			urgent.Priority, urgent.Workflow = 9, "wf-urgent"
			f.permit(t, urgent)
			return p
		},
		wantReason: guardrail.ReasonConflictLost,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(t)
			f.createNode(t)
			pod := f.createPod(t, "web-a", f.node)
			act := f.act(action.Drain)
			ch := f.plan(t, act)
			err := f.s.Apply(t.Context(), tt.permit(t, f, act), ch)
			if reasonOf(err) != tt.wantReason {
				t.Errorf("Apply(%s) = %v, want %s", ch.Summary, err, tt.wantReason)
			}
			if unschedulable, _, annotated := f.cordon(t); unschedulable || annotated {
				t.Error("node cordoned without a live permit")
			}
			if f.evicted(t, pod) {
				t.Error("pod evicted without a live permit")
			}
		})
	}
}

func TestTheGateWantsApprovalForADrain(t *testing.T) {
	f := setup(t)
	act := f.act(action.Drain)
	act.Approved = false
	if _, err := f.gate.Admit(t.Context(), act, guardrail.Scope{}); reasonOf(err) != guardrail.ReasonApprovalRequired {
		t.Errorf("Admit(%s) = %v, want %s: drains are node_remediation, which the default policy approves by hand", act, err, guardrail.ReasonApprovalRequired)
	}
}
