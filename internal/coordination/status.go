package coordination

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

// errFinished means the workflow reached a final phase elsewhere (a client cancelled it) while
// the controller was working on it; the controller stops.
var errFinished = errors.New("workflow finished meanwhile")

// update applies fn to the workflow and writes its status. On a conflict it reads the workflow
// fresh and applies fn again, so fn must only set fields. It returns errFinished, leaving wf as
// found, when the workflow was finished meanwhile.
func (c *Controller) update(ctx context.Context, wf *v1alpha1.RemediationWorkflow, fn func(*v1alpha1.RemediationWorkflow)) error {
	cur := wf.DeepCopy()
	for attempt := 0; ; attempt++ {
		fn(cur)
		cur.Status.ObservedGeneration = cur.Generation
		err := c.Client.Status().Update(ctx, cur)
		if err == nil {
			*wf = *cur
			return nil
		}
		if !apierrors.IsConflict(err) || attempt >= 5 {
			return fmt.Errorf("update workflow %s status: %w", wf.Name, err)
		}
		fresh := &v1alpha1.RemediationWorkflow{}
		if err := c.APIReader.Get(ctx, client.ObjectKeyFromObject(wf), fresh); err != nil {
			return fmt.Errorf("re-read workflow %s: %w", wf.Name, err)
		}
		if fresh.Phase().Finished() {
			*wf = *fresh
			return errFinished
		}
		cur = fresh
	}
}

// setCondition sets a condition at the workflow's generation.
func setCondition(wf *v1alpha1.RemediationWorkflow, typ string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(&wf.Status.Conditions, metav1.Condition{Type: typ, Status: status, Reason: reason,
		Message: truncate(message, 32768), ObservedGeneration: wf.Generation})
}
