package helm

import (
	"context"
	"errors"
	"fmt"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/kube"
	rcommon "helm.sh/helm/v4/pkg/release/common"
	release "helm.sh/helm/v4/pkg/release/v1"
	"helm.sh/helm/v4/pkg/storage"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	internalaction "selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/chartvalues"
	"selfhealing.dev/coordination-engine/internal/guardrail"
)

// Apply makes change's rollback or upgrade through the guardrail's Writer.External under p.
// A release whose revision above the planned one is already this change's is left alone (the
// change was applied before, perhaps before an engine restart); a release with any other
// revision above the planned one returns ErrReleaseMoved. A stuck pending revision the plan
// recorded is marked failed first. Only hooks are waited for; the executor verifies the workload.
func (s *Strategy) Apply(ctx context.Context, p *guardrail.Permit, change v1alpha1.Change) error {
	if change.Operation == v1alpha1.OperationPatch {
		return s.writer.Apply(ctx, p, change) // a restart
	}
	op, err := decode(change.Patch)
	if err != nil {
		return err
	}
	return s.run(ctx, p, change, op, false)
}

// Undo rolls the release back to the revision that was current when change was planned, over
// the revision change made, the same way (and as idempotently) as Apply; ErrReleaseMoved when
// someone changed the release after it.
func (s *Strategy) Undo(ctx context.Context, p *guardrail.Permit, change v1alpha1.Change) error {
	if change.Undo == "" {
		return fmt.Errorf("undo %s: %w", change.Summary, errors.New("the change cannot be undone"))
	}
	op, err := decode(change.Undo)
	if err != nil {
		return err
	}
	return s.run(ctx, p, change, op, true)
}

func (s *Strategy) run(ctx context.Context, p *guardrail.Permit, change v1alpha1.Change, op operation, undo bool) error {
	store := s.releases.storage(op.Namespace)
	hist, err := history(store, op.Namespace, op.Release)
	if err != nil {
		return err
	}
	if mine := own(hist, op); mine != nil {
		return nil
	}
	if latest := hist[len(hist)-1]; latest.Version != op.Revision {
		// A refusal too: it does not go away, so the workflow ends instead of retrying.
		return fmt.Errorf("%w: %w", ErrReleaseMoved, internalaction.Refuse(v1alpha1.ReasonReleaseMoved, false,
			"Helm release %s/%s is at revision %d (%s, %q), the change was planned at %d: someone changed it since, and the engine does not change it over them",
			op.Namespace, op.Release, latest.Version, status(latest), latest.Info.Description, op.Revision))
	}
	return s.writer.External(ctx, p, change, undo, func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
		defer cancel()
		err := s.execute(ctx, store, op)
		if err != nil {
			s.markOwnFailure(store, op, err)
		}
		return err
	})
}

// own is the revision above op.Revision that op made; nil when there is none.
func own(hist []*release.Release, op operation) *release.Release {
	for i := len(hist) - 1; i >= 0 && hist[i].Version > op.Revision; i-- {
		if hist[i].Info != nil && op.ours(hist[i].Info.Description) {
			return hist[i]
		}
	}
	return nil
}

// execute runs op with the Helm SDK.
func (s *Strategy) execute(ctx context.Context, store *storage.Storage, op operation) error {
	cfg, err := s.configuration(op.Namespace)
	if err != nil {
		return err
	}
	if op.MarkFailed != 0 {
		if err := markFailed(store, op); err != nil {
			return err
		}
	}
	switch op.Kind {
	case kindRollback:
		rb := action.NewRollback(cfg)
		rb.Version, rb.Description, rb.MaxHistory = op.ToRevision, op.Description, s.opts.MaxHistory
		rb.Timeout, rb.WaitStrategy = s.opts.Timeout, kube.HookOnlyStrategy
		// Helm applies a rollback the way the target revision was applied; see the upgrade below.
		rb.ForceConflicts = appliedServerSide(store, op.Release, op.ToRevision)
		if err := rb.Run(op.Release); err != nil {
			return fmt.Errorf("roll back %s/%s to revision %d: %w", op.Namespace, op.Release, op.ToRevision, err)
		}
		return nil
	case kindUpgrade:
		ri, err := store.Get(op.Release, op.FromRevision)
		if err != nil {
			return fmt.Errorf("read revision %d of %s/%s: %w", op.FromRevision, op.Namespace, op.Release, err)
		}
		base, ok := ri.(*release.Release)
		if !ok {
			return fmt.Errorf("read revision %d of %s/%s: record of type %T", op.FromRevision, op.Namespace, op.Release, ri)
		}
		up := action.NewUpgrade(cfg)
		up.Namespace, up.Description, up.MaxHistory = op.Namespace, op.Description, s.opts.MaxHistory
		up.Timeout, up.WaitStrategy = s.opts.Timeout, kube.HookOnlyStrategy
		// A release applied server-side (Helm 4's default) has its fields owned by the field
		// manager that installed it ("helm" for the CLI); the engine applies as its own
		// ("coordination-engine", so managedFields say who changed what) and takes over the
		// fields it changes, as `helm upgrade --force-conflicts` does. Without it every upgrade
		// of such a release fails with a conflict on the very field the engine changes. Helm
		// upgrades the way the latest revision was applied, and refuses the option client-side.
		up.ForceConflicts = appliedServerSide(store, op.Release, 0)
		// Exactly the revision's user-supplied values plus the override: no reuse, no reset
		// surprises.
		up.ResetValues = true
		values := chartvalues.SetPath(base.Config, op.Path, op.Value)
		if _, err := up.RunWithContext(ctx, op.Release, base.Chart, values); err != nil {
			return fmt.Errorf("upgrade %s/%s with %s=%v: %w", op.Namespace, op.Release, op.Path, op.Value, err)
		}
		return nil
	}
	return fmt.Errorf("%w: kind %q", ErrBadChange, op.Kind)
}

// appliedServerSide says whether revision (0: the latest) of the release was applied with
// server-side apply; false when it cannot be read (Helm then fails on its own read).
func appliedServerSide(store *storage.Storage, name string, revision int) bool {
	var ri any
	var err error
	if revision == 0 {
		ri, err = store.Last(name)
	} else {
		ri, err = store.Get(name, revision)
	}
	r, ok := ri.(*release.Release)
	return err == nil && ok && r.ApplyMethod == string(release.ApplyMethodServerSideApply)
}

// markFailed marks the stuck revision op.MarkFailed failed, if it is still pending.
func markFailed(store *storage.Storage, op operation) error {
	ri, err := store.Get(op.Release, op.MarkFailed)
	if err != nil {
		return fmt.Errorf("read stuck revision %d of %s/%s: %w", op.MarkFailed, op.Namespace, op.Release, err)
	}
	rel, ok := ri.(*release.Release)
	if !ok || !status(rel).IsPending() {
		return nil
	}
	rel.SetStatus(rcommon.StatusFailed, truncate(fmt.Sprintf("%s: marked failed, stuck %s since %s", op.Description, status(rel),
		rel.Info.LastDeployed.UTC().Format("2006-01-02T15:04:05Z")), action.MaxDescriptionLength))
	if err := store.Update(rel); err != nil {
		return fmt.Errorf("mark stuck revision %d of %s/%s failed: %w", op.MarkFailed, op.Namespace, op.Release, err)
	}
	return nil
}

// markOwnFailure puts op's description back on the revision a failed rollback or upgrade made
// (Helm replaces it with the failure), so Follow and a second Apply still recognise it.
func (s *Strategy) markOwnFailure(store *storage.Storage, op operation, cause error) {
	ri, err := store.Get(op.Release, op.Revision+1)
	if err != nil {
		return
	}
	rel, ok := ri.(*release.Release)
	if !ok || rel.Info == nil || op.ours(rel.Info.Description) {
		return
	}
	rel.Info.Description = truncate(op.Description+": "+rel.Info.Description, action.MaxDescriptionLength)
	if err := store.Update(rel); err != nil {
		s.releases.logger().Error(err, "Could not mark a failed revision as the engine's", "release", op.Namespace+"/"+op.Release,
			"revision", rel.Version, "cause", cause.Error())
	}
}
