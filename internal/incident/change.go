package incident

import (
	"context"
	"fmt"
	"maps"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
)

// Change is a validated partial update; nil fields stay as they are.
type Change struct {
	Title, Description *string
	Severity           *v1alpha1.Severity
	// Labels are merged into the existing labels.
	Labels            map[string]string
	AffectedResources *[]string
	Phase             *v1alpha1.IncidentPhase
}

// Update applies a change with optimistic concurrency (re-read and retry on conflict).
func (s *Service) Update(ctx context.Context, id string, c Change) (*v1alpha1.Incident, error) {
	return s.mutate(ctx, id, func(inc *v1alpha1.Incident) (bool, bool, error) {
		if c.Phase != nil && *c.Phase == v1alpha1.IncidentCancelled &&
			(inc.Phase() == v1alpha1.IncidentCompleted || inc.Phase() == v1alpha1.IncidentFailed) {
			return false, false, &StateError{ID: id, Message: "is already " + string(inc.Phase()) + " and cannot be cancelled"}
		}
		spec := applySpec(&inc.Spec, c)
		var status bool
		if c.Phase != nil && *c.Phase != inc.Phase() {
			s.setPhase(inc, *c.Phase)
			status = true
		}
		return spec, status, nil
	})
}

func applySpec(spec *v1alpha1.IncidentSpec, c Change) bool {
	changed := false
	if c.Title != nil && *c.Title != spec.Title {
		spec.Title, changed = *c.Title, true
	}
	if c.Description != nil && *c.Description != spec.Description {
		spec.Description, changed = *c.Description, true
	}
	if c.Severity != nil && *c.Severity != spec.Severity {
		spec.Severity, spec.Priority, changed = *c.Severity, c.Severity.Priority(), true
	}
	if len(c.Labels) > 0 {
		merged := maps.Clone(spec.Labels)
		if merged == nil {
			merged = map[string]string{}
		}
		maps.Copy(merged, c.Labels)
		if !maps.Equal(merged, spec.Labels) {
			spec.Labels, changed = merged, true
		}
	}
	if c.AffectedResources != nil {
		spec.AffectedResources, changed = *c.AffectedResources, true
	}
	return changed
}

// setPhase moves the incident to phase and keeps the timestamps consistent.
func (s *Service) setPhase(inc *v1alpha1.Incident, phase v1alpha1.IncidentPhase) {
	now := metav1.NewTime(s.now().UTC())
	inc.Status.Phase = phase
	switch {
	case phase == v1alpha1.IncidentRunning && inc.Status.StartedAt == nil:
		inc.Status.StartedAt = &now
	case phase.Finished():
		inc.Status.CompletedAt = &now
	case phase == v1alpha1.IncidentPending:
		inc.Status.CompletedAt = nil
	}
}

// Cancel cancels an incident that is not finished; cancelling a cancelled one changes nothing.
func (s *Service) Cancel(ctx context.Context, id, by string) (*v1alpha1.Incident, error) {
	return s.mutate(ctx, id, func(inc *v1alpha1.Incident) (bool, bool, error) {
		switch inc.Phase() {
		case v1alpha1.IncidentCancelled:
			return false, false, nil
		case v1alpha1.IncidentCompleted, v1alpha1.IncidentFailed:
			return false, false, &StateError{ID: id, Message: "is already " + string(inc.Phase()) + " and cannot be cancelled"}
		}
		s.setPhase(inc, v1alpha1.IncidentCancelled)
		inc.Status.CancelledBy = by
		return false, true, nil
	})
}

// Correlate links the incident to others, which must exist.
func (s *Service) Correlate(ctx context.Context, id string, c v1alpha1.Correlation) (*v1alpha1.Incident, error) {
	for i, other := range c.IncidentIDs {
		if other == id {
			return nil, &FieldError{Field: fmt.Sprintf("relatedIncidents[%d]", i), Message: "an incident cannot be correlated with itself"}
		}
		if _, err := s.Get(ctx, other); err != nil {
			return nil, &FieldError{Field: fmt.Sprintf("relatedIncidents[%d]", i), Message: "no incident " + other}
		}
	}
	c.At = metav1.NewTime(s.now().UTC())
	return s.mutate(ctx, id, func(inc *v1alpha1.Incident) (bool, bool, error) {
		inc.Status.Correlations = append(inc.Status.Correlations, c)
		return false, true, nil
	})
}

// mutate reads the incident fresh from the API server, lets fn change it (reporting whether the
// spec and the status changed), writes what changed, and retries the whole on a conflict.
func (s *Service) mutate(ctx context.Context, id string, fn func(*v1alpha1.Incident) (spec, status bool, err error)) (*v1alpha1.Incident, error) {
	var out *v1alpha1.Incident
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var inc v1alpha1.Incident
		if err := s.reader.Get(ctx, client.ObjectKey{Namespace: s.namespace, Name: id}, &inc); err != nil {
			if apierrors.IsNotFound(err) {
				return fmt.Errorf("%w: %s", ErrNotFound, id)
			}
			return fmt.Errorf("get incident %s: %w", id, err)
		}
		specChanged, statusChanged, err := fn(&inc)
		if err != nil {
			return err
		}
		if specChanged {
			status := inc.Status
			if err := s.writer.Update(ctx, &inc); err != nil {
				return err
			}
			inc.Status = status
		}
		if statusChanged || specChanged {
			inc.Status.ObservedGeneration = inc.Generation
			if err := s.writer.Status().Update(ctx, &inc); err != nil {
				return err
			}
		}
		out = &inc
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.index.Upsert(out)
	return out, nil
}

// LinkWorkflow records on the incident that a workflow works on it.
func (s *Service) LinkWorkflow(ctx context.Context, id, workflowName string) (*v1alpha1.Incident, error) {
	return s.mutate(ctx, id, func(inc *v1alpha1.Incident) (bool, bool, error) {
		if inc.Status.WorkflowRef == workflowName {
			return false, false, nil
		}
		inc.Status.WorkflowRef = workflowName
		return false, true, nil
	})
}
