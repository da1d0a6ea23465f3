package watcher

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/cache"
)

// The watchers' caches hold every Pod and Node of the cluster, so they keep only what the
// detection rules and the grouping read: names, owners, the pod-template-hash label, node
// placement and status. Managed fields, annotations, specs and node images (often the largest
// part of a Node) are dropped before an object is stored.

// trim is the informers' transform: it replaces each object with its trimmed copy.
func trim(obj any) (any, error) {
	switch o := obj.(type) {
	case *corev1.Pod:
		return trimPod(o), nil
	case *corev1.Node:
		return trimNode(o), nil
	case *appsv1.Deployment:
		return trimDeployment(o), nil
	case *unstructured.Unstructured:
		return trimConditions(o), nil
	case cache.DeletedFinalStateUnknown:
		return obj, nil
	}
	return obj, nil
}

func meta(m metav1.ObjectMeta, labels map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: m.Name, Namespace: m.Namespace, UID: m.UID, ResourceVersion: m.ResourceVersion,
		Generation: m.Generation, DeletionTimestamp: m.DeletionTimestamp, OwnerReferences: m.OwnerReferences, Labels: labels}
}

func trimPod(p *corev1.Pod) *corev1.Pod {
	var labels map[string]string
	if h, ok := p.Labels[appsv1.DefaultDeploymentUniqueLabelKey]; ok {
		labels = map[string]string{appsv1.DefaultDeploymentUniqueLabelKey: h}
	}
	return &corev1.Pod{
		ObjectMeta: meta(p.ObjectMeta, labels),
		Spec:       corev1.PodSpec{NodeName: p.Spec.NodeName, InitContainers: trimContainers(p.Spec.InitContainers), Containers: trimContainers(p.Spec.Containers)},
		Status: corev1.PodStatus{Phase: p.Status.Phase, Reason: p.Status.Reason,
			ContainerStatuses: trimStatuses(p.Status.ContainerStatuses), InitContainerStatuses: trimStatuses(p.Status.InitContainerStatuses)},
	}
}

// trimContainers keeps each container's name and memory limit (the OOM message names it).
func trimContainers(in []corev1.Container) []corev1.Container {
	if len(in) == 0 {
		return nil
	}
	out := make([]corev1.Container, len(in))
	for i, c := range in {
		out[i].Name = c.Name
		if m, ok := c.Resources.Limits[corev1.ResourceMemory]; ok {
			out[i].Resources.Limits = corev1.ResourceList{corev1.ResourceMemory: m}
		}
	}
	return out
}

func trimStatuses(in []corev1.ContainerStatus) []corev1.ContainerStatus {
	if len(in) == 0 {
		return nil
	}
	out := make([]corev1.ContainerStatus, len(in))
	for i, c := range in {
		out[i] = corev1.ContainerStatus{Name: c.Name, Image: c.Image, Ready: c.Ready, RestartCount: c.RestartCount, Started: c.Started,
			State: c.State, LastTerminationState: c.LastTerminationState}
	}
	return out
}

func trimNode(n *corev1.Node) *corev1.Node {
	return &corev1.Node{
		ObjectMeta: meta(n.ObjectMeta, nil),
		Spec:       corev1.NodeSpec{Unschedulable: n.Spec.Unschedulable},
		Status:     corev1.NodeStatus{Conditions: n.Status.Conditions},
	}
}

func trimDeployment(d *appsv1.Deployment) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: meta(d.ObjectMeta, nil),
		Status:     appsv1.DeploymentStatus{ObservedGeneration: d.Status.ObservedGeneration, Conditions: d.Status.Conditions},
	}
}

// trimConditions keeps an OpenShift object's identity and status.conditions.
func trimConditions(u *unstructured.Unstructured) *unstructured.Unstructured {
	out := &unstructured.Unstructured{Object: map[string]any{}}
	out.SetAPIVersion(u.GetAPIVersion())
	out.SetKind(u.GetKind())
	out.SetName(u.GetName())
	out.SetUID(u.GetUID())
	out.SetResourceVersion(u.GetResourceVersion())
	if conds, ok, _ := unstructured.NestedSlice(u.Object, "status", "conditions"); ok {
		_ = unstructured.SetNestedSlice(out.Object, conds, "status", "conditions")
	}
	return out
}
