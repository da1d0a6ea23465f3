package gitrepo_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"selfhealing.dev/coordination-engine/internal/gitrepo"
	"selfhealing.dev/coordination-engine/internal/gitrepo/gitrepotest"
)

func TestFileHistoryIsNewestFirstAndBounded(t *testing.T) {
	t.Parallel()
	url := gitrepotest.NewRemote(t, map[string]string{"web.yaml": "image: web:v1\n", "other.yaml": "x\n"})
	gitrepotest.Commit(t, url, map[string]string{"web.yaml": "image: web:v2\n"}, "v2")
	gitrepotest.Commit(t, url, map[string]string{"other.yaml": "y\n"}, "unrelated")
	gitrepotest.Commit(t, url, map[string]string{"web.yaml": "image: web:v3\n"}, "v3")
	r := clone(t, url, "main")
	for _, tc := range []struct {
		name  string
		limit int
		want  []string
	}{
		{name: "no bound gives every version that changed the file", limit: 0, want: []string{"image: web:v3\n", "image: web:v2\n", "image: web:v1\n"}},
		{name: "a bound stops early", limit: 2, want: []string{"image: web:v3\n", "image: web:v2\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			revs, err := r.FileHistory(t.Context(), "web.yaml", tc.limit)
			if err != nil {
				t.Fatalf("FileHistory() = %v", err)
			}
			var got []string
			for _, rev := range revs {
				got = append(got, string(rev.Content))
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("FileHistory() = %q, want %q", got, tc.want)
			}
		})
	}
	if got, err := r.FileAt("", "web.yaml"); err != nil || string(got) != "image: web:v3\n" {
		t.Errorf("FileAt(HEAD) = %q, %v", got, err)
	}
	if _, err := r.FileAt("", "missing.yaml"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("FileAt(missing) = %v, want fs.ErrNotExist", err)
	}
}

func TestContainsFollowsWhetherACommitIsInARevision(t *testing.T) {
	t.Parallel()
	url := gitrepotest.NewRemote(t, map[string]string{"a.yaml": "a: 1\n"})
	first := gitrepotest.BranchHead(t, url, "main")
	second := gitrepotest.Commit(t, url, map[string]string{"a.yaml": "a: 2\n"}, "two")
	r := clone(t, url, "main")
	for _, tc := range []struct {
		name             string
		commit, revision string
		want             bool
		wantErr          error
	}{
		{name: "an ancestor of HEAD", commit: first, want: true},
		{name: "HEAD itself", commit: second, want: true},
		{name: "a later commit is not in an earlier revision", commit: second, revision: first, want: false},
		{name: "a commit the clone does not have", commit: strings.Repeat("ab", 20), want: false},
		{name: "a revision the clone does not have", commit: first, revision: strings.Repeat("cd", 20), wantErr: gitrepo.ErrRevisionNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := r.Contains(t.Context(), tc.commit, tc.revision)
			if !errors.Is(err, tc.wantErr) || got != tc.want {
				t.Errorf("Contains(%s, %s) = %v, %v, want %v, %v", tc.commit, tc.revision, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

// ourCommit pushes the engine's change of files and returns its SHA.
func ourCommit(t *testing.T, url string, files map[string]string) string {
	t.Helper()
	r := clone(t, url, "main")
	var paths []string
	for p, c := range files {
		writeFile(t, r, p, c)
		paths = append(paths, p)
	}
	sha, err := r.Commit(t.Context(), paths, "incident inc-1: raise memory", gitrepo.Signature{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Push(t.Context(), ""); err != nil {
		t.Fatal(err)
	}
	return sha
}

func TestRevertPutsBackTheFilesOfTheCommitsParent(t *testing.T) {
	t.Parallel()
	url := gitrepotest.NewRemote(t, map[string]string{"a.yaml": "memory: 128Mi\n", "b.yaml": "b\n"})
	ours := ourCommit(t, url, map[string]string{"a.yaml": "memory: 256Mi\n"})
	gitrepotest.Commit(t, url, map[string]string{"b.yaml": "b2\n"}, "unrelated change after ours")
	r := clone(t, url, "main")
	paths, err := r.Revert(t.Context(), ours)
	if err != nil || len(paths) != 1 || paths[0] != "a.yaml" {
		t.Fatalf("Revert() = %v, %v, want [a.yaml]", paths, err)
	}
	if got, _ := os.ReadFile(filepath.Join(r.Dir(), "a.yaml")); string(got) != "memory: 128Mi\n" {
		t.Errorf("a.yaml after Revert = %q", got)
	}
	if _, err := r.Commit(t.Context(), paths, "incident inc-1: undo", gitrepo.Signature{}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Push(t.Context(), ""); err != nil {
		t.Fatal(err)
	}
	if got := gitrepotest.ReadFile(t, url, "main", "b.yaml"); got != "b2\n" {
		t.Errorf("b.yaml = %q, want the later change kept", got)
	}
	again := clone(t, url, "main")
	if paths, err := again.Revert(t.Context(), ours); err != nil || len(paths) != 0 {
		t.Errorf("Revert() of a reverted commit = %v, %v, want nothing to do", paths, err)
	}
}

func TestRevertOfAFileChangedSinceIsAConflict(t *testing.T) {
	t.Parallel()
	url := gitrepotest.NewRemote(t, map[string]string{"a.yaml": "memory: 128Mi\n"})
	ours := ourCommit(t, url, map[string]string{"a.yaml": "memory: 256Mi\n", "new.yaml": "n\n"})
	gitrepotest.Commit(t, url, map[string]string{"a.yaml": "memory: 512Mi\n"}, "a person raised it again")
	r := clone(t, url, "main")
	if _, err := r.Revert(t.Context(), ours); !errors.Is(err, gitrepo.ErrRevertConflict) {
		t.Fatalf("Revert() = %v, want ErrRevertConflict", err)
	}
	if _, err := os.Stat(filepath.Join(r.Dir(), "new.yaml")); err != nil {
		t.Errorf("new.yaml after a refused Revert: %v, want it untouched", err)
	}
}

func TestRevertRemovesAFileTheCommitCreated(t *testing.T) {
	t.Parallel()
	url := gitrepotest.NewRemote(t, map[string]string{"a.yaml": "a\n"})
	ours := ourCommit(t, url, map[string]string{"patch.yaml": "p\n"})
	r := clone(t, url, "main")
	paths, err := r.Revert(t.Context(), ours)
	if err != nil || len(paths) != 1 {
		t.Fatalf("Revert() = %v, %v", paths, err)
	}
	if _, err := r.Commit(t.Context(), paths, "undo", gitrepo.Signature{}); err != nil {
		t.Fatalf("Commit() of a removal = %v", err)
	}
	if _, err := r.FileAt("", "patch.yaml"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("patch.yaml after the undo commit: %v, want gone", err)
	}
}
