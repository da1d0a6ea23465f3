package manifestedit_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"selfhealing.dev/coordination-engine/internal/manifestedit"
)

func overlay(root string) manifestedit.Source {
	return manifestedit.Source{Root: root, Path: "kustomize/overlays/prod", Namespace: "default"}
}

func TestApplyToKustomizeEditsTheFileThatDecides(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		edit        manifestedit.Edit
		wantFile    string
		wantCurrent string
		wantOld     string
		wantNew     string
	}{
		{
			name: "an image pinned by the overlay's images entry changes there", edit: manifestedit.Image("v3"),
			wantFile: "kustomize/overlays/prod/kustomization.yaml", wantCurrent: "registry.example.com/web:v2",
			wantOld: "newTag: v2   # release 2", wantNew: "newTag: v3   # release 2",
		},
		{
			name: "a memory limit set by an overlay patch changes in the patch", edit: manifestedit.MemoryLimit("1Gi"),
			wantFile: "kustomize/overlays/prod/memory.yaml", wantCurrent: "512Mi",
			wantOld: "memory: 512Mi", wantNew: "memory: 1Gi",
		},
		{
			name: "replicas set only in the base change in the base", edit: manifestedit.Replicas(4),
			wantFile: "kustomize/base/deployment.yaml", wantCurrent: "2",
			wantOld: "replicas: 2", wantNew: "replicas: 4",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := sourceFiles()
			root := checkout(t, files)
			res, err := manifestedit.Apply(t.Context(), overlay(root), manifestedit.Target{Kind: "Deployment", Namespace: "prod", Name: "web", Container: "web"}, tc.edit)
			if err != nil {
				t.Fatalf("Apply() = %v", err)
			}
			if res.Current != tc.wantCurrent {
				t.Errorf("Apply() current = %q, want %q", res.Current, tc.wantCurrent)
			}
			if len(res.Files) != 1 || res.Files[0].Path != tc.wantFile {
				t.Fatalf("Apply() files = %v, want [%s]", res.Paths(), tc.wantFile)
			}
			if got, want := readFile(t, root, tc.wantFile), strings.Replace(files[tc.wantFile], tc.wantOld, tc.wantNew, 1); got != want {
				t.Errorf("%s =\n%s\nwant\n%s", tc.wantFile, got, want)
			}
			for p, c := range files {
				if p != tc.wantFile && readFile(t, root, p) != c {
					t.Errorf("%s changed too", p)
				}
			}
		})
	}
}

func TestApplyToKustomizeWithoutAnImagesEntryEditsTheBase(t *testing.T) {
	t.Parallel()
	files := sourceFiles()
	files["kustomize/overlays/prod/kustomization.yaml"] = "namespace: prod\nresources:\n- ../../base\n"
	root := checkout(t, files)
	res, err := manifestedit.Apply(t.Context(), overlay(root), manifestedit.Target{Kind: "Deployment", Name: "web"}, manifestedit.Image("registry.example.com/web:v0"))
	if err != nil || len(res.Files) != 1 || res.Files[0].Path != "kustomize/base/deployment.yaml" {
		t.Fatalf("Apply() = %v, %v, want the base", res.Paths(), err)
	}
}

func TestApplyToKustomizeRestartGoesToTheOverlayPatch(t *testing.T) {
	t.Parallel()
	root := checkout(t, sourceFiles())
	res, err := manifestedit.Apply(t.Context(), overlay(root), manifestedit.Target{Kind: "Deployment", Name: "web"}, manifestedit.RestartedAt(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)))
	if err != nil || len(res.Files) != 1 || res.Files[0].Path != "kustomize/overlays/prod/memory.yaml" {
		t.Fatalf("Apply() = %v, %v, want the overlay's patch", res.Paths(), err)
	}
}

func TestApplyToKustomizeRefusals(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		change  map[string]string
		edit    manifestedit.Edit
		wantErr error
	}{
		{
			name: "a memory limit set by an inline JSON patch is in no file the engine edits",
			change: map[string]string{"kustomize/overlays/prod/kustomization.yaml": `resources:
- ../../base
patches:
- target: {kind: Deployment, name: web}
  patch: |-
    - op: replace
      path: /spec/template/spec/containers/0/resources/limits/memory
      value: 768Mi
`},
			edit: manifestedit.MemoryLimit("1Gi"), wantErr: manifestedit.ErrNotInSource,
		},
		{
			name:   "a remote base is not followed",
			change: map[string]string{"kustomize/overlays/prod/kustomization.yaml": "resources:\n- https://git.example.com/org/base//web?ref=v1\n"},
			edit:   manifestedit.MemoryLimit("1Gi"), wantErr: manifestedit.ErrUnsupportedSource,
		},
		{
			name:   "a base outside the repository is refused",
			change: map[string]string{"kustomize/overlays/prod/kustomization.yaml": "resources:\n- ../../../../elsewhere\n"},
			edit:   manifestedit.MemoryLimit("1Gi"), wantErr: manifestedit.ErrUnsupportedSource,
		},
		{
			name:   "helmCharts are refused",
			change: map[string]string{"kustomize/overlays/prod/kustomization.yaml": "helmCharts:\n- name: web\n  repo: https://charts.example.com\n"},
			edit:   manifestedit.MemoryLimit("1Gi"), wantErr: manifestedit.ErrUnsupportedSource,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := sourceFiles()
			for p, c := range tc.change {
				files[p] = c
			}
			root := checkout(t, files)
			_, err := manifestedit.Apply(t.Context(), overlay(root), manifestedit.Target{Kind: "Deployment", Name: "web"}, tc.edit)
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("Apply() = %v, want %v", err, tc.wantErr)
			}
			for p, c := range files {
				if readFile(t, root, p) != c {
					t.Errorf("%s changed after a refusal", p)
				}
			}
		})
	}
}
