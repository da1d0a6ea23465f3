package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// The author and committer of the engine's commits unless the caller names another.
const (
	DefaultAuthorName  = "coordination-engine"
	DefaultAuthorEmail = "coordination-engine@selfhealing.dev"
)

// Signature is a commit's author (and committer).
type Signature struct {
	Name  string
	Email string
	// When is the commit time; zero means now.
	When time.Time
}

// Commit records the current content of paths (slash-separated, relative to Dir; a path whose
// file is gone is recorded as deleted) as one commit on the checked-out revision, with message
// and author (zero Name or Email: DefaultAuthorName and DefaultAuthorEmail), and returns the new commit's SHA. Files not
// in paths are not committed. ErrNoChanges when the paths already hold what HEAD has.
func (r *Repo) Commit(ctx context.Context, paths []string, message string, author Signature) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	wt, err := r.repo.Worktree()
	if err != nil {
		return "", fmt.Errorf("open worktree: %w", err)
	}
	for _, p := range paths {
		if _, err := os.Lstat(filepath.Join(r.dir, filepath.FromSlash(p))); errors.Is(err, os.ErrNotExist) {
			if _, err := wt.Remove(p); err != nil {
				return "", fmt.Errorf("stage removal of %s: %w", p, err)
			}
			continue
		}
		if _, err := wt.Add(p); err != nil {
			return "", fmt.Errorf("stage %s: %w", p, err)
		}
	}
	if author.Name == "" || author.Email == "" {
		author.Name, author.Email = DefaultAuthorName, DefaultAuthorEmail
	}
	if author.When.IsZero() {
		author.When = time.Now()
	}
	sig := &object.Signature{Name: author.Name, Email: author.Email, When: author.When}
	hash, err := wt.Commit(message, &git.CommitOptions{Author: sig, Committer: sig})
	if errors.Is(err, git.ErrEmptyCommit) {
		return "", ErrNoChanges
	}
	if err != nil {
		return "", fmt.Errorf("commit: %w", err)
	}
	return hash.String(), nil
}
