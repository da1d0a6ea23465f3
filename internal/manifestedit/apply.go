package manifestedit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// FileChange is one file an edit changed.
type FileChange struct {
	// Path is slash-separated and relative to Source.Root, as gitrepo.Repo.Commit takes it.
	Path string
	Old  []byte
	New  []byte
}

// Result is what Apply did.
type Result struct {
	// Current is the value the rendered source had before the edit ("" when unset).
	Current string
	// Wanted is the value the edit sets (for an image given as a tag, the full reference).
	Wanted string
	// Files are the changed files; none when the source already had Wanted.
	Files []FileChange
	// Diff is a unified diff of Files for people (--- a/path, +++ b/path, hunks).
	Diff string
}

// Changed reports whether the edit changed any file.
func (r Result) Changed() bool { return len(r.Files) > 0 }

// Paths lists the changed files, for gitrepo.Repo.Commit.
func (r Result) Paths() []string {
	out := make([]string, len(r.Files))
	for i, f := range r.Files {
		out[i] = f.Path
	}
	return out
}

// Apply changes edit's field of target in the file of src that decides it, writes that file
// in place, and proves the change by rendering src again: the rendered target has the new
// value and nothing else rendered changed. A source that already renders the value is left
// alone (a Result without Files).
//
// Errors: ErrTargetNotFound (no such workload or container in the rendered source),
// ErrNotInSource (no candidate file changes the rendered value), ErrUnsupportedSource (Helm:
// use SetValuesPath; remote bases), ErrInvalidEdit. After an error no file is changed.
func Apply(ctx context.Context, src Source, target Target, edit Edit) (Result, error) {
	return search(ctx, src, target, edit, true)
}

// search finds the candidate that decides the field; with keep, its edit stays on disk.
func search(ctx context.Context, src Source, target Target, edit Edit, keep bool) (Result, error) {
	if err := edit.validate(); err != nil {
		return Result{}, err
	}
	if src.Type == "" {
		src.Type = DetectSource(src.dir())
	}
	before, err := render(ctx, src)
	if err != nil {
		return Result{}, err
	}
	obj, err := find(before, target, src.Namespace)
	if err != nil {
		return Result{}, err
	}
	container, err := containerOf(obj, target, edit.Field)
	if err != nil {
		return Result{}, err
	}
	path := fieldPath(target.Kind, edit.Field, container)
	res := Result{Current: valueText(obj.get(path)), Wanted: edit.Value}
	if edit.Field == FieldImage && !strings.ContainsAny(edit.Value, ":@/") {
		name, _, _ := splitImage(res.Current)
		res.Wanted = name + ":" + edit.Value
	}
	if res.Current == res.Wanted {
		return res, nil
	}
	var want any = res.Wanted
	if edit.Field == FieldReplicas {
		n, _ := strconv.Atoi(res.Wanted)
		want = n
	}
	files, err := sourceFiles(src)
	if err != nil {
		return Result{}, err
	}
	var reasons []string
	for _, c := range candidates(files, target, obj, edit.Field, path, res.Wanted, valueText(obj.get(fieldPath(target.Kind, FieldImage, container)))) {
		change, err := try(ctx, src, c, before, target, path, want, keep)
		if err != nil {
			reasons = append(reasons, fmt.Sprintf("%s: %v", rel(src.Root, c.file), err))
			continue
		}
		res.Files = []FileChange{change}
		res.Diff = unifiedDiff(change.Path, change.Old, change.New)
		return res, nil
	}
	if len(reasons) == 0 {
		reasons = append(reasons, "no file defines it")
	}
	return Result{}, fmt.Errorf("%s of %s: %w (%s)", edit.Field, target, ErrNotInSource, strings.Join(reasons, "; "))
}

// try writes candidate c, renders and proves; it puts the file back unless the proof holds
// and keep is set.
func try(ctx context.Context, src Source, c candidate, before []object, target Target, path []step, want any, keep bool) (FileChange, error) {
	old, err := os.ReadFile(c.file)
	if err != nil {
		return FileChange{}, err
	}
	content := old
	for _, s := range c.sets {
		if content, _, err = setInDoc(content, c.doc, s.path, s.value, c.create); err != nil {
			return FileChange{}, err
		}
	}
	if bytes.Equal(content, old) {
		return FileChange{}, errors.New("already holds the value, yet the workload renders another")
	}
	fi, err := os.Stat(c.file)
	if err != nil {
		return FileChange{}, err
	}
	if err := os.WriteFile(c.file, content, fi.Mode().Perm()); err != nil {
		return FileChange{}, err
	}
	after, err := render(ctx, src)
	if err == nil {
		err = prove(before, after, target, src.Namespace, path, want)
	}
	if err != nil || !keep {
		if rerr := os.WriteFile(c.file, old, fi.Mode().Perm()); rerr != nil {
			return FileChange{}, errors.Join(err, rerr)
		}
	}
	if err != nil {
		return FileChange{}, err
	}
	return FileChange{Path: rel(src.Root, c.file), Old: old, New: content}, nil
}

// sourceFiles are the files the candidates come from.
func sourceFiles(src Source) (tree, error) {
	if src.Type == SourceKustomize {
		return kustomizeTree(src)
	}
	files, err := manifestFiles(src.dir(), src.Recurse)
	return tree{resources: files}, err
}

// find returns the one rendered object that is target.
func find(objs []object, target Target, defaultNS string) (object, error) {
	var found []object
	for _, o := range objs {
		if o.is(target, defaultNS) {
			found = append(found, o)
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("%s: %w", target, ErrTargetNotFound)
	case 1:
		return found[0], nil
	default:
		return nil, fmt.Errorf("%s: rendered %d times, name its namespace: %w", target, len(found), ErrTargetNotFound)
	}
}

// containerOf names the container a container field edits: the target's, or the only one.
func containerOf(obj object, target Target, field Field) (string, error) {
	if field != FieldImage && field != FieldMemoryLimit {
		return target.Container, nil
	}
	items, _ := obj.get(append(podTemplate(target.Kind), keys("spec", "containers")...)).([]any)
	var names []string
	for _, it := range items {
		if m, ok := it.(map[string]any); ok {
			n, _ := m["name"].(string)
			names = append(names, n)
		}
	}
	if target.Container == "" && len(names) == 1 {
		return names[0], nil
	}
	for _, n := range names {
		if n == target.Container && n != "" {
			return n, nil
		}
	}
	return "", fmt.Errorf("container %q of %s (has %v): %w", target.Container, target, names, ErrTargetNotFound)
}
