package node

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// budget is one PodDisruptionBudget with the disruptions it still allows during this Apply.
type budget struct {
	pdb      *policyv1.PodDisruptionBudget
	selector labels.Selector
	allowed  int32
}

func (b *budget) name() string { return b.pdb.Namespace + "/" + b.pdb.Name }

// budgets are the PodDisruptionBudgets of the namespaces one drain evicts from, each namespace
// listed once.
type budgets struct {
	reader client.Reader
	byNS   map[string][]*budget
}

func newBudgets(reader client.Reader) *budgets {
	return &budgets{reader: reader, byNS: map[string][]*budget{}}
}

// selecting returns the budgets whose selector matches pod. As in the API server, a budget
// without a selector selects nothing and an empty one everything.
func (b *budgets) selecting(ctx context.Context, pod *corev1.Pod) ([]*budget, error) {
	all, ok := b.byNS[pod.Namespace]
	if !ok {
		var list policyv1.PodDisruptionBudgetList
		if err := b.reader.List(ctx, &list, client.InNamespace(pod.Namespace)); err != nil {
			return nil, fmt.Errorf("list PodDisruptionBudgets of %s: %w", pod.Namespace, err)
		}
		for i := range list.Items {
			pdb := &list.Items[i]
			sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
			if err != nil {
				continue // an invalid selector matches no pod, for the API server too
			}
			all = append(all, &budget{pdb: pdb, selector: sel, allowed: pdb.Status.DisruptionsAllowed})
		}
		b.byNS[pod.Namespace] = all
	}
	var out []*budget
	for _, bg := range all {
		if bg.selector.Matches(labels.Set(pod.Labels)) {
			out = append(out, bg)
		}
	}
	return out, nil
}

// judge says, as the Eviction API would decide it now (kube-apiserver's
// pkg/registry/core/pod/storage/eviction.go), why evicting pod would be refused (why, a phrase
// after the pod's name: "is held by PodDisruptionBudget shop/web, ..."), or which
// budget the eviction spends (spends; nil when none). A pending pod, or an unready one whose
// budget lets unhealthy pods go (unhealthyPodEvictionPolicy AlwaysAllow, or the budget met with
// IfHealthyBudget), is evicted whatever the budget allows, and spends nothing.
func judge(pod *corev1.Pod, selecting []*budget) (spends *budget, why string) {
	switch {
	case len(selecting) == 0 || pod.Status.Phase == corev1.PodPending:
		return nil, ""
	case len(selecting) > 1:
		var ns []string
		for _, b := range selecting {
			ns = append(ns, b.name())
		}
		return nil, fmt.Sprintf("is selected by PodDisruptionBudgets %s, and the Eviction API refuses a pod with more than one", strings.Join(ns, ", "))
	}
	b := selecting[0]
	st := b.pdb.Status
	if !podReady(pod) {
		if p := b.pdb.Spec.UnhealthyPodEvictionPolicy; p != nil && *p == policyv1.AlwaysAllow {
			return nil, ""
		}
		if st.CurrentHealthy >= st.DesiredHealthy && st.DesiredHealthy > 0 {
			return nil, ""
		}
	}
	switch {
	case st.ObservedGeneration < b.pdb.Generation:
		return nil, fmt.Sprintf("is held by PodDisruptionBudget %s, whose generation %d is not observed yet", b.name(), b.pdb.Generation)
	case b.allowed <= 0 && st.DisruptionsAllowed > 0:
		return nil, fmt.Sprintf("is held by PodDisruptionBudget %s, whose %s this drain has used", b.name(), plural(int(st.DisruptionsAllowed), "allowed disruption"))
	case b.allowed <= 0:
		return nil, fmt.Sprintf("is held by PodDisruptionBudget %s, which allows no disruption now (%d healthy, %d needed)", b.name(), st.CurrentHealthy, st.DesiredHealthy)
	}
	return b, ""
}

func podReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
