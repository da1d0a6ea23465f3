// Package gitrepo is a Git working copy the engine can change: it clones one branch of a
// remote, commits files, pushes to that branch or to a review branch, and reads a file's
// history, all with go-git and without a git binary.
//
// A clone lives in its own temporary directory under a parent the caller chooses (on disk, not
// in memory: repositories can be large) and Close removes it. The whole history of the branch is
// fetched, because rolling an image back looks for the value a file had in earlier commits.
//
// Credentials come from Kubernetes Secrets stored the way Argo CD stores repository
// credentials (AuthFromSecret, SelectSecret): an HTTPS username and password or token, or an
// SSH private key checked against known hosts.
//
// Whether the engine may push is decided without changing anything (Repo.Writable): a tag or a
// commit SHA is never writable, a file:// remote must be writable by this process, and any other
// remote needs credentials. A remote with credentials may still reject the push (a protected
// branch, a token without write scope); that shows only at push time, as an error from Push.
// A push rejected because the branch moved since the clone is ErrNonFastForward: clone again
// and redo the change.
package gitrepo
