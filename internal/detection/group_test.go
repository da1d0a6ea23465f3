package detection

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestGroupKey(t *testing.T) {
	const hash = "7d4b9c6f5d"
	tests := []struct {
		name     string
		pod      *corev1.Pod
		wantKind string
		wantName string
	}{
		{"a pod without owner is its own group",
			pod(), "Pod", "web-7d4b9c6f5d-x2x9q"},
		{"a pod of a Deployment's ReplicaSet groups under the Deployment",
			pod(labels("pod-template-hash", hash), ownedBy("apps/v1", "ReplicaSet", "web-"+hash, true)), "Deployment", "web"},
		{"a Deployment name with dashes is kept whole",
			pod(labels("pod-template-hash", hash), ownedBy("apps/v1", "ReplicaSet", "shop-web-api-"+hash, true)), "Deployment", "shop-web-api"},
		{"a ReplicaSet whose pod has no pod-template-hash label is the group",
			pod(ownedBy("apps/v1", "ReplicaSet", "web-"+hash, true)), "ReplicaSet", "web-" + hash},
		{"a ReplicaSet whose name does not end in the hash is the group",
			pod(labels("pod-template-hash", hash), ownedBy("apps/v1", "ReplicaSet", "standalone", true)), "ReplicaSet", "standalone"},
		{"a ReplicaSet whose name ends in the hash without a dash is the group",
			pod(labels("pod-template-hash", hash), ownedBy("apps/v1", "ReplicaSet", "web"+hash, true)), "ReplicaSet", "web" + hash},
		{"a ReplicaSet named only by the hash is the group",
			pod(labels("pod-template-hash", hash), ownedBy("apps/v1", "ReplicaSet", "-"+hash, true)), "ReplicaSet", "-" + hash},
		{"a custom kind called ReplicaSet in another group is not a Deployment's",
			pod(labels("pod-template-hash", hash), ownedBy("example.com/v1", "ReplicaSet", "web-"+hash, true)), "ReplicaSet", "web-" + hash},
		{"a StatefulSet pod groups under the StatefulSet",
			pod(ownedBy("apps/v1", "StatefulSet", "db", true)), "StatefulSet", "db"},
		{"a DaemonSet pod groups under the DaemonSet",
			pod(ownedBy("apps/v1", "DaemonSet", "agent", true)), "DaemonSet", "agent"},
		{"a Job pod groups under the Job",
			pod(ownedBy("batch/v1", "Job", "backup-29000000", true)), "Job", "backup-29000000"},
		{"a pod of a custom controller groups under its kind",
			pod(ownedBy("argoproj.io/v1alpha1", "Rollout", "web", true)), "Rollout", "web"},
		{"an owner that is not the controller is ignored",
			pod(ownedBy("v1", "ConfigMap", "settings", false)), "Pod", "web-7d4b9c6f5d-x2x9q"},
		{"the controller is found among other owners",
			pod(ownedBy("v1", "ConfigMap", "settings", false), ownedBy("apps/v1", "StatefulSet", "db", true)), "StatefulSet", "db"},
		{"no pod has no group", nil, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind, name := GroupKey(tt.pod)
			if kind != tt.wantKind || name != tt.wantName {
				t.Errorf("GroupKey() = %s/%s, want %s/%s", kind, name, tt.wantKind, tt.wantName)
			}
		})
	}
}

func TestGroupKeyIsTheDeploymentAcrossARollout(t *testing.T) {
	old := pod(labels("pod-template-hash", "5f6c7d8e9a"), ownedBy("apps/v1", "ReplicaSet", "web-5f6c7d8e9a", true))
	current := pod(labels("pod-template-hash", "7d4b9c6f5d"), ownedBy("apps/v1", "ReplicaSet", "web-7d4b9c6f5d", true))
	oldKind, oldName := GroupKey(old)
	kind, name := GroupKey(current)
	if oldKind != kind || oldName != name {
		t.Errorf("GroupKey() = %s/%s for the old ReplicaSet and %s/%s for the new one, want one key", oldKind, oldName, kind, name)
	}
}
