package manifestedit

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	sigsyaml "sigs.k8s.io/yaml"
)

// object is one rendered Kubernetes object, normalised through JSON.
type object map[string]any

func (o object) str(path ...string) string {
	var cur any = map[string]any(o)
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = m[p]
	}
	s, _ := cur.(string)
	return s
}

// id is the object's identity: group, kind, namespace (defaulted), name.
func (o object) id(defaultNS string) string {
	ns := o.str("metadata", "namespace")
	if ns == "" {
		ns = defaultNS
	}
	return group(o.str("apiVersion")) + "/" + o.str("kind") + "/" + ns + "/" + o.str("metadata", "name")
}

func group(apiVersion string) string {
	g, _, ok := strings.Cut(apiVersion, "/")
	if !ok {
		return ""
	}
	return g
}

func (o object) is(t Target, defaultNS string) bool {
	ns := o.str("metadata", "namespace")
	if ns == "" {
		ns = defaultNS
	}
	return o.str("kind") == t.Kind && o.str("metadata", "name") == t.Name &&
		(t.Namespace == "" || ns == t.Namespace) &&
		(t.APIVersion == "" || group(o.str("apiVersion")) == group(t.APIVersion))
}

// get returns the value at path (nil when absent).
func (o object) get(path []step) any {
	var cur any = map[string]any(o)
	for _, s := range path {
		if s.key != "" {
			m, ok := cur.(map[string]any)
			if !ok {
				return nil
			}
			cur = m[s.key]
		}
		cur = item(cur, s)
	}
	return cur
}

// item applies a step's sequence selection (by name or index) to cur.
func item(cur any, s step) any {
	if s.match == "" && s.index < 0 {
		return cur
	}
	items, _ := cur.([]any)
	if s.index >= 0 {
		if s.index < len(items) {
			return items[s.index]
		}
		return nil
	}
	for _, it := range items {
		if m, ok := it.(map[string]any); ok && m["name"] == s.match {
			return m
		}
	}
	return nil
}

// with returns a copy of o with the value at path set (maps created as needed; sequence items
// must exist).
func (o object) with(path []step, v any) (object, error) {
	cp, err := normalise(o)
	if err != nil {
		return nil, err
	}
	if cp == nil {
		cp = object{}
	}
	var cur any = map[string]any(cp)
	for i, s := range path {
		last := i == len(path)-1
		m, ok := cur.(map[string]any)
		if s.key != "" {
			if !ok {
				return nil, fmt.Errorf("%s: not a mapping", pathString(path[:i+1]))
			}
			if last && s.match == "" && s.index < 0 {
				m[s.key] = v
				break
			}
			if m[s.key] == nil && s.match == "" && s.index < 0 {
				m[s.key] = map[string]any{}
			}
			cur = m[s.key]
		}
		if s.index >= 0 && last {
			items, ok := cur.([]any)
			if !ok || s.index >= len(items) {
				return nil, fmt.Errorf("%s: no such item", pathString(path[:i+1]))
			}
			items[s.index] = v
			break
		}
		if cur = item(cur, s); cur == nil {
			return nil, fmt.Errorf("%s: no such item", pathString(path[:i+1]))
		}
	}
	return normalise(cp)
}

func normalise(v any) (object, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var o object
	if err := json.Unmarshal(b, &o); err != nil {
		return nil, err
	}
	return o, nil
}

// render renders the source: every object it deploys.
func render(ctx context.Context, src Source) ([]object, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	switch src.Type {
	case SourceKustomize:
		return renderKustomize(src)
	case SourceDirectory:
		return renderDirectory(src)
	default:
		return nil, fmt.Errorf("render %s source: %w", src.Type, ErrUnsupportedSource)
	}
}

func renderKustomize(src Source) ([]object, error) {
	if _, err := kustomizeTree(src); err != nil {
		return nil, err
	}
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	rm, err := k.Run(filesys.MakeFsOnDisk(), src.dir())
	if err != nil {
		return nil, fmt.Errorf("kustomize build %s: %w", src.Path, err)
	}
	var out []object
	for _, r := range rm.Resources() {
		m, err := r.Map()
		if err != nil {
			return nil, fmt.Errorf("kustomize build %s: %w", src.Path, err)
		}
		o, err := normalise(m)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

func renderDirectory(src Source) ([]object, error) {
	files, err := manifestFiles(src.dir(), src.Recurse)
	if err != nil {
		return nil, err
	}
	var out []object
	for _, f := range files {
		content, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		for _, d := range splitDocs(content) {
			var o object
			if err := sigsyaml.Unmarshal(content[d.start:d.end], &o); err != nil {
				return nil, fmt.Errorf("parse %s: %w", rel(src.Root, f), err)
			}
			if o.str("kind") != "" {
				out = append(out, o)
			}
		}
	}
	return out, nil
}

// manifestFiles lists the YAML files of dir (and below it when recurse), sorted.
func manifestFiles(dir string, recurse bool) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != dir && (!recurse || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if ext := filepath.Ext(p); ext == ".yaml" || ext == ".yml" {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list manifests: %w", err)
	}
	sort.Strings(files)
	return files, nil
}

// prove checks that after differs from before only in target's field at path, now v.
func prove(before, after []object, target Target, defaultNS string, path []step, v any) error {
	index := func(objs []object) (map[string]object, error) {
		m := make(map[string]object, len(objs))
		for _, o := range objs {
			id := o.id(defaultNS)
			if _, dup := m[id]; dup {
				return nil, fmt.Errorf("%s rendered twice", id)
			}
			m[id] = o
		}
		return m, nil
	}
	b, err := index(before)
	if err != nil {
		return err
	}
	a, err := index(after)
	if err != nil {
		return err
	}
	if len(a) != len(b) {
		return fmt.Errorf("the edit changed the set of rendered objects")
	}
	for id, ob := range b {
		oa, ok := a[id]
		if !ok {
			return fmt.Errorf("%s no longer rendered", id)
		}
		want := ob
		if ob.is(target, defaultNS) {
			if want, err = ob.with(path, v); err != nil {
				return err
			}
		}
		if !reflect.DeepEqual(want, oa) {
			return fmt.Errorf("rendered %s differs from the expected result", id)
		}
	}
	return nil
}

func rel(root, p string) string {
	r, err := filepath.Rel(root, p)
	if err != nil {
		return p
	}
	return filepath.ToSlash(r)
}
