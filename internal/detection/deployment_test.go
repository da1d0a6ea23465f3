package detection

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/issue"
)

func deployment(conditions ...appsv1.DeploymentCondition) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web"},
		Status:     appsv1.DeploymentStatus{Conditions: conditions},
	}
}

func deploymentCondition(typ appsv1.DeploymentConditionType, status corev1.ConditionStatus, reason, message string) appsv1.DeploymentCondition {
	return appsv1.DeploymentCondition{Type: typ, Status: status, Reason: reason, Message: message}
}

func TestDeployment(t *testing.T) {
	stuck := deploymentCondition(appsv1.DeploymentProgressing, corev1.ConditionFalse, "ProgressDeadlineExceeded",
		`ReplicaSet "web-7d4b9c6f5d" has timed out progressing.`)
	beingDeleted := deployment(stuck)
	beingDeleted.DeletionTimestamp = &metav1.Time{}
	tests := []struct {
		name       string
		deployment *appsv1.Deployment
		want       []Symptom
	}{
		{"a rollout past its progress deadline is stuck_rollout",
			deployment(deploymentCondition(appsv1.DeploymentAvailable, corev1.ConditionTrue, "MinimumReplicasAvailable", ""), stuck),
			[]Symptom{{Issue: issue.StuckRollout, Reason: "ProgressDeadlineExceeded", Severity: v1alpha1.SeverityHigh,
				Message: `Progressing=False (ProgressDeadlineExceeded): ReplicaSet "web-7d4b9c6f5d" has timed out progressing.`}}},
		{"a completed rollout has no symptoms",
			deployment(deploymentCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, "NewReplicaSetAvailable", "")), nil},
		{"a rollout in progress has no symptoms",
			deployment(deploymentCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, "ReplicaSetUpdated", "")), nil},
		{"a paused rollout has no symptoms",
			deployment(deploymentCondition(appsv1.DeploymentProgressing, corev1.ConditionUnknown, "DeploymentPaused", "")), nil},
		{"too few available replicas alone is not a stuck rollout",
			deployment(deploymentCondition(appsv1.DeploymentAvailable, corev1.ConditionFalse, "MinimumReplicasUnavailable", "")), nil},
		{"a Deployment without conditions has no symptoms", deployment(), nil},
		{"a Deployment being deleted has no symptoms", beingDeleted, nil},
		{"no Deployment has no symptoms", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Deployment(tt.deployment)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Deployment() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
