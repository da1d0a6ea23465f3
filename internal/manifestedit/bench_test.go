package manifestedit_test

import (
	"testing"

	"selfhealing.dev/coordination-engine/internal/gitrepo"
	"selfhealing.dev/coordination-engine/internal/gitrepo/gitrepotest"
	"selfhealing.dev/coordination-engine/internal/manifestedit"
)

// BenchmarkEditCommit: clone a small repository, edit plain YAML, commit (no push).
func BenchmarkEditCommit(b *testing.B) {
	url := gitrepotest.NewRemote(b, sourceFiles())
	parent := b.TempDir()
	for b.Loop() {
		r, err := gitrepo.Clone(b.Context(), gitrepo.Remote{URL: url}, "main", parent)
		if err != nil {
			b.Fatal(err)
		}
		res, err := manifestedit.Apply(b.Context(), manifestedit.Source{Root: r.Dir(), Path: "plain"}, deployment("web", "web"), manifestedit.MemoryLimit("1Gi"))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := r.Commit(b.Context(), res.Paths(), "bench", gitrepo.Signature{}); err != nil {
			b.Fatal(err)
		}
		if err := r.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkKustomizeEdit: find, edit and prove a memory limit in a Kustomize overlay (two
// renders), then put it back.
func BenchmarkKustomizeEdit(b *testing.B) {
	root := checkout(b, sourceFiles())
	src := manifestedit.Source{Root: root, Path: "kustomize/overlays/prod"}
	target := manifestedit.Target{Kind: "Deployment", Name: "web", Container: "web"}
	values := []string{"1Gi", "512Mi"}
	i := 0
	for b.Loop() {
		if _, err := manifestedit.Apply(b.Context(), src, target, manifestedit.MemoryLimit(values[i%2])); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
