package gitrepo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Revert undoes commit (one of the engine's, with one parent) in the working tree: every file
// the commit changed gets back its content from the commit's parent (or is removed, if the
// commit created it). It returns the paths it changed, to hand to Commit; none when the files
// already hold their earlier content (reverted before).
//
// A file that no longer holds what the commit wrote, nor its earlier content, was changed
// since: ErrRevertConflict, and nothing is written. A merge commit is refused.
func (r *Repo) Revert(ctx context.Context, commit string) ([]string, error) {
	c, err := r.commit(commit)
	if err != nil {
		return nil, err
	}
	if c.NumParents() != 1 {
		return nil, fmt.Errorf("revert %s: a commit with %d parents", c.Hash, c.NumParents())
	}
	parent, err := c.Parent(0)
	if err != nil {
		return nil, fmt.Errorf("revert %s: parent: %w", c.Hash, err)
	}
	pTree, err := parent.Tree()
	if err != nil {
		return nil, fmt.Errorf("revert %s: %w", c.Hash, err)
	}
	cTree, err := c.Tree()
	if err != nil {
		return nil, fmt.Errorf("revert %s: %w", c.Hash, err)
	}
	changes, err := pTree.DiffContext(ctx, cTree)
	if err != nil {
		return nil, fmt.Errorf("revert %s: diff: %w", c.Hash, err)
	}
	type write struct {
		path    string
		content []byte // nil: remove
	}
	var writes []write
	for _, ch := range changes {
		path := ch.To.Name
		if path == "" {
			path = ch.From.Name
		}
		ours, err := optional(fileContent(c, path))
		if err != nil {
			return nil, err
		}
		before, err := optional(fileContent(parent, path))
		if err != nil {
			return nil, err
		}
		now, err := optional(os.ReadFile(filepath.Join(r.dir, filepath.FromSlash(path))))
		if err != nil {
			return nil, fmt.Errorf("revert %s: %w", c.Hash, err)
		}
		switch {
		case sameFile(now, before):
			continue
		case !sameFile(now, ours):
			return nil, fmt.Errorf("revert %s: %s: %w", c.Hash, path, ErrRevertConflict)
		}
		writes = append(writes, write{path: path, content: before})
	}
	var paths []string
	for _, w := range writes {
		full := filepath.Join(r.dir, filepath.FromSlash(w.path))
		if w.content == nil {
			if err := os.Remove(full); err != nil {
				return paths, fmt.Errorf("revert %s: %w", c.Hash, err)
			}
		} else if err := writeFile(full, w.content); err != nil {
			return paths, fmt.Errorf("revert %s: %w", c.Hash, err)
		}
		paths = append(paths, w.path)
	}
	return paths, nil
}

// optional turns a missing file into nil content; present files are never nil.
func optional(content []byte, err error) ([]byte, error) {
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if content == nil && err == nil {
		content = []byte{}
	}
	return content, err
}

func sameFile(a, b []byte) bool {
	return (a == nil) == (b == nil) && bytes.Equal(a, b)
}

// writeFile writes content, keeping the file's mode when it exists.
func writeFile(path string, content []byte) error {
	mode := fs.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	} else if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, content, mode)
}
