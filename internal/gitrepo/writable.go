package gitrepo

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/go-git/go-git/v5/plumbing/transport"
	"golang.org/x/sys/unix"
)

// Writable reports whether the engine may push the clone's revision back, without changing
// anything: nil, or a *NotWritableError saying why not. The revision must be a branch, and the
// remote must pass RemoteWritable.
//
// It is a forecast, not a promise: a remote with credentials may still reject the push (a
// protected branch, a token without write scope), which Push then returns.
func (r *Repo) Writable() error {
	if r.notBranch != "" {
		return &NotWritableError{Reason: r.notBranch}
	}
	return RemoteWritable(r.remote)
}

// RemoteWritable reports, without changing anything, whether a push to remote can work: a
// file:// repository must be a directory this process may write (the repository, its objects
// and refs directories: checked with access(2)); any other remote needs credentials, since
// anonymous access is read-only. nil, or a *NotWritableError.
func RemoteWritable(remote Remote) error {
	ep, err := transport.NewEndpoint(remote.URL)
	if err != nil {
		return &NotWritableError{Reason: fmt.Sprintf("repository URL: %v", err)}
	}
	if ep.Protocol != "file" {
		if remote.Auth == nil {
			return &NotWritableError{Reason: "no credentials for " + remote.URL}
		}
		return nil
	}
	gitDir := ep.Path
	if fi, err := os.Stat(filepath.Join(gitDir, ".git")); err == nil && fi.IsDir() {
		gitDir = filepath.Join(gitDir, ".git")
	}
	for _, d := range []string{gitDir, filepath.Join(gitDir, "objects"), filepath.Join(gitDir, "refs", "heads")} {
		fi, err := os.Stat(d)
		if err != nil {
			return &NotWritableError{Reason: fmt.Sprintf("repository %s: %v", remote.URL, err)}
		}
		if !fi.IsDir() {
			return &NotWritableError{Reason: fmt.Sprintf("repository %s: %s is not a directory", remote.URL, d)}
		}
		if err := unix.Access(d, unix.W_OK); err != nil {
			return &NotWritableError{Reason: fmt.Sprintf("repository %s: %s: %v", remote.URL, d, err)}
		}
	}
	return nil
}
