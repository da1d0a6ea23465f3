package argocd

import (
	"context"
	"fmt"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
)

// conflictRetries is how often Request re-reads an Application that changed under it.
const conflictRetries = 5

// ApplicationPatcher reads and patches Applications. The strategy passes its client inside the
// guardrail Writer's External closure, which runs only under a live permit and records the
// change; nothing else here writes.
type ApplicationPatcher interface {
	Getter
	Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.PatchOption) error
}

// Request sends req to its Application, the way Argo CD's API server sets an operation: it
// re-reads the Application, refuses a sync with a retryable v1alpha1.ReasonOperationInProgress
// *action.Refusal when another operation started since PlanSync, and patches it conditionally on
// the resourceVersion read, reading again after a Conflict (up to five times). A sync the engine
// already requested for the same revision (requested or running) is not requested again, so
// sending a request twice has the effect of sending it once. Call it inside
// guardrail.Writer.External:
//
//	writer.External(ctx, permit, change, false, func(ctx context.Context) error {
//		// push the commit, then:
//		return argocd.Request(ctx, client, req)
//	})
func Request(ctx context.Context, c ApplicationPatcher, req SyncRequest) error {
	for attempt := 1; ; attempt++ {
		app, err := ReadApplication(ctx, c, req.Namespace, req.Name)
		if err != nil {
			return fmt.Errorf("%s: %w", req.Summary(), err)
		}
		if req.Kind == RequestSync {
			if req.requested(app) {
				return nil
			}
			if app.Running() {
				return action.Refuse(v1alpha1.ReasonOperationInProgress, true,
					"Application %s has an operation in progress%s; Argo CD runs one at a time", app.Ref(), runningWhat(app))
			}
		}
		patch, err := req.Patch(app.ResourceVersion)
		if err != nil {
			return err
		}
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(ApplicationGVK)
		u.SetNamespace(req.Namespace)
		u.SetName(req.Name)
		err = c.Patch(ctx, u, client.RawPatch(types.MergePatchType, patch))
		if apierrors.IsConflict(err) && attempt < conflictRetries {
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: %w", req.Summary(), err)
		}
		return nil
	}
}

// requested reports whether app already has (or runs) the sync req asks for, requested by the
// engine.
func (r SyncRequest) requested(app Application) bool {
	same := func(op Operation) bool {
		return op.Sync && op.Username == Username && !op.Automated &&
			op.Revision == r.Revision && slices.Equal(op.Revisions, r.Revisions)
	}
	if app.Operation != nil {
		return same(*app.Operation)
	}
	s := app.Status.OperationState
	return s != nil && (s.Phase == PhaseRunning || s.Phase == PhaseTerminating) && same(s.Operation)
}
