package coordination

import (
	"context"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/workflow"
)

// update writes the workflow's status through workflow.UpdateStatus.
func (c *Controller) update(ctx context.Context, wf *v1alpha1.RemediationWorkflow, fn func(*v1alpha1.RemediationWorkflow)) error {
	return workflow.UpdateStatus(ctx, c.Client, c.APIReader, wf, fn)
}
