package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
)

// Push pushes the checked-out commit to branch of the remote and returns its SHA. An empty
// branch means the clone's own branch (the targetRevision); a revision that is not a branch
// then gets a *NotWritableError. Any other branch (see ReviewBranch) is created from the
// clone's head plus the commits made since, for review.
//
// A push the remote rejects because the branch moved since the clone is ErrNonFastForward:
// clone again, redo the change and push again. A branch that already holds the commit is not
// an error. Other rejections (no write access, a protected branch) are returned wrapped.
func (r *Repo) Push(ctx context.Context, branch string) (string, error) {
	if branch == "" {
		if r.branch == "" {
			return "", &NotWritableError{Reason: r.notBranch}
		}
		branch = r.branch
	}
	head, err := r.repo.Head()
	if err != nil {
		return "", fmt.Errorf("read HEAD: %w", err)
	}
	local := plumbing.NewBranchReferenceName(branch)
	if branch != r.branch {
		if err := r.repo.Storer.SetReference(plumbing.NewHashReference(local, head.Hash())); err != nil {
			return "", fmt.Errorf("create branch %s: %w", branch, err)
		}
	}
	spec := config.RefSpec(fmt.Sprintf("%s:%s", local, local))
	if err := spec.Validate(); err != nil {
		return "", fmt.Errorf("branch %q: %w", branch, err)
	}
	err = r.repo.PushContext(ctx, &git.PushOptions{
		RemoteName:      git.DefaultRemoteName,
		RefSpecs:        []config.RefSpec{spec},
		Auth:            r.remote.Auth,
		InsecureSkipTLS: r.remote.InsecureSkipTLS,
	})
	switch {
	case err == nil, errors.Is(err, git.NoErrAlreadyUpToDate):
		return head.Hash().String(), nil
	case isNonFastForward(err):
		return "", fmt.Errorf("push to %s: %w (%v)", branch, ErrNonFastForward, err)
	default:
		return "", fmt.Errorf("push to %s: %w", branch, err)
	}
}

// isNonFastForward recognises go-git's own check ("non-fast-forward update: <ref>") and the
// reasons servers give for refusing an update that is not a fast-forward. go-git returns these
// as plain strings, so the text is all there is to go on. A branch that moved after the server
// advertised it, while the push was under way, fails git receive-pack's compare-and-swap:
// it reports "failed to update ref" (the "is at X but expected Y" detail stays in the
// server's log); other causes of that reason are rare, and the caller's retries are bounded.
func isNonFastForward(err error) bool {
	msg := err.Error()
	for _, s := range []string{"non-fast-forward", "fetch first", "stale info", "failed to update ref"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// ReviewBranch names the branch a change for review is pushed to: prefix/name, with characters
// Git does not allow in a branch name replaced by '-'.
func ReviewBranch(prefix, name string) string {
	clean := func(s string) string {
		s = strings.Map(func(c rune) rune {
			if c <= ' ' || c == 0x7f || strings.ContainsRune("~^:?*[\\", c) {
				return '-'
			}
			return c
		}, s)
		for strings.Contains(s, "..") {
			s = strings.ReplaceAll(s, "..", ".")
		}
		s = strings.ReplaceAll(s, "@{", "-{")
		return strings.Trim(strings.TrimSuffix(s, ".lock"), "/.")
	}
	return clean(prefix) + "/" + clean(name)
}
