package workload

import (
	"encoding/json"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"selfhealing.dev/coordination-engine/internal/managedby"
)

// Builders of test objects: a workload named name in namespace ns whose one container "app"
// runs image with a 256Mi memory limit, changed by the options given.

func template(name, image string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name:  "app",
			Image: image,
			Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")},
				Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("256Mi")},
			},
		}}},
	}
}

func deployment(ns, name, image string, opts ...func(*appsv1.Deployment)) *appsv1.Deployment {
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID("uid-" + name)},
		Spec: appsv1.DeploymentSpec{
			Replicas: new(int32(3)),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: template(name, image),
		},
	}
	for _, o := range opts {
		o(d)
	}
	return d
}

func statefulSet(ns, name, image string) *appsv1.StatefulSet {
	return &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID("uid-" + name)},
		Spec: appsv1.StatefulSetSpec{
			Replicas: new(int32(2)),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: template(name, image),
		},
	}
}

// replicaSet is revision rev of d with the template running image, controlled by d.
func replicaSet(d *appsv1.Deployment, rev int64, image string) *appsv1.ReplicaSet {
	hash := "h" + strconv.FormatInt(rev, 10)
	t := template(d.Name, image)
	t.Labels[podTemplateHashLabel] = hash
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{
			Namespace:       d.Namespace,
			Name:            d.Name + "-" + hash,
			Labels:          map[string]string{"app": d.Name, podTemplateHashLabel: hash},
			Annotations:     map[string]string{RevisionAnnotation: strconv.FormatInt(rev, 10)},
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(d, appsv1.SchemeGroupVersion.WithKind("Deployment"))},
		},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: new(int32(0)),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": d.Name, podTemplateHashLabel: hash}},
			Template: t,
		},
	}
}

// controllerRevision is revision rev of set with t as its template, in the form the StatefulSet
// controller records (a strategic-merge patch replacing spec.template).
func controllerRevision(set *appsv1.StatefulSet, rev int64, t corev1.PodTemplateSpec) *appsv1.ControllerRevision {
	tm := map[string]any{}
	data, _ := json.Marshal(t)
	_ = json.Unmarshal(data, &tm)
	tm["$patch"] = "replace"
	raw, _ := json.Marshal(map[string]any{"spec": map[string]any{"template": tm}})
	name := set.Name + "-r" + strconv.FormatInt(rev, 10)
	return &appsv1.ControllerRevision{
		ObjectMeta: metav1.ObjectMeta{
			Namespace:       set.Namespace,
			Name:            name,
			Labels:          map[string]string{"app": set.Name, revisionHashLabel: name},
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(set, appsv1.SchemeGroupVersion.WithKind("StatefulSet"))},
		},
		Data:     runtime.RawExtension{Raw: raw},
		Revision: rev,
	}
}

// resolution is how the resolver would describe a workload deployed by method.
func resolution(method managedby.Method, kind, ns, name string) managedby.Resolution {
	obj := managedby.Object{APIVersion: "apps/v1", Kind: kind, Namespace: ns, Name: name}
	return managedby.Resolution{
		Result:   managedby.Result{Method: method, Confidence: 1, Details: map[string]string{}},
		Target:   obj,
		Workload: obj,
		Top:      obj,
	}
}

// rev is a revision for chooseRevision.
func rev(n int64, image string, ready int32) revision {
	return revision{Revision: Revision{Number: n, Name: "r" + strconv.FormatInt(n, 10), Images: []string{image}, ReadyPods: ready}}
}
