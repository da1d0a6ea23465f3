package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/storage/memory"
)

// Repo is a working copy on disk of one revision of a remote. It is not safe for concurrent
// use. Close removes it.
type Repo struct {
	dir    string
	remote Remote
	repo   *git.Repository
	// branch is the branch checked out, "" when the revision is a tag or a commit.
	branch string
	// notBranch says why the revision cannot be pushed to, "" for a branch.
	notBranch string
}

// Clone clones revision of remote into a new temporary directory under parent, with the whole
// history of that revision. revision is an Argo CD targetRevision:
//
//   - "" or "HEAD": the remote's default branch;
//   - a branch name (or refs/heads/<name>): that branch alone;
//   - a tag name, or a commit SHA (full or abbreviated, reachable from a branch): checked out
//     detached; the clone is not writable (Writable returns a *NotWritableError).
//
// A revision the remote does not have is ErrRevisionNotFound. On error nothing is left under
// parent.
func Clone(ctx context.Context, remote Remote, revision, parent string) (*Repo, error) {
	refs, err := listRefs(ctx, remote)
	if err != nil {
		return nil, err
	}
	opts := &git.CloneOptions{
		URL:             remote.URL,
		Auth:            remote.Auth,
		InsecureSkipTLS: remote.InsecureSkipTLS,
		SingleBranch:    true,
		Tags:            git.NoTags,
	}
	rev := strings.TrimPrefix(revision, "refs/heads/")
	var commit string
	var notBranch string
	switch {
	case rev == "" || rev == "HEAD":
	case refs[plumbing.NewBranchReferenceName(rev)]:
		opts.ReferenceName = plumbing.NewBranchReferenceName(rev)
	case refs[plumbing.NewTagReferenceName(strings.TrimPrefix(rev, "refs/tags/"))]:
		opts.ReferenceName = plumbing.NewTagReferenceName(strings.TrimPrefix(rev, "refs/tags/"))
		notBranch = fmt.Sprintf("targetRevision %s is a tag, not a branch", revision)
	case isHex(rev):
		opts.SingleBranch = false
		opts.NoCheckout = true
		commit = rev
		notBranch = fmt.Sprintf("targetRevision %s is a commit, not a branch", revision)
	default:
		return nil, fmt.Errorf("targetRevision %s of %s: %w", revision, remote.URL, ErrRevisionNotFound)
	}

	dir, err := os.MkdirTemp(parent, "clone-")
	if err != nil {
		return nil, fmt.Errorf("clone %s: %w", remote.URL, err)
	}
	r, err := clone(ctx, dir, opts, commit)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("clone %s at %s: %w", remote.URL, revision, err), os.RemoveAll(dir))
	}
	repo := &Repo{dir: dir, remote: remote, repo: r, notBranch: notBranch}
	if notBranch == "" {
		head, err := r.Head()
		if err != nil || !head.Name().IsBranch() {
			_ = os.RemoveAll(dir)
			return nil, fmt.Errorf("clone %s: the default branch is not a branch", remote.URL)
		}
		repo.branch = head.Name().Short()
	}
	return repo, nil
}

func clone(ctx context.Context, dir string, opts *git.CloneOptions, commit string) (*git.Repository, error) {
	r, err := git.PlainCloneContext(ctx, dir, false, opts)
	if err != nil {
		return nil, err
	}
	if commit == "" {
		return r, nil
	}
	hash, err := r.ResolveRevision(plumbing.Revision(commit))
	if err != nil {
		return nil, fmt.Errorf("commit %s: %w", commit, ErrRevisionNotFound)
	}
	wt, err := r.Worktree()
	if err != nil {
		return nil, err
	}
	if err := wt.Checkout(&git.CheckoutOptions{Hash: *hash}); err != nil {
		return nil, fmt.Errorf("check out %s: %w", commit, err)
	}
	return r, nil
}

// listRefs returns the names of the remote's references.
func listRefs(ctx context.Context, remote Remote) (map[plumbing.ReferenceName]bool, error) {
	rem := git.NewRemote(memory.NewStorage(), &config.RemoteConfig{Name: git.DefaultRemoteName, URLs: []string{remote.URL}})
	list, err := rem.ListContext(ctx, &git.ListOptions{Auth: remote.Auth, InsecureSkipTLS: remote.InsecureSkipTLS})
	if err != nil {
		return nil, fmt.Errorf("list references of %s: %w", remote.URL, err)
	}
	refs := make(map[plumbing.ReferenceName]bool, len(list))
	for _, ref := range list {
		refs[ref.Name()] = true
	}
	return refs, nil
}

func isHex(s string) bool {
	if len(s) < 7 || len(s) > 40 {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

// Dir is the root of the working tree.
func (r *Repo) Dir() string { return r.dir }

// Branch is the branch checked out; "" when the revision is a tag or a commit.
func (r *Repo) Branch() string { return r.branch }

// Remote is the remote the clone came from.
func (r *Repo) Remote() Remote { return r.remote }

// Head is the SHA of the commit checked out (after Commit, the new commit).
func (r *Repo) Head() (string, error) {
	head, err := r.repo.Head()
	if err != nil {
		return "", fmt.Errorf("read HEAD: %w", err)
	}
	return head.Hash().String(), nil
}

// Close removes the working copy. Calling it again does nothing.
func (r *Repo) Close() error {
	if r.dir == "" {
		return nil
	}
	dir := r.dir
	r.dir = ""
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove clone: %w", err)
	}
	return nil
}
