package detection

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/issue"
)

// Deployment returns a stuck_rollout symptom when the deployment controller gave up on the
// rollout (condition Progressing False with reason ProgressDeadlineExceeded), else nil. A
// Deployment being deleted has none.
func Deployment(d *appsv1.Deployment) []Symptom {
	if d == nil || d.DeletionTimestamp != nil {
		return nil
	}
	for i := range d.Status.Conditions {
		c := &d.Status.Conditions[i]
		if c.Type != appsv1.DeploymentProgressing || c.Status != corev1.ConditionFalse || c.Reason != reasonProgressDeadlineExceeded {
			continue
		}
		return []Symptom{{
			Issue: issue.StuckRollout, Reason: c.Reason, Severity: v1alpha1.SeverityHigh,
			Message: conditionMessage(string(c.Type), string(c.Status), c.Reason, c.Message),
		}}
	}
	return nil
}
