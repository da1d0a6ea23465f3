package manifestedit_test

import (
	"errors"
	"strings"
	"testing"

	"selfhealing.dev/coordination-engine/internal/gitrepo"
	"selfhealing.dev/coordination-engine/internal/gitrepo/gitrepotest"
	"selfhealing.dev/coordination-engine/internal/manifestedit"
)

func TestPreviousImageIsTheLastDifferentValueInHistory(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		path      string
		file      string
		from, to  string // replaced in file for each later commit
		tags      []string
		target    manifestedit.Target
		want      string
		wantError error
	}{
		{
			name: "plain YAML", path: "plain", file: "plain/web.yaml", from: "web:v1", tags: []string{"web:v2", "web:v3"},
			target: deployment("web", "web"), want: "registry.example.com/web:v2",
		},
		{
			name: "the Kustomize overlay's images entry", path: "kustomize/overlays/prod", file: "kustomize/overlays/prod/kustomization.yaml", from: "newTag: v2", tags: []string{"newTag: v3", "newTag: v4"},
			target: manifestedit.Target{Kind: "Deployment", Name: "web"}, want: "registry.example.com/web:v3",
		},
		{
			name: "a file that never had another image", path: "plain", file: "plain/web.yaml", from: "256Mi", tags: []string{"300Mi"},
			target: deployment("web", "web"), wantError: manifestedit.ErrNoPreviousRevision,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := sourceFiles()
			url := gitrepotest.NewRemote(t, files)
			for _, next := range tc.tags {
				gitrepotest.Commit(t, url, map[string]string{tc.file: strings.Replace(files[tc.file], tc.from, next, 1)}, "release "+next)
			}
			r := cloneRepo(t, url)
			src := manifestedit.Source{Root: r.Dir(), Path: tc.path, Namespace: "default"}
			before := readFile(t, r.Dir(), tc.file)
			prev, err := manifestedit.PreviousImage(t.Context(), src, tc.target, r, 20)
			if !errors.Is(err, tc.wantError) || prev.Image != tc.want {
				t.Fatalf("PreviousImage() = %+v, %v, want %q, %v", prev, err, tc.want, tc.wantError)
			}
			if tc.wantError == nil && prev.File != tc.file {
				t.Errorf("PreviousImage() file = %s, want %s", prev.File, tc.file)
			}
			if got := readFile(t, r.Dir(), tc.file); got != before {
				t.Errorf("%s changed by PreviousImage", tc.file)
			}
		})
	}
}

func TestEditCommitPushAndUndo(t *testing.T) {
	t.Parallel()
	url := gitrepotest.NewRemote(t, sourceFiles())
	r := cloneRepo(t, url)
	src := manifestedit.Source{Root: r.Dir(), Path: "kustomize/overlays/prod"}
	target := manifestedit.Target{Kind: "Deployment", Name: "web", Container: "web"}
	res, err := manifestedit.Apply(t.Context(), src, target, manifestedit.MemoryLimit("768Mi"))
	if err != nil {
		t.Fatal(err)
	}
	sha, err := r.Commit(t.Context(), res.Paths(), "incident inc-7: raise web's memory limit to 768Mi (OOMKilled)", gitrepo.Signature{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Push(t.Context(), ""); err != nil {
		t.Fatal(err)
	}
	if got := gitrepotest.ReadFile(t, url, "main", "kustomize/overlays/prod/memory.yaml"); !strings.Contains(got, "memory: 768Mi") {
		t.Errorf("pushed memory.yaml =\n%s", got)
	}
	undo := cloneRepo(t, url)
	paths, err := undo.Revert(t.Context(), sha)
	if err != nil || len(paths) != 1 {
		t.Fatalf("Revert() = %v, %v", paths, err)
	}
	back, err := manifestedit.Apply(t.Context(), manifestedit.Source{Root: undo.Dir(), Path: "kustomize/overlays/prod"}, target, manifestedit.MemoryLimit("512Mi"))
	if err != nil || back.Changed() {
		t.Errorf("after Revert the source renders %q (changed %v, %v), want 512Mi", back.Current, back.Changed(), err)
	}
}
