package workflow

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
)

// ErrFinished means the workflow reached a final phase elsewhere (a client cancelled it) while a
// controller was working on it; the controller stops.
var ErrFinished = errors.New("workflow finished meanwhile")

// UpdateStatus applies fn to the workflow and writes its status with c. On a conflict it reads
// the workflow fresh with reader and applies fn again, so fn must only set fields. It returns
// ErrFinished, leaving wf as found, when the workflow was finished meanwhile.
func UpdateStatus(ctx context.Context, c client.Client, reader client.Reader, wf *v1alpha1.RemediationWorkflow,
	fn func(*v1alpha1.RemediationWorkflow)) error {
	cur := wf.DeepCopy()
	for attempt := 0; ; attempt++ {
		fn(cur)
		cur.Status.ObservedGeneration = cur.Generation
		err := c.Status().Update(ctx, cur)
		if err == nil {
			*wf = *cur
			return nil
		}
		if !apierrors.IsConflict(err) || attempt >= 5 {
			return fmt.Errorf("update workflow %s status: %w", wf.Name, err)
		}
		fresh := &v1alpha1.RemediationWorkflow{}
		if err := reader.Get(ctx, client.ObjectKeyFromObject(wf), fresh); err != nil {
			return fmt.Errorf("re-read workflow %s: %w", wf.Name, err)
		}
		if fresh.Phase().Finished() {
			*wf = *fresh
			return ErrFinished
		}
		cur = fresh
	}
}

// maxConditionMessage is the most of a message a condition keeps (the API's limit).
const maxConditionMessage = 32768

// SetCondition sets a condition at the workflow's generation; a longer message is cut.
func SetCondition(wf *v1alpha1.RemediationWorkflow, typ string, status metav1.ConditionStatus, reason, message string) {
	if len(message) > maxConditionMessage {
		message = message[:maxConditionMessage]
	}
	meta.SetStatusCondition(&wf.Status.Conditions, metav1.Condition{Type: typ, Status: status, Reason: reason,
		Message: message, ObservedGeneration: wf.Generation})
}
