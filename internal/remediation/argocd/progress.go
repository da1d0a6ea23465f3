package argocd

import (
	"context"
	"fmt"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/chartvalues"
	"selfhealing.dev/coordination-engine/internal/manifestedit"
	"selfhealing.dev/coordination-engine/internal/remediation"
)

// Follow reports how far Argo CD rolled the change out: synced to a revision that contains the
// engine's commit (Done), a failed sync (Failed), or a sync to a revision that no longer carries
// the change (Reverted: someone reverted the commit or committed the old value back). A change
// pushed for review is reported as such.
func (s *Strategy) Follow(ctx context.Context, ch v1alpha1.Change) (remediation.Progress, error) {
	gc, err := decodeChange(ch.Patch)
	if err != nil {
		return remediation.Progress{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	commit := s.commit(gc.Workflow)
	if gc.Review != "" {
		return remediation.Progress{ForReview: fmt.Sprintf("branch %s of %s (commit %s); merge it into %s for Argo CD to deploy it",
			gc.Review, gc.RepoURL, short(commit), gc.Branch)}, nil
	}
	app, err := ReadApplication(ctx, s.reader, gc.AppNamespace, gc.AppName)
	if err != nil {
		return remediation.Progress{}, err
	}
	if commit == "" {
		if commit, err = s.commitOnBranch(ctx, app, gc); err != nil || commit == "" {
			return remediation.Progress{Checks: []string{fmt.Sprintf("the engine's commit for workflow %s is not on %s yet (waiting)", gc.Workflow, gc.Branch)}}, err
		}
	}
	return Follow(ctx, app, Rollout{Commit: commit, Source: gc.Source,
		Contains: func(ctx context.Context, revision string) (bool, error) {
			r, err := s.inspect(ctx, app, gc, commit, revision)
			return r.contains, err
		},
		Kept: func(ctx context.Context, revision string) (string, error) {
			r, err := s.inspect(ctx, app, gc, commit, revision)
			return r.kept, err
		}})
}

func (s *Strategy) commit(workflow string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commits[workflow]
}

// commitOnBranch finds the workflow's commit on the branch (after an engine restart).
func (s *Strategy) commitOnBranch(ctx context.Context, app Application, gc gitChange) (string, error) {
	ws, err := s.checkout(ctx, app, gc.source(), gc.Branch)
	if err != nil {
		return "", err
	}
	defer ws.close()
	c, err := s.findCommit(ctx, ws, gc)
	if err == nil && c == "" && len(gc.Files) == 0 {
		c = gc.Base // a sync-only change: the value was in Git at Base already
	}
	s.remember(gc.Workflow, c)
	return c, err
}

// inspect clones revision once per workflow and says whether it contains the commit and still
// carries the change.
func (s *Strategy) inspect(ctx context.Context, app Application, gc gitChange, commit, revision string) (seenRevision, error) {
	key := gc.Workflow + "@" + revision
	s.mu.Lock()
	r, ok := s.seen[key]
	s.mu.Unlock()
	if ok || revision == "" {
		return r, nil
	}
	ws, err := s.checkout(ctx, app, gc.source(), revision)
	if err != nil {
		return r, err
	}
	defer ws.close()
	if r.contains = revision == commit; !r.contains {
		if r.contains, err = ws.repo.Contains(ctx, commit, revision); err != nil {
			return r, err
		}
	}
	if r.contains {
		if r.kept, err = s.kept(ctx, ws, gc); err != nil {
			return r, err
		}
	}
	s.mu.Lock()
	if len(s.seen) >= maxRemembered {
		clear(s.seen) // finished workflows' entries; a live one clones its revision again
	}
	s.seen[key] = r
	s.mu.Unlock()
	return r, nil
}

// kept says why the checked-out source no longer carries the change ("" when it does).
func (s *Strategy) kept(ctx context.Context, ws *workspace, gc gitChange) (string, error) {
	if gc.ValuesPath != "" {
		v, err := readValues(ws, gc.ValuesFile)
		if err != nil {
			return fmt.Sprintf("%s is gone or unreadable: %v", gc.ValuesFile, err), nil
		}
		if got, _ := chartvalues.Lookup(v, chartvalues.ParsePath(gc.ValuesPath)); fmt.Sprint(got) != gc.HelmValue {
			return fmt.Sprintf("%s sets %s to %v, not %s", gc.ValuesFile, gc.ValuesPath, got, gc.HelmValue), nil
		}
		return "", nil
	}
	if gc.Field == string(manifestedit.FieldRestartedAt) {
		return "", nil // a later restart annotation is no revert
	}
	res, err := manifestedit.Apply(ctx, ws.src, gc.Target, manifestedit.Edit{Field: manifestedit.Field(gc.Field), Value: gc.Value})
	if err != nil {
		return fmt.Sprintf("the source no longer renders %s as changed: %v", gc.Target, err), nil
	}
	if res.Changed() {
		return fmt.Sprintf("the source sets %s of %s to %s, not %s", gc.Field, gc.Target, res.Current, gc.Value), nil
	}
	return "", nil
}

// source is the edited source as recorded.
func (c gitChange) source() Source {
	return Source{RepoURL: c.RepoURL, Path: c.Path, TargetRevision: c.Branch, Type: SourceType(c.SourceType)}
}
