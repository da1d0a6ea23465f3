package manifestedit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"selfhealing.dev/coordination-engine/internal/gitrepo"
)

// History reads a file's earlier versions; *gitrepo.Repo is one.
type History interface {
	FileHistory(ctx context.Context, path string, limit int) ([]gitrepo.Revision, error)
}

var _ History = (*gitrepo.Repo)(nil)

// Previous is the image to roll back to.
type Previous struct {
	// Image is the earlier image reference, for Image(Previous.Image).
	Image string
	// Current is the image rendered now.
	Current string
	// File is the file that decides the image (relative to Source.Root).
	File string
	// Commit is the commit whose version of File rendered Image.
	Commit string
}

// PreviousImage finds the image to roll target's container back to: it locates the file that
// decides the image (as Apply would edit it), then walks that file's history newest first (at
// most limit versions) and renders the source with each earlier version in place of the file,
// until the container's image differs from the current one. The working tree is left as it
// was. None is ErrNoPreviousRevision; the other errors are Apply's.
func PreviousImage(ctx context.Context, src Source, target Target, hist History, limit int) (Previous, error) {
	if src.Type == "" {
		src.Type = DetectSource(src.dir())
	}
	objs, err := render(ctx, src)
	if err != nil {
		return Previous{}, err
	}
	obj, err := find(objs, target, src.Namespace)
	if err != nil {
		return Previous{}, err
	}
	container, err := containerOf(obj, target, FieldImage)
	if err != nil {
		return Previous{}, err
	}
	path := fieldPath(target.Kind, FieldImage, container)
	current := valueText(obj.get(path))
	name, _, _ := splitImage(current)
	probe, err := search(ctx, src, target, Image(name+":coordination-engine-probe"), false)
	if err != nil {
		return Previous{}, err
	}
	file := probe.Files[0].Path
	full := filepath.Join(src.Root, filepath.FromSlash(file))
	now := probe.Files[0].Old
	revs, err := hist.FileHistory(ctx, file, limit)
	if err != nil {
		return Previous{}, fmt.Errorf("history of %s: %w", file, err)
	}
	fi, err := os.Stat(full)
	if err != nil {
		return Previous{}, err
	}
	defer os.WriteFile(full, now, fi.Mode().Perm()) //nolint:errcheck // puts the file back whatever happens; a failure shows in the next render.
	for _, rev := range revs {
		if rev.Deleted || bytes.Equal(rev.Content, now) {
			continue
		}
		image, err := renderedWith(ctx, src, full, rev.Content, target, path, fi.Mode().Perm())
		if err != nil || image == "" || image == current {
			continue
		}
		return Previous{Image: image, Current: current, File: file, Commit: rev.Commit}, nil
	}
	return Previous{}, fmt.Errorf("image of %s in %s: %w", target, file, ErrNoPreviousRevision)
}

// renderedWith renders src with content in place of file and returns target's value at path;
// the caller restores the file.
func renderedWith(ctx context.Context, src Source, file string, content []byte, target Target, path []step, mode os.FileMode) (string, error) {
	if err := os.WriteFile(file, content, mode); err != nil {
		return "", err
	}
	objs, err := render(ctx, src)
	if err != nil {
		return "", err
	}
	obj, err := find(objs, target, src.Namespace)
	if err != nil {
		return "", err
	}
	v := valueText(obj.get(path))
	if v == "" {
		return "", errors.New("no image")
	}
	return v, nil
}
