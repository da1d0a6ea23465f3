package gitrepo

import (
	"errors"
	"fmt"
)

var (
	// ErrNonFastForward: the remote branch moved since the clone, so the push was rejected; clone
	// again, redo the change and push again.
	ErrNonFastForward = errors.New("remote branch moved since the clone (non-fast-forward)")
	// ErrNoChanges: Commit found nothing to commit; the files already hold what was written.
	ErrNoChanges = errors.New("nothing to commit")
	// ErrRevisionNotFound: the target revision is neither a branch, a tag nor a commit of the
	// remote.
	ErrRevisionNotFound = errors.New("revision not found")
	// ErrRevertConflict: a file our commit changed was changed again since; reverting it would
	// throw that later change away.
	ErrRevertConflict = errors.New("file changed since the commit")
	// ErrUnsupportedCredentials: the Secret holds credentials of a kind gitrepo cannot use (a
	// GitHub App, TLS client certificates) or an SSH key without known hosts.
	ErrUnsupportedCredentials = errors.New("unsupported repository credentials")
)

// NotWritableError says why the engine must not push to a clone's target; the workflow then
// waits for approval with the proposed diff instead of changing anything.
type NotWritableError struct {
	// Reason is a short sentence for people: "targetRevision v1.2.0 is a tag, not a branch".
	Reason string
}

// Error implements error.
func (e *NotWritableError) Error() string {
	return fmt.Sprintf("repository not writable: %s", e.Reason)
}
