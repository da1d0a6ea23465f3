package managedby

import (
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// objectRef names one object: its kind (with the version the resolver reads) and its key.
type objectRef struct {
	gvk       schema.GroupVersionKind
	namespace string
	name      string
}

// key identifies the object across versions, for the result cache and its dependencies.
func (o objectRef) key() string { return objectKey(o.gvk.GroupKind(), o.namespace, o.name) }

func (o objectRef) String() string {
	return Object{APIVersion: o.gvk.GroupVersion().String(), Kind: o.gvk.Kind, Namespace: o.namespace, Name: o.name}.String()
}

func objectKey(gk schema.GroupKind, namespace, name string) string {
	return "object/" + gk.String() + "/" + namespace + "/" + name
}

// builtinKind is the served version of a built-in kind that targets and owner references name
// most often; all of them are namespaced. Looking them up here spares the RESTMapper (and its
// discovery calls) on the common paths. The match ignores case: "deployment" is Deployment.
func builtinKind(group, kind string) (schema.GroupVersionKind, bool) {
	var gv schema.GroupVersion
	switch strings.ToLower(kind) {
	case "pod":
		gv, kind = corev1.SchemeGroupVersion, "Pod"
	case "deployment":
		gv, kind = appsv1.SchemeGroupVersion, "Deployment"
	case "replicaset":
		gv, kind = appsv1.SchemeGroupVersion, "ReplicaSet"
	case "statefulset":
		gv, kind = appsv1.SchemeGroupVersion, "StatefulSet"
	case "daemonset":
		gv, kind = appsv1.SchemeGroupVersion, "DaemonSet"
	case "job":
		gv, kind = batchv1.SchemeGroupVersion, "Job"
	case "cronjob":
		gv, kind = batchv1.SchemeGroupVersion, "CronJob"
	default:
		return schema.GroupVersionKind{}, false
	}
	if group != "" && group != gv.Group {
		return schema.GroupVersionKind{}, false
	}
	return gv.WithKind(kind), true
}

// isWorkloadKind says whether gk is a built-in workload controller, the kind Resolution.Workload
// names.
func isWorkloadKind(gk schema.GroupKind) bool {
	switch gk {
	case schema.GroupKind{Group: appsv1.GroupName, Kind: "Deployment"},
		schema.GroupKind{Group: appsv1.GroupName, Kind: "StatefulSet"},
		schema.GroupKind{Group: appsv1.GroupName, Kind: "DaemonSet"},
		schema.GroupKind{Group: batchv1.GroupName, Kind: "Job"},
		schema.GroupKind{Group: batchv1.GroupName, Kind: "CronJob"}:
		return true
	}
	return false
}

// Kinds the resolver reads besides workloads and owners.
var (
	secretGVK = corev1.SchemeGroupVersion.WithKind("Secret")
	crdGVK    = schema.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"}
	// applicationGK is Argo CD's Application; its version comes from the RESTMapper.
	applicationGK = schema.GroupKind{Group: "argoproj.io", Kind: "Application"}
)
