// Package gitrepotest makes bare Git repositories on the local disk for tests: a file://
// remote with a first commit, and commits pushed to it later as another person would.
package gitrepotest

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Branch is the default branch of the repositories NewRemote makes.
const Branch = "main"

// author is the author of the commits made here: a person, not the engine.
func author(when time.Time) *object.Signature {
	return &object.Signature{Name: "Dev", Email: "dev@example.com", When: when}
}

// NewRemote makes a bare repository in a new directory under t.TempDir() whose branch main has
// one commit holding files (slash-separated path → content), and returns its file:// URL.
func NewRemote(t testing.TB, files map[string]string) string {
	t.Helper()
	bare := filepath.Join(t.TempDir(), "remote.git")
	if _, err := git.PlainInitWithOptions(bare, &git.PlainInitOptions{
		Bare:        true,
		InitOptions: git.InitOptions{DefaultBranch: plumbing.NewBranchReferenceName(Branch)},
	}); err != nil {
		t.Fatalf("init bare repository: %v", err)
	}
	work := t.TempDir()
	r, err := git.PlainInitWithOptions(work, &git.PlainInitOptions{
		InitOptions: git.InitOptions{DefaultBranch: plumbing.NewBranchReferenceName(Branch)},
	})
	if err != nil {
		t.Fatalf("init work repository: %v", err)
	}
	url := "file://" + bare
	if _, err := r.CreateRemote(&config.RemoteConfig{Name: git.DefaultRemoteName, URLs: []string{url}}); err != nil {
		t.Fatalf("add remote: %v", err)
	}
	commitAndPush(t, r, work, files, "initial commit", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	return url
}

// Commit pushes one commit to branch main of the repository at url that writes files (an
// empty content removes the file), as a person would, and returns its SHA. Commit times
// increase with each call.
func Commit(t testing.TB, url string, files map[string]string, message string) string {
	t.Helper()
	work := t.TempDir()
	r, err := git.PlainClone(work, false, &git.CloneOptions{URL: url})
	if err != nil {
		t.Fatalf("clone %s: %v", url, err)
	}
	head, err := r.Head()
	if err != nil {
		t.Fatalf("HEAD: %v", err)
	}
	c, err := r.CommitObject(head.Hash())
	if err != nil {
		t.Fatalf("HEAD commit: %v", err)
	}
	return commitAndPush(t, r, work, files, message, c.Committer.When.Add(time.Minute))
}

// Tag creates a lightweight tag name on branch main's head of the repository at url.
func Tag(t testing.TB, url, name string) string {
	t.Helper()
	bare := url[len("file://"):]
	r, err := git.PlainOpen(bare)
	if err != nil {
		t.Fatalf("open %s: %v", bare, err)
	}
	head, err := r.Reference(plumbing.NewBranchReferenceName(Branch), true)
	if err != nil {
		t.Fatalf("read %s: %v", Branch, err)
	}
	if err := r.Storer.SetReference(plumbing.NewHashReference(plumbing.NewTagReferenceName(name), head.Hash())); err != nil {
		t.Fatalf("tag %s: %v", name, err)
	}
	return head.Hash().String()
}

// BranchHead returns the SHA branch points to in the repository at url.
func BranchHead(t testing.TB, url, branch string) string {
	t.Helper()
	r, err := git.PlainOpen(url[len("file://"):])
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	ref, err := r.Reference(plumbing.NewBranchReferenceName(branch), true)
	if err != nil {
		t.Fatalf("read %s: %v", branch, err)
	}
	return ref.Hash().String()
}

// ReadFile returns path's content at the head of branch in the repository at url, as a fresh
// clone would see it.
func ReadFile(t testing.TB, url, branch, path string) string {
	t.Helper()
	r, err := git.PlainOpen(url[len("file://"):])
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	ref, err := r.Reference(plumbing.NewBranchReferenceName(branch), true)
	if err != nil {
		t.Fatalf("read %s: %v", branch, err)
	}
	c, err := r.CommitObject(ref.Hash())
	if err != nil {
		t.Fatalf("commit %s: %v", ref.Hash(), err)
	}
	f, err := c.File(path)
	if err != nil {
		t.Fatalf("%s at %s: %v", path, branch, err)
	}
	s, err := f.Contents()
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return s
}

func commitAndPush(t testing.TB, r *git.Repository, work string, files map[string]string, message string, when time.Time) string {
	t.Helper()
	wt, err := r.Worktree()
	if err != nil {
		t.Fatalf("worktree: %v", err)
	}
	for p, content := range files {
		full := filepath.Join(work, filepath.FromSlash(p))
		if content == "" {
			if _, err := wt.Remove(p); err != nil {
				t.Fatalf("remove %s: %v", p, err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := wt.Add(p); err != nil {
			t.Fatalf("add %s: %v", p, err)
		}
	}
	hash, err := wt.Commit(message, &git.CommitOptions{Author: author(when), Committer: author(when)})
	if err != nil {
		t.Fatalf("commit: %v", err)
	}
	if err := r.Push(&git.PushOptions{}); err != nil {
		t.Fatalf("push: %v", err)
	}
	return hash.String()
}

// CommitAuthor returns "Name <email>" of commit in the repository at dir.
func CommitAuthor(t testing.TB, dir, commit string) string {
	t.Helper()
	r, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatalf("open %s: %v", dir, err)
	}
	c, err := r.CommitObject(plumbing.NewHash(commit))
	if err != nil {
		t.Fatalf("commit %s: %v", commit, err)
	}
	return c.Author.Name + " <" + c.Author.Email + ">"
}
