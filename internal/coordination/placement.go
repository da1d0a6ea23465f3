package coordination

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/detection"
)

// placement returns an infrastructure item for every node that pods of the plan's workloads run
// on and that shows a node symptom, unless the plan lists that node already. Nodes are visited
// workload by workload, each workload's nodes by name; a node that is gone is skipped.
func (p *Planner) placement(ctx context.Context, items []v1alpha1.PlanItem) ([]v1alpha1.PlanItem, error) {
	listed := map[string]bool{}
	for _, it := range items {
		if it.Target.Kind == "Node" {
			listed[it.Target.Name] = true
		}
	}
	var found []v1alpha1.PlanItem
	for _, it := range items {
		if kinds[it.Target.Kind].layer != "" {
			continue // not a workload
		}
		pods, err := p.podsOf(ctx, it.Target)
		if err != nil {
			return nil, err
		}
		byNode := map[string][]string{}
		for _, pod := range pods {
			if pod.Spec.NodeName != "" {
				byNode[pod.Spec.NodeName] = append(byNode[pod.Spec.NodeName], pod.Name)
			}
		}
		for _, name := range slices.Sorted(maps.Keys(byNode)) {
			if listed[name] {
				continue
			}
			var n corev1.Node
			if err := p.reader.Get(ctx, client.ObjectKey{Name: name}, &n); err != nil {
				if apierrors.IsNotFound(err) {
					continue
				}
				return nil, fmt.Errorf("read Node %s: %w", name, err)
			}
			symptoms := detection.Node(&n)
			if len(symptoms) == 0 {
				continue
			}
			listed[name] = true
			s := symptoms[0]
			found = append(found, v1alpha1.PlanItem{
				Layer:  LayerInfrastructure,
				Target: v1alpha1.Target{Kind: "Node", Name: name},
				Issue:  v1alpha1.Issue{Type: string(s.Issue), Description: s.Message, Severity: s.Severity},
				Why: truncate(fmt.Sprintf("placement: pods of %s (%s) run on node %s, which shows %s; a Node is infrastructure",
					it.Target, podList(byNode[name]), name, s.Message), maxWhy),
			})
		}
	}
	return found, nil
}

// podsOf lists the target's pods: the Pod itself, or the pods its workload's selector selects.
func (p *Planner) podsOf(ctx context.Context, target v1alpha1.Target) ([]corev1.Pod, error) {
	key := client.ObjectKey{Namespace: target.Namespace, Name: target.Name}
	var selector *metav1.LabelSelector
	switch target.Kind {
	case "Pod":
		var pod corev1.Pod
		if err := p.reader.Get(ctx, key, &pod); err != nil {
			return nil, client.IgnoreNotFound(fmt.Errorf("read %s: %w", target, err))
		}
		return []corev1.Pod{pod}, nil
	case "Deployment":
		var d appsv1.Deployment
		if err := p.reader.Get(ctx, key, &d); err != nil {
			return nil, client.IgnoreNotFound(fmt.Errorf("read %s: %w", target, err))
		}
		selector = d.Spec.Selector
	case "StatefulSet":
		var s appsv1.StatefulSet
		if err := p.reader.Get(ctx, key, &s); err != nil {
			return nil, client.IgnoreNotFound(fmt.Errorf("read %s: %w", target, err))
		}
		selector = s.Spec.Selector
	case "DaemonSet":
		var d appsv1.DaemonSet
		if err := p.reader.Get(ctx, key, &d); err != nil {
			return nil, client.IgnoreNotFound(fmt.Errorf("read %s: %w", target, err))
		}
		selector = d.Spec.Selector
	default:
		return nil, nil
	}
	sel, err := metav1.LabelSelectorAsSelector(selector)
	if err != nil {
		return nil, fmt.Errorf("selector of %s: %w", target, err)
	}
	if sel.Empty() {
		return nil, nil // it would select every pod of the namespace: that says nothing about placement
	}
	var list corev1.PodList
	if err := p.reader.List(ctx, &list, client.InNamespace(target.Namespace), client.MatchingLabelsSelector{Selector: sel}); err != nil {
		return nil, fmt.Errorf("list pods of %s: %w", target, err)
	}
	return list.Items, nil
}

// podList names up to three pods.
func podList(names []string) string {
	slices.Sort(names)
	if len(names) > 3 {
		return strings.Join(names[:3], ", ") + fmt.Sprintf(" and %d more", len(names)-3)
	}
	return strings.Join(names, ", ")
}
