package watcher

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestTrimKeepsWhatTheRulesReadAndDropsTheRest(t *testing.T) {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "shop", Labels: map[string]string{"app": "web", "pod-template-hash": "abc"},
			Annotations:   map[string]string{"kubectl.kubernetes.io/last-applied-configuration": "{...}"},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}}},
		Spec: corev1.PodSpec{NodeName: "w-1", Containers: []corev1.Container{{Name: "app", Image: "web:1", Env: []corev1.EnvVar{{Name: "A", Value: "b"}},
			Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi"), corev1.ResourceCPU: resource.MustParse("1")}}}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{Name: "app", Image: "web:1", RestartCount: 3, ImageID: "sha256:x"}}},
	}
	obj, err := trim(p)
	if err != nil {
		t.Fatal(err)
	}
	got := obj.(*corev1.Pod)
	if got.ManagedFields != nil || got.Annotations != nil || len(got.Labels) != 1 || got.Spec.Containers[0].Env != nil ||
		got.Status.ContainerStatuses[0].ImageID != "" || len(got.Spec.Containers[0].Resources.Limits) != 1 {
		t.Errorf("trimmed pod keeps too much: %+v", got)
	}
	if got.Spec.NodeName != "w-1" || got.Status.ContainerStatuses[0].RestartCount != 3 || got.Labels["pod-template-hash"] != "abc" ||
		got.Spec.Containers[0].Resources.Limits.Memory().String() != "64Mi" {
		t.Errorf("trimmed pod lost what the rules read: %+v", got)
	}
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "w-1"}, Status: corev1.NodeStatus{Images: []corev1.ContainerImage{{Names: []string{"a"}}},
		Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}}}
	obj, _ = trim(n)
	if gn := obj.(*corev1.Node); gn.Status.Images != nil || len(gn.Status.Conditions) != 1 {
		t.Errorf("trimmed node = %+v, want conditions only", gn)
	}
}
