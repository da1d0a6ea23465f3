package detection

import (
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// GroupKey returns the workload a pod's symptoms are grouped under, within the pod's
// namespace, without reading the API: the kind and name of its controller owner reference
// (StatefulSet, DaemonSet, Job, ReplicaSet, or a custom kind as the reference names it), or
// "Pod" and the pod's name for a pod without a controller. A ReplicaSet (group apps) whose name is
// the pod's pod-template-hash label appended to a name ("web-7d4b9c6f5d" for hash 7d4b9c6f5d) was
// made by the Deployment of that name, and the key is that Deployment: the 300 pods of one
// Deployment, across the ReplicaSets of a rollout, share one key. It does not allocate.
func GroupKey(p *corev1.Pod) (kind, name string) {
	if p == nil {
		return "", ""
	}
	ref := metav1.GetControllerOfNoCopy(p)
	if ref == nil {
		return "Pod", p.Name
	}
	if ref.Kind == "ReplicaSet" && isAppsGroup(ref.APIVersion) {
		if hash := p.Labels[appsv1.DefaultDeploymentUniqueLabelKey]; hash != "" {
			if base, ok := strings.CutSuffix(ref.Name, hash); ok && len(base) > 1 && base[len(base)-1] == '-' {
				return "Deployment", base[:len(base)-1]
			}
		}
	}
	return ref.Kind, ref.Name
}

// isAppsGroup reports whether apiVersion is in the group Deployments and ReplicaSets belong
// to (apps, or extensions on very old clusters).
func isAppsGroup(apiVersion string) bool {
	group, _, ok := strings.Cut(apiVersion, "/")
	return ok && (group == "apps" || group == "extensions")
}
