package incident

import (
	"context"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
)

// Start moves a pending incident to running: a workflow has begun to act on it.
func (s *Service) Start(ctx context.Context, id string) (*v1alpha1.Incident, error) {
	return s.mutate(ctx, id, func(inc *v1alpha1.Incident) (bool, bool, error) {
		if inc.Phase() != v1alpha1.IncidentPending {
			return false, false, nil
		}
		s.setPhase(inc, v1alpha1.IncidentRunning)
		return false, true, nil
	})
}

// Resolve completes an unfinished incident: its workflow's change was verified.
func (s *Service) Resolve(ctx context.Context, id, message string) (*v1alpha1.Incident, error) {
	return s.mutate(ctx, id, func(inc *v1alpha1.Incident) (bool, bool, error) {
		if inc.Phase().Finished() {
			return false, false, nil
		}
		s.setPhase(inc, v1alpha1.IncidentCompleted)
		meta.SetStatusCondition(&inc.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionVerified,
			Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonRecovered, Message: message, ObservedGeneration: inc.Generation})
		meta.RemoveStatusCondition(&inc.Status.Conditions, v1alpha1.ConditionEscalated)
		return false, true, nil
	})
}

// Escalate hands an unfinished incident back to people for workflow (its UID): it stays open, its
// severity rises one step (low to medium, medium to high, high to critical), and the Escalated
// condition says why. The severity rises once per workflow: the annotation AnnotationEscalatedBy
// names the workflow that raised it, so a retried escalation (or one whose status write
// conflicted) does not raise it again.
func (s *Service) Escalate(ctx context.Context, id, workflow, reason, message string) (*v1alpha1.Incident, error) {
	return s.mutate(ctx, id, func(inc *v1alpha1.Incident) (bool, bool, error) {
		if inc.Phase().Finished() {
			return false, false, nil
		}
		spec := false
		if next := raise(inc.Spec.Severity); next != inc.Spec.Severity && inc.Annotations[v1alpha1.AnnotationEscalatedBy] != workflow {
			inc.Spec.Severity, inc.Spec.Priority, spec = next, next.Priority(), true
			if inc.Annotations == nil {
				inc.Annotations = map[string]string{}
			}
			inc.Annotations[v1alpha1.AnnotationEscalatedBy] = workflow
		}
		if inc.Phase() == v1alpha1.IncidentPending {
			s.setPhase(inc, v1alpha1.IncidentRunning)
		}
		meta.SetStatusCondition(&inc.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionEscalated,
			Status: metav1.ConditionTrue, Reason: reason, Message: message, ObservedGeneration: inc.Generation})
		return spec, true, nil
	})
}

func raise(s v1alpha1.Severity) v1alpha1.Severity {
	switch s {
	case v1alpha1.SeverityLow:
		return v1alpha1.SeverityMedium
	case v1alpha1.SeverityMedium:
		return v1alpha1.SeverityHigh
	default:
		return v1alpha1.SeverityCritical
	}
}

// Reopen moves a finished incident back to pending: the problem came back, or someone asks to
// remediate it again. An unfinished incident is returned as it is.
func (s *Service) Reopen(ctx context.Context, id, message string) (*v1alpha1.Incident, error) {
	return s.mutate(ctx, id, func(inc *v1alpha1.Incident) (bool, bool, error) {
		if !inc.Phase().Finished() {
			return false, false, nil
		}
		s.setPhase(inc, v1alpha1.IncidentPending)
		inc.Status.CancelledBy = ""
		// The annotation that limits escalations stays on the spec; a recurrence escalates with
		// new workflows, whose UIDs differ.
		meta.RemoveStatusCondition(&inc.Status.Conditions, v1alpha1.ConditionVerified)
		meta.SetStatusCondition(&inc.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionReopened,
			Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonRecurred, Message: message, ObservedGeneration: inc.Generation})
		return false, true, nil
	})
}
