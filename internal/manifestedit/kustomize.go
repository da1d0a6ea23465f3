package manifestedit

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	sigsyaml "sigs.k8s.io/yaml"
)

// kustomization is the part of a kustomization file the search reads.
type kustomization struct {
	Resources  []string `json:"resources"`
	Bases      []string `json:"bases"`
	Components []string `json:"components"`
	Patches    []struct {
		Path string `json:"path"`
	} `json:"patches"`
	PatchesStrategicMerge []string `json:"patchesStrategicMerge"`
	HelmCharts            []any    `json:"helmCharts"`
}

// tree is a Kustomize source's files, the overlay's first: kustomization files, patch files
// and plain resource files.
type tree struct {
	kustomizations []string
	patches        []string
	resources      []string
}

// kustomizeTree walks the kustomization at src's path and every local base and component below
// it. A resource that is not a local file or directory (a remote base), one outside Root, or
// helmCharts is ErrUnsupportedSource.
func kustomizeTree(src Source) (tree, error) {
	var t tree
	seen := map[string]bool{}
	var visit func(dir string) error
	visit = func(dir string) error {
		if seen[dir] {
			return nil
		}
		seen[dir] = true
		kf := kustomizationFile(dir)
		if kf == "" {
			return fmt.Errorf("%s has no kustomization file: %w", rel(src.Root, dir), ErrUnsupportedSource)
		}
		content, err := os.ReadFile(kf)
		if err != nil {
			return fmt.Errorf("read kustomization: %w", err)
		}
		var k kustomization
		if err := sigsyaml.Unmarshal(content, &k); err != nil {
			return fmt.Errorf("parse %s: %w", rel(src.Root, kf), err)
		}
		if len(k.HelmCharts) > 0 {
			return fmt.Errorf("%s inflates Helm charts: %w", rel(src.Root, kf), ErrUnsupportedSource)
		}
		t.kustomizations = append(t.kustomizations, kf)
		var patches []string
		for _, p := range k.Patches {
			if p.Path != "" {
				patches = append(patches, p.Path)
			}
		}
		for _, p := range k.PatchesStrategicMerge {
			if !strings.Contains(p, "\n") {
				patches = append(patches, p)
			}
		}
		for _, p := range patches {
			full, err := local(src.Root, dir, p)
			if err != nil {
				return err
			}
			t.patches = append(t.patches, full)
		}
		for _, r := range append(append(append([]string{}, k.Resources...), k.Bases...), k.Components...) {
			full, err := local(src.Root, dir, r)
			if err != nil {
				return err
			}
			if fi, _ := os.Stat(full); fi.IsDir() {
				if err := visit(full); err != nil {
					return err
				}
				continue
			}
			t.resources = append(t.resources, full)
		}
		return nil
	}
	if err := visit(filepath.Clean(src.dir())); err != nil {
		return tree{}, err
	}
	return t, nil
}

// local resolves a kustomization entry to a file or directory inside root; anything else (a
// URL, a remote base, a path leaving the repository, a missing file) is ErrUnsupportedSource.
func local(root, dir, entry string) (string, error) {
	if strings.Contains(entry, "://") || strings.Contains(entry, "?") {
		return "", fmt.Errorf("remote resource %s: %w", entry, ErrUnsupportedSource)
	}
	full := filepath.Clean(filepath.Join(dir, entry))
	r, err := filepath.Rel(filepath.Clean(root), full)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("resource %s outside the repository: %w", entry, ErrUnsupportedSource)
	}
	if _, err := os.Stat(full); err != nil {
		return "", fmt.Errorf("resource %s is not a local file (a remote base?): %w", entry, ErrUnsupportedSource)
	}
	return full, nil
}
