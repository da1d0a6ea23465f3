package argocd

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing/transport"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/gitrepo"
	"selfhealing.dev/coordination-engine/internal/guardrail"
	"selfhealing.dev/coordination-engine/internal/manifestedit"
	"selfhealing.dev/coordination-engine/internal/remediation"
)

// Apply makes the recorded change under p: it asks whether Argo CD may sync now (sync windows,
// an operation running: a retryable refusal, and nothing is pushed), makes the same edit on a
// fresh clone, commits and pushes it (again on a fresh clone when the branch moved meanwhile),
// and asks Argo CD to sync (or, with auto-sync, to refresh). A change pushed already (a retry,
// an engine restart) is found by its commit message and not made twice.
func (s *Strategy) Apply(ctx context.Context, p *guardrail.Permit, ch v1alpha1.Change) error {
	gc, err := decodeChange(ch.Patch)
	if err != nil {
		return err
	}
	return s.writer.External(ctx, p, ch, false, func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
		defer cancel()
		req, err := s.planSync(ctx, gc)
		if err != nil {
			return err
		}
		commit, err := s.pushWithRetries(ctx, gc, func(ctx context.Context, ws *workspace) (string, error) {
			if err := p.Live(); err != nil { // the clone took a while: still ours to change?
				return "", err
			}
			return s.commitEdit(ctx, ws, gc)
		})
		if err != nil {
			return err
		}
		s.remember(gc.Workflow, commit)
		if gc.Review != "" {
			return nil
		}
		if err := Request(ctx, s.apps, req); err != nil {
			return fmt.Errorf("%w: %s is in Git; %w", remediation.ErrPartlyApplied, commitOrHead(commit), err)
		}
		return nil
	})
}

func commitOrHead(commit string) string {
	if commit == "" {
		return "the change"
	}
	return "commit " + short(commit)
}

// Undo reverts the engine's commit with a commit of its own, pushes it and asks for a sync. A
// change proposed for review was never deployed, and is left to its reviewers.
func (s *Strategy) Undo(ctx context.Context, p *guardrail.Permit, ch v1alpha1.Change) error {
	gc, err := decodeChange(ch.Undo)
	if err != nil {
		return err
	}
	if gc.Review != "" {
		return nil
	}
	if len(gc.Files) == 0 {
		return errors.New("the engine made no commit (Git had the value already; it only asked for a sync): there is nothing of its own to revert")
	}
	return s.writer.External(ctx, p, ch, true, func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
		defer cancel()
		req, err := s.planSync(ctx, gc)
		if err != nil {
			return err
		}
		_, err = s.pushWithRetries(ctx, gc, func(ctx context.Context, ws *workspace) (string, error) {
			if err := p.Live(); err != nil {
				return "", err
			}
			return s.commitRevert(ctx, ws, gc)
		})
		if err != nil {
			return err
		}
		return Request(ctx, s.apps, req)
	})
}

// planSync reads the Application and its project now and plans the sync to the branch.
func (s *Strategy) planSync(ctx context.Context, gc gitChange) (SyncRequest, error) {
	app, err := ReadApplication(ctx, s.reader, gc.AppNamespace, gc.AppName)
	if err != nil {
		return SyncRequest{}, err
	}
	if gc.Review != "" {
		return SyncRequest{}, nil
	}
	project, err := ReadProject(ctx, s.reader, app.Namespace, app.Project)
	if err != nil && !apierrors.IsNotFound(err) {
		return SyncRequest{}, err
	}
	reason := fmt.Sprintf("coordination-engine: incident %s, workflow %s", gc.Incident, gc.Workflow)
	if op := app.Operation; op != nil && op.Sync && op.Username == Username && op.Revision == gc.Branch {
		// The engine's own sync of the branch is pending (Apply made again after a retry or a
		// restart): it rolls the commit out; Request sees it and asks nothing more.
		return SyncRequest{Namespace: app.Namespace, Name: app.Name, Kind: RequestSync, Revision: gc.Branch, Reason: reason}, nil
	}
	return PlanSync(app, project.SyncWindows, Want{Revision: gc.Branch, Source: gc.Source, Reason: reason}, s.now())
}

// pushWithRetries clones the branch, lets do commit on it and pushes, cloning again when the
// branch moved under it. do returns the commit to push ("" when there is nothing to push and
// the commit it found instead, via found).
func (s *Strategy) pushWithRetries(ctx context.Context, gc gitChange, do func(context.Context, *workspace) (string, error)) (string, error) {
	app, err := ReadApplication(ctx, s.reader, gc.AppNamespace, gc.AppName)
	if err != nil {
		return "", err
	}
	src := gc.source()
	for attempt := 1; ; attempt++ {
		commit, err := s.pushOnce(ctx, app, src, gc, do)
		if errors.Is(err, gitrepo.ErrNonFastForward) && attempt < s.opts.Attempts {
			continue
		}
		return commit, err
	}
}

func (s *Strategy) pushOnce(ctx context.Context, app Application, src Source, gc gitChange, do func(context.Context, *workspace) (string, error)) (string, error) {
	ws, err := s.checkoutForPush(ctx, app, src, gc)
	if err != nil {
		return "", err
	}
	defer ws.close()
	commit, err := do(ctx, ws)
	if err != nil || commit == "" {
		return commit, err
	}
	branch := ""
	if gc.Review != "" {
		branch = gc.Review
	}
	if _, err := ws.repo.Push(ctx, branch); err != nil {
		return "", pushRefusal(gc, err)
	}
	return commit, nil
}

// pushRefusal turns a push the remote will never take into a refusal, so the workflow ends with
// the reason instead of retrying: a revision that is no branch, missing or rejected credentials.
func pushRefusal(gc gitChange, err error) error {
	var nw *gitrepo.NotWritableError
	switch {
	case errors.As(err, &nw):
		return action.Refuse(v1alpha1.ReasonRepositoryReadOnly, false, "the engine cannot push to %s: %s", gc.RepoURL, nw.Reason)
	case errors.Is(err, transport.ErrAuthenticationRequired), errors.Is(err, transport.ErrAuthorizationFailed):
		return action.Refuse(v1alpha1.ReasonRepositoryReadOnly, false,
			"%s refused the engine's push (%v): give the credentials in Argo CD's repository Secret (or GIT_CREDENTIALS_SECRET) write access", gc.RepoURL, err)
	}
	return err
}

// checkoutForPush clones the branch the change goes to: the branch deployed from, or the review
// branch when it exists already (Apply made again: it holds the change and is built on).
func (s *Strategy) checkoutForPush(ctx context.Context, app Application, src Source, gc gitChange) (*workspace, error) {
	if gc.Review != "" {
		ws, err := s.checkout(ctx, app, src, gc.Review)
		if !errors.Is(err, gitrepo.ErrRevisionNotFound) {
			return ws, err
		}
	}
	return s.checkout(ctx, app, src, gc.Branch)
}

// commitEdit makes the recorded edit and commits it. When the branch already has the value, it
// returns the engine's earlier commit for the workflow if there is one (the change was pushed
// before a retry or a restart), else the branch head, which already carries the value; either
// way there is nothing to push.
func (s *Strategy) commitEdit(ctx context.Context, ws *workspace, gc gitChange) (string, error) {
	e := edit{target: gc.Target, field: manifestedit.Field(gc.Field), value: gc.Value, valuesFile: gc.ValuesFile,
		valuesPath: gc.ValuesPath, helmValue: gc.HelmValue}
	res, err := s.make(ctx, ws, e)
	if err != nil {
		return "", err
	}
	if !res.Changed() {
		if c, err := s.findCommit(ctx, ws, gc); err == nil && c != "" {
			return "", s.found(gc, c)
		}
		head, err := ws.repo.Head()
		if err != nil {
			return "", err
		}
		return "", s.found(gc, head)
	}
	return ws.repo.Commit(ctx, res.Paths(), gc.Message, s.opts.Author)
}

// commitRevert reverts the engine's commit for the workflow on the branch.
func (s *Strategy) commitRevert(ctx context.Context, ws *workspace, gc gitChange) (string, error) {
	commit, err := s.findCommit(ctx, ws, gc)
	if err != nil {
		return "", err
	}
	if commit == "" {
		return "", fmt.Errorf("revert: no commit of workflow %s on %s", gc.Workflow, gc.Branch)
	}
	paths, err := ws.repo.Revert(ctx, commit)
	if err != nil {
		return "", fmt.Errorf("revert %s: %w", short(commit), err)
	}
	if len(paths) == 0 {
		return "", nil // reverted before
	}
	return ws.repo.Commit(ctx, paths, revertMessage(gc, commit), s.opts.Author)
}

// findCommit looks for the workflow's commit in the history of the files the plan changed.
func (s *Strategy) findCommit(ctx context.Context, ws *workspace, gc gitChange) (string, error) {
	files := gc.Files
	if gc.ValuesFile != "" && len(files) == 0 {
		files = []string{gc.ValuesFile}
	}
	for _, f := range files {
		revs, err := ws.repo.FileHistory(ctx, f, s.opts.HistoryLimit)
		if err != nil {
			return "", fmt.Errorf("history of %s: %w", f, err)
		}
		for _, r := range revs {
			if ourCommit(r.Message, gc.Workflow) {
				return r.Commit, nil
			}
		}
	}
	return "", nil
}

// found records commit as the workflow's; nothing needs pushing.
func (s *Strategy) found(gc gitChange, commit string) error {
	s.remember(gc.Workflow, commit)
	return nil
}

func (s *Strategy) remember(workflow, commit string) {
	if commit == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.commits) >= maxRemembered {
		clear(s.commits) // finished workflows' entries; a live one finds its commit in Git again
	}
	s.commits[workflow] = commit
}

// maxRemembered bounds the strategy's memory of commits and inspected revisions; both are
// caches of what Git says.
const maxRemembered = 1024
