package gitrepo_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"selfhealing.dev/coordination-engine/internal/gitrepo"
	"selfhealing.dev/coordination-engine/internal/gitrepo/gitrepotest"
)

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: registry.example.com/web:v1
`

// clone clones revision of url under a parent dir that the test checks is empty at the end.
func clone(t *testing.T, url, revision string) *gitrepo.Repo {
	t.Helper()
	parent := emptyAtEnd(t)
	r, err := gitrepo.Clone(t.Context(), gitrepo.Remote{URL: url}, revision, parent)
	if err != nil {
		t.Fatalf("Clone(%s, %q) = %v", url, revision, err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
	})
	return r
}

// emptyAtEnd returns a new directory that must be empty when the test ends.
func emptyAtEnd(t *testing.T) string {
	t.Helper()
	parent := t.TempDir()
	t.Cleanup(func() {
		entries, err := os.ReadDir(parent)
		if err != nil {
			t.Errorf("read clone parent: %v", err)
		}
		if len(entries) != 0 {
			t.Errorf("clone parent holds %d entries after Close, want none", len(entries))
		}
	})
	return parent
}

func writeFile(t *testing.T, r *gitrepo.Repo, path, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(r.Dir(), filepath.FromSlash(path)), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCloneEditCommitPushIsSeenByTheNextClone(t *testing.T) {
	t.Parallel()
	url := gitrepotest.NewRemote(t, map[string]string{"apps/web.yaml": deployment, "README.md": "hi\n"})
	r := clone(t, url, "")
	if r.Branch() != gitrepotest.Branch {
		t.Errorf("Branch() = %q, want %q", r.Branch(), gitrepotest.Branch)
	}
	if err := r.Writable(); err != nil {
		t.Fatalf("Writable() = %v, want nil", err)
	}
	changed := strings.Replace(deployment, ":v1", ":v0", 1)
	writeFile(t, r, "apps/web.yaml", changed)
	sha, err := r.Commit(t.Context(), []string{"apps/web.yaml"}, "incident inc-1: roll back web", gitrepo.Signature{})
	if err != nil {
		t.Fatalf("Commit() = %v", err)
	}
	pushed, err := r.Push(t.Context(), "")
	if err != nil {
		t.Fatalf("Push() = %v", err)
	}
	if pushed != sha {
		t.Errorf("Push() = %s, want the commit %s", pushed, sha)
	}
	if got := gitrepotest.BranchHead(t, url, "main"); got != sha {
		t.Errorf("remote main = %s, want %s", got, sha)
	}
	again := clone(t, url, "main")
	got, err := os.ReadFile(filepath.Join(again.Dir(), "apps", "web.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != changed {
		t.Errorf("file in a new clone = %q, want %q", got, changed)
	}
	hist, err := again.FileHistory(t.Context(), "apps/web.yaml", 1)
	if err != nil {
		t.Fatalf("FileHistory() = %v", err)
	}
	if len(hist) != 1 || hist[0].Commit != sha || hist[0].Message != "incident inc-1: roll back web" {
		t.Errorf("FileHistory() = %+v, want our commit first", hist)
	}
}

func TestCommitUsesTheEngineAsAuthorUnlessTold(t *testing.T) {
	t.Parallel()
	url := gitrepotest.NewRemote(t, map[string]string{"a.yaml": "a: 1\n"})
	for _, tc := range []struct {
		name      string
		author    gitrepo.Signature
		wantName  string
		wantEmail string
	}{
		{name: "default author", wantName: gitrepo.DefaultAuthorName, wantEmail: gitrepo.DefaultAuthorEmail},
		{name: "configured author", author: gitrepo.Signature{Name: "bot", Email: "bot@example.com"}, wantName: "bot", wantEmail: "bot@example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := clone(t, url, "main")
			writeFile(t, r, "a.yaml", "a: 2\n")
			if _, err := r.Commit(t.Context(), []string{"a.yaml"}, "change", tc.author); err != nil {
				t.Fatalf("Commit() = %v", err)
			}
			hist, err := r.FileHistory(t.Context(), "a.yaml", 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(hist) != 2 {
				t.Fatalf("FileHistory() has %d revisions, want 2", len(hist))
			}
			got := gitrepotest.CommitAuthor(t, r.Dir(), hist[0].Commit)
			if got != tc.wantName+" <"+tc.wantEmail+">" {
				t.Errorf("author = %q, want %s <%s>", got, tc.wantName, tc.wantEmail)
			}
		})
	}
}

func TestCommitWithoutChangeIsErrNoChanges(t *testing.T) {
	t.Parallel()
	url := gitrepotest.NewRemote(t, map[string]string{"a.yaml": "a: 1\n"})
	r := clone(t, url, "main")
	writeFile(t, r, "a.yaml", "a: 1\n")
	if _, err := r.Commit(t.Context(), []string{"a.yaml"}, "nothing", gitrepo.Signature{}); !errors.Is(err, gitrepo.ErrNoChanges) {
		t.Errorf("Commit() = %v, want ErrNoChanges", err)
	}
}

func TestCloneRevisions(t *testing.T) {
	t.Parallel()
	url := gitrepotest.NewRemote(t, map[string]string{"a.yaml": "a: 1\n"})
	first := gitrepotest.Tag(t, url, "v1.0.0")
	gitrepotest.Commit(t, url, map[string]string{"a.yaml": "a: 2\n"}, "two")
	for _, tc := range []struct {
		name         string
		revision     string
		wantBranch   string
		wantContent  string
		wantWritable bool
		wantErr      error
	}{
		{name: "empty is the default branch", revision: "", wantBranch: "main", wantContent: "a: 2\n", wantWritable: true},
		{name: "HEAD is the default branch", revision: "HEAD", wantBranch: "main", wantContent: "a: 2\n", wantWritable: true},
		{name: "a branch name", revision: "main", wantBranch: "main", wantContent: "a: 2\n", wantWritable: true},
		{name: "a full branch reference", revision: "refs/heads/main", wantBranch: "main", wantContent: "a: 2\n", wantWritable: true},
		{name: "a tag is not writable", revision: "v1.0.0", wantContent: "a: 1\n"},
		{name: "a commit SHA is not writable", revision: first, wantContent: "a: 1\n"},
		{name: "an abbreviated commit SHA is not writable", revision: first[:10], wantContent: "a: 1\n"},
		{name: "an unknown revision is not found", revision: "no-such-branch", wantErr: gitrepo.ErrRevisionNotFound},
		{name: "an unknown commit is not found", revision: strings.Repeat("ab", 20), wantErr: gitrepo.ErrRevisionNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parent := emptyAtEnd(t)
			r, err := gitrepo.Clone(t.Context(), gitrepo.Remote{URL: url}, tc.revision, parent)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Clone(%q) = %v, want %v", tc.revision, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Clone(%q) = %v", tc.revision, err)
			}
			defer r.Close()
			if r.Branch() != tc.wantBranch {
				t.Errorf("Branch() = %q, want %q", r.Branch(), tc.wantBranch)
			}
			got, err := os.ReadFile(filepath.Join(r.Dir(), "a.yaml"))
			if err != nil || string(got) != tc.wantContent {
				t.Errorf("a.yaml = %q, %v, want %q", got, err, tc.wantContent)
			}
			err = r.Writable()
			var nw *gitrepo.NotWritableError
			if tc.wantWritable != (err == nil) || (err != nil && !errors.As(err, &nw)) {
				t.Errorf("Writable() = %v, want writable %v", err, tc.wantWritable)
			}
			if !tc.wantWritable {
				if _, err := r.Push(t.Context(), ""); !errors.As(err, &nw) {
					t.Errorf("Push() = %v, want a *NotWritableError", err)
				}
			}
		})
	}
}

func TestPushToAReviewBranchLeavesTheTargetAlone(t *testing.T) {
	t.Parallel()
	url := gitrepotest.NewRemote(t, map[string]string{"a.yaml": "a: 1\n"})
	before := gitrepotest.BranchHead(t, url, "main")
	r := clone(t, url, "main")
	writeFile(t, r, "a.yaml", "a: 2\n")
	sha, err := r.Commit(t.Context(), []string{"a.yaml"}, "for review", gitrepo.Signature{})
	if err != nil {
		t.Fatal(err)
	}
	branch := gitrepo.ReviewBranch("coordination-engine", "inc-1-raise-memory")
	if branch != "coordination-engine/inc-1-raise-memory" {
		t.Errorf("ReviewBranch() = %q", branch)
	}
	if got, err := r.Push(t.Context(), branch); err != nil || got != sha {
		t.Fatalf("Push(%s) = %s, %v, want %s", branch, got, err, sha)
	}
	if got := gitrepotest.BranchHead(t, url, "main"); got != before {
		t.Errorf("main moved to %s, want %s", got, before)
	}
	if got := gitrepotest.ReadFile(t, url, branch, "a.yaml"); got != "a: 2\n" {
		t.Errorf("a.yaml on %s = %q", branch, got)
	}
	if got, err := r.Push(t.Context(), branch); err != nil || got != sha {
		t.Errorf("Push(%s) again = %s, %v, want %s and no error", branch, got, err, sha)
	}
}

func TestPushFromAStaleCloneIsErrNonFastForwardAndARecloneSucceeds(t *testing.T) {
	t.Parallel()
	url := gitrepotest.NewRemote(t, map[string]string{"a.yaml": "a: 1\n", "b.yaml": "b: 1\n"})
	stale := clone(t, url, "main")
	gitrepotest.Commit(t, url, map[string]string{"b.yaml": "b: 2\n"}, "someone else")
	writeFile(t, stale, "a.yaml", "a: 2\n")
	if _, err := stale.Commit(t.Context(), []string{"a.yaml"}, "ours", gitrepo.Signature{}); err != nil {
		t.Fatal(err)
	}
	if _, err := stale.Push(t.Context(), ""); !errors.Is(err, gitrepo.ErrNonFastForward) {
		t.Fatalf("Push() from a stale clone = %v, want ErrNonFastForward", err)
	}
	fresh := clone(t, url, "main")
	writeFile(t, fresh, "a.yaml", "a: 2\n")
	if _, err := fresh.Commit(t.Context(), []string{"a.yaml"}, "ours", gitrepo.Signature{}); err != nil {
		t.Fatal(err)
	}
	if _, err := fresh.Push(t.Context(), ""); err != nil {
		t.Fatalf("Push() after a new clone = %v", err)
	}
	if got := gitrepotest.ReadFile(t, url, "main", "b.yaml"); got != "b: 2\n" {
		t.Errorf("b.yaml = %q, want the other change kept", got)
	}
}

func TestReviewBranchNames(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, prefix, in, want string
	}{
		{name: "a plain name", prefix: "engine", in: "inc-1", want: "engine/inc-1"},
		{name: "spaces and colons are replaced", prefix: "engine", in: "inc 1: oom", want: "engine/inc-1--oom"},
		{name: "double dots are collapsed", prefix: "engine", in: "a..b", want: "engine/a.b"},
		{name: "a .lock suffix is dropped", prefix: "engine", in: "x.lock", want: "engine/x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := gitrepo.ReviewBranch(tc.prefix, tc.in); got != tc.want {
				t.Errorf("ReviewBranch(%q, %q) = %q, want %q", tc.prefix, tc.in, got, tc.want)
			}
		})
	}
}
