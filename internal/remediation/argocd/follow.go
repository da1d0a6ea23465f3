package argocd

import (
	"context"
	"fmt"

	"selfhealing.dev/coordination-engine/internal/remediation"
)

// Rollout is the change Follow follows: a commit on the Application's edited source.
type Rollout struct {
	// Commit is the SHA of the engine's commit.
	Commit string
	// Source is the index of the edited source in Application.Sources.
	Source int
	// Contains reports whether revision is Commit or a descendant of it (the Git side answers).
	Contains func(ctx context.Context, revision string) (bool, error)
	// Kept, when set, says why the source at revision no longer carries the change (someone
	// committed the old value back); "" when it does.
	Kept func(ctx context.Context, revision string) (string, error)
}

// Follow turns the Application's status into the rollout's Progress:
//
//   - Done: status.sync is Synced at a revision that contains the commit (health is reported
//     in Checks and not waited for: the executor judges the workload itself);
//   - Reverted: synced at a revision that contains the commit but Kept says the value is gone,
//     or at a revision without the commit after status.history recorded one with it;
//   - Failed: the last operation, for the commit (the engine's, or resolved to a revision that
//     contains it), ended Failed or Error; its message is included;
//   - otherwise waiting, with Checks saying for what.
//
// Errors are those of Contains and Kept, wrapped.
func Follow(ctx context.Context, app Application, r Rollout) (remediation.Progress, error) {
	var p remediation.Progress
	revision := app.Status.Revision
	if app.MultiSource {
		revision = ""
		if r.Source >= 0 && r.Source < len(app.Status.Revisions) {
			revision = app.Status.Revisions[r.Source]
		}
	}
	ours, err := contains(ctx, r, revision)
	if err != nil {
		return p, err
	}
	p.Checks = append(p.Checks, syncCheck(app, revision, ours, r.Commit), healthCheck(app))
	if line := operationCheck(app); line != "" {
		p.Checks = append(p.Checks, line)
	}
	if app.Status.SyncStatus == SyncStatusSynced && ours {
		if r.Kept != nil {
			why, err := r.Kept(ctx, revision)
			if err != nil {
				return p, fmt.Errorf("follow Application %s: %w", app.Ref(), err)
			}
			if why != "" {
				p.Reverted = fmt.Sprintf("Application %s is synced to %s, which no longer carries the change: %s", app.Ref(), short(revision), why)
				return p, nil
			}
		}
		p.Done = true
		return p, nil
	}
	if app.Status.SyncStatus == SyncStatusSynced && revision != "" {
		deployed, err := deployedBefore(ctx, app, r)
		if err != nil {
			return p, err
		}
		if deployed != "" {
			p.Reverted = fmt.Sprintf("Application %s is synced to %s, which does not contain commit %s that it deployed at %s",
				app.Ref(), short(revision), short(r.Commit), short(deployed))
			return p, nil
		}
	}
	failed, err := failedForUs(ctx, app, r)
	if err != nil {
		return p, err
	}
	p.Failed = failed
	return p, nil
}

func contains(ctx context.Context, r Rollout, revision string) (bool, error) {
	if revision == "" || r.Contains == nil {
		return false, nil
	}
	if revision == r.Commit {
		return true, nil
	}
	ok, err := r.Contains(ctx, revision)
	if err != nil {
		return false, fmt.Errorf("does %s contain commit %s: %w", short(revision), short(r.Commit), err)
	}
	return ok, nil
}

// deployedBefore is the newest revision of status.history that contains the commit, "" when none.
func deployedBefore(ctx context.Context, app Application, r Rollout) (string, error) {
	for i := len(app.Status.History) - 1; i >= 0; i-- {
		h := app.Status.History[i]
		rev := h.Revision
		if app.MultiSource {
			rev = ""
			if r.Source >= 0 && r.Source < len(h.Revisions) {
				rev = h.Revisions[r.Source]
			}
		}
		ok, err := contains(ctx, r, rev)
		if err != nil {
			return "", err
		}
		if ok {
			return rev, nil
		}
	}
	return "", nil
}

// failedForUs says why the last operation failed when it was the rollout's.
func failedForUs(ctx context.Context, app Application, r Rollout) (string, error) {
	s := app.Status.OperationState
	if s == nil || (s.Phase != PhaseFailed && s.Phase != PhaseError) {
		return "", nil
	}
	revision := s.SyncRevision
	if app.MultiSource {
		revision = ""
		if r.Source >= 0 && r.Source < len(s.SyncRevisions) {
			revision = s.SyncRevisions[r.Source]
		}
	}
	// Before the revision resolves, the operation is the rollout's when the engine asked for it.
	ours := s.Operation.Username == Username && !s.Operation.Automated
	if revision != "" {
		var err error
		if ours, err = contains(ctx, r, revision); err != nil {
			return "", err
		}
	}
	if !ours {
		return "", nil
	}
	return fmt.Sprintf("Argo CD's sync of Application %s to %s ended %s: %s", app.Ref(), short(revision), s.Phase, s.Message), nil
}

func syncCheck(app Application, revision string, ours bool, commit string) string {
	status := app.Status.SyncStatus
	if status == "" {
		status = "Unknown"
	}
	switch {
	case revision == "":
		return fmt.Sprintf("Application %s %s (waiting for commit %s)", app.Ref(), status, short(commit))
	case ours && status == SyncStatusSynced:
		return fmt.Sprintf("Application %s synced to %s (ours)", app.Ref(), short(revision))
	case ours:
		return fmt.Sprintf("Application %s %s at %s (ours; waiting for Synced)", app.Ref(), status, short(revision))
	}
	return fmt.Sprintf("Application %s %s at %s (without commit %s)", app.Ref(), status, short(revision), short(commit))
}

func healthCheck(app Application) string {
	health := app.Status.Health
	if health == "" {
		health = "Unknown"
	}
	line := "health " + health
	if app.Status.HealthMessage != "" {
		line += ": " + app.Status.HealthMessage
	}
	if health != HealthHealthy {
		line += " (waiting)"
	}
	return line
}

func operationCheck(app Application) string {
	if app.Operation != nil {
		return "operation requested by " + initiator(*app.Operation)
	}
	s := app.Status.OperationState
	if s == nil {
		return ""
	}
	line := "operation " + s.Phase
	if s.Message != "" {
		line += ": " + s.Message
	}
	return line
}

// short is a commit's first seven characters, as Git shows it.
func short(revision string) string {
	if len(revision) > 7 {
		return revision[:7]
	}
	return revision
}
