package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// Revision is one version of a file: the commit that wrote it and the content it wrote.
type Revision struct {
	// Commit is the SHA of the commit that changed the file.
	Commit string
	// When is the commit's committer time.
	When time.Time
	// Message is the commit message.
	Message string
	// Content is the file's content in that commit; nil when Deleted.
	Content []byte
	// Deleted says the commit removed the file.
	Deleted bool
}

// FileHistory returns the versions of path (slash-separated, relative to Dir) in the history of
// the checked-out commit, newest first, one per commit that changed it, at most limit of them
// (limit <= 0: no bound). The first is the version at HEAD unless the file is gone there.
func (r *Repo) FileHistory(ctx context.Context, path string, limit int) ([]Revision, error) {
	head, err := r.repo.Head()
	if err != nil {
		return nil, fmt.Errorf("read HEAD: %w", err)
	}
	iter, err := r.repo.Log(&git.LogOptions{From: head.Hash(), FileName: &path})
	if err != nil {
		return nil, fmt.Errorf("log %s: %w", path, err)
	}
	defer iter.Close()
	var revs []Revision
	err = iter.ForEach(func(c *object.Commit) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		content, err := fileContent(c, path)
		deleted := errors.Is(err, fs.ErrNotExist)
		if err != nil && !deleted {
			return err
		}
		revs = append(revs, Revision{Commit: c.Hash.String(), When: c.Committer.When, Message: c.Message, Content: content, Deleted: deleted})
		if limit > 0 && len(revs) >= limit {
			return storer.ErrStop
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", path, err)
	}
	return revs, nil
}

// FileAt returns path's content in commit (a SHA or any revision go-git resolves; "" is HEAD).
// A path the commit does not have is an error wrapping fs.ErrNotExist.
func (r *Repo) FileAt(commit, path string) ([]byte, error) {
	c, err := r.commit(commit)
	if err != nil {
		return nil, err
	}
	content, err := fileContent(c, path)
	if err != nil {
		return nil, fmt.Errorf("%s at %s: %w", path, c.Hash, err)
	}
	return content, nil
}

// Contains reports whether commit is in the history of revision ("" is HEAD): the commit is
// revision itself or one of its ancestors. A commit this clone does not have is not contained;
// a revision it does not have is ErrRevisionNotFound (clone again to see newer commits).
func (r *Repo) Contains(ctx context.Context, commit, revision string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	in, err := r.commit(revision)
	if err != nil {
		return false, err
	}
	c, err := r.commit(commit)
	if errors.Is(err, ErrRevisionNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	ok, err := c.IsAncestor(in)
	if err != nil {
		return false, fmt.Errorf("walk history of %s: %w", in.Hash, err)
	}
	return ok, nil
}

func (r *Repo) commit(rev string) (*object.Commit, error) {
	if rev == "" {
		rev = "HEAD"
	}
	hash, err := r.repo.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		return nil, fmt.Errorf("revision %s: %w", rev, ErrRevisionNotFound)
	}
	c, err := r.repo.CommitObject(*hash)
	if err != nil {
		return nil, fmt.Errorf("revision %s: %w", rev, ErrRevisionNotFound)
	}
	return c, nil
}

// fileContent is path's content in c, or an error wrapping fs.ErrNotExist.
func fileContent(c *object.Commit, path string) ([]byte, error) {
	f, err := c.File(path)
	if errors.Is(err, object.ErrFileNotFound) || errors.Is(err, plumbing.ErrObjectNotFound) {
		return nil, fs.ErrNotExist
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	s, err := f.Contents()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return []byte(s), nil
}
