package node

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

func TestDispose(t *testing.T) {
	controlled := func(apiVersion, kind string) metav1.ObjectMeta {
		return metav1.ObjectMeta{OwnerReferences: []metav1.OwnerReference{{APIVersion: apiVersion, Kind: kind, Name: "x", Controller: new(true)}}}
	}
	now := metav1.NewTime(time.Now())
	tests := []struct {
		name string
		pod  corev1.Pod
		want disposition
	}{
		{"a running pod of a ReplicaSet is evicted", corev1.Pod{ObjectMeta: controlled("apps/v1", "ReplicaSet"), Status: corev1.PodStatus{Phase: corev1.PodRunning}}, evictable},
		{"a bare pod is evicted", corev1.Pod{}, evictable},
		{"a DaemonSet pod stays", corev1.Pod{ObjectMeta: controlled("apps/v1", "DaemonSet")}, daemonSetPod},
		{"a pod of some other DaemonSet kind is evicted", corev1.Pod{ObjectMeta: controlled("example.com/v1", "DaemonSet")}, evictable},
		{"a pod merely owned, not controlled, by a DaemonSet is evicted",
			corev1.Pod{ObjectMeta: metav1.ObjectMeta{OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "DaemonSet", Name: "x"}}}}, evictable},
		{"a static pod's mirror stays", corev1.Pod{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{MirrorPodAnnotation: "h"}}}, staticPod},
		{"a terminating pod stays", corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now}}, terminating},
		{"a succeeded pod stays", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodSucceeded}}, finished},
		{"a failed pod stays", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodFailed}}, finished},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := dispose(&tt.pod); got != tt.want {
				t.Errorf("dispose() = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestJudge(t *testing.T) {
	ready := corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}}
	unready := corev1.PodStatus{Phase: corev1.PodRunning}
	always := policyv1.AlwaysAllow
	pdb := func(allowed int32, opts ...func(*policyv1.PodDisruptionBudget)) *budget {
		p := &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web", Generation: 2},
			Status: policyv1.PodDisruptionBudgetStatus{ObservedGeneration: 2, DisruptionsAllowed: allowed, CurrentHealthy: 2, DesiredHealthy: 2}}
		for _, o := range opts {
			o(p)
		}
		return &budget{pdb: p, selector: labels.Everything(), allowed: allowed}
	}
	tests := []struct {
		name       string
		status     corev1.PodStatus
		budgets    []*budget
		wantSpends bool
		wantWhy    string
	}{
		{"no budget lets the pod go", ready, nil, false, ""},
		{"a budget allowing a disruption lets a ready pod go and is spent", ready, []*budget{pdb(1)}, true, ""},
		{"a budget allowing none keeps a ready pod", ready, []*budget{pdb(0)}, false,
			"is held by PodDisruptionBudget shop/web, which allows no disruption now (2 healthy, 2 needed)"},
		{"a budget this drain has spent keeps the pod", ready, []*budget{func() *budget { b := pdb(2); b.allowed = 0; return b }()}, false,
			"is held by PodDisruptionBudget shop/web, whose 2 allowed disruptions this drain has used"},
		{"a budget not yet observed keeps the pod", ready, []*budget{pdb(1, func(p *policyv1.PodDisruptionBudget) { p.Status.ObservedGeneration = 1 })}, false,
			"is held by PodDisruptionBudget shop/web, whose generation 2 is not observed yet"},
		{"two budgets keep the pod", ready, []*budget{pdb(1), pdb(1)}, false,
			"is selected by PodDisruptionBudgets shop/web, shop/web, and the Eviction API refuses a pod with more than one"},
		{"a pending pod goes whatever its budget", corev1.PodStatus{Phase: corev1.PodPending}, []*budget{pdb(0)}, false, ""},
		{"an unready pod goes when the budget lets unhealthy pods go", unready,
			[]*budget{pdb(0, func(p *policyv1.PodDisruptionBudget) { p.Spec.UnhealthyPodEvictionPolicy = &always })}, false, ""},
		{"an unready pod goes when the budget is met", unready, []*budget{pdb(0)}, false, ""},
		{"an unready pod stays when the budget is not met", unready,
			[]*budget{pdb(0, func(p *policyv1.PodDisruptionBudget) { p.Status.CurrentHealthy = 1 })}, false,
			"is held by PodDisruptionBudget shop/web, which allows no disruption now (1 healthy, 2 needed)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := &corev1.Pod{Status: tt.status}
			spends, why := judge(pod, tt.budgets)
			if (spends != nil) != tt.wantSpends || why != tt.wantWhy {
				t.Errorf("judge() = %v, %q; want spends %t, %q", spends, why, tt.wantSpends, tt.wantWhy)
			}
		})
	}
}

func TestIsDrain(t *testing.T) {
	tests := []struct {
		diff string
		want bool
	}{
		{"spec.unschedulable: false → true", false},
		{"spec.unschedulable: false → true\ndrain: evict 0 pods from node w-1 through the Eviction API", true},
		{"drain: evict 1 pod from node w-1 through the Eviction API", true},
		{"pod shop/drain: x", false},
	}
	for _, tt := range tests {
		if got := isDrain(tt.diff); got != tt.want {
			t.Errorf("isDrain(%q) = %t, want %t", tt.diff, got, tt.want)
		}
	}
}
