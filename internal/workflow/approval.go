package workflow

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
)

// StateError means the workflow is not in a state that allows the request (approving a workflow
// that does not wait for approval).
type StateError struct {
	ID      string
	Message string
}

func (e *StateError) Error() string { return fmt.Sprintf("workflow %s %s", e.ID, e.Message) }

// Decide records a person's approval or rejection on a workflow that waits for approval; the
// executor acts on it. Deciding the same way twice is not an error.
func (s *Service) Decide(ctx context.Context, id string, decision v1alpha1.ApprovalDecision, by, reason string) (*v1alpha1.RemediationWorkflow, error) {
	var out *v1alpha1.RemediationWorkflow
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var wf v1alpha1.RemediationWorkflow
		if err := s.reader.Get(ctx, client.ObjectKey{Namespace: s.namespace, Name: id}, &wf); err != nil {
			if apierrors.IsNotFound(err) {
				return fmt.Errorf("%w: %s", ErrNotFound, id)
			}
			return fmt.Errorf("get workflow %s: %w", id, err)
		}
		if a := wf.Spec.Approval; a != nil {
			if a.Decision == decision {
				out = &wf
				return nil
			}
			return &StateError{ID: id, Message: "was already " + string(a.Decision) + " by " + a.By}
		}
		if wf.Phase() != v1alpha1.WorkflowAwaitingApproval {
			return &StateError{ID: id, Message: "is " + string(wf.Phase()) + ", not awaiting_approval"}
		}
		wf.Spec.Approval = &v1alpha1.Approval{Decision: decision, By: by, Reason: reason, At: metav1.NewTime(s.now().UTC())}
		if err := s.writer.Update(ctx, &wf); err != nil {
			return err
		}
		out = &wf
		return nil
	})
	if err != nil {
		var se *StateError
		if errors.As(err, &se) || errors.Is(err, ErrNotFound) {
			return nil, err
		}
		return nil, fmt.Errorf("decide workflow %s: %w", id, err)
	}
	s.index.Upsert(out)
	return out, nil
}
