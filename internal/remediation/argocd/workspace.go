package argocd

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strings"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/gitrepo"
	"selfhealing.dev/coordination-engine/internal/manifestedit"
)

// workspace is a clone of an Application's edited source, with what the edit needs to know of it.
type workspace struct {
	repo *gitrepo.Repo
	// src is the source as manifestedit reads it; srcType is the type decided (the Application's
	// or detected from the files).
	src manifestedit.Source
	// creds says where the credentials came from ("" when anonymous).
	creds string
}

// remote builds the Remote of repoURL with the credentials Argo CD (or the configured Secret)
// holds for it; none found means anonymous access, which reads public repositories and writes
// only file:// ones.
func (s *Strategy) remote(ctx context.Context, app Application, repoURL string) (gitrepo.Remote, string, error) {
	ns := s.opts.ArgoCDNamespace
	if ns == "" {
		ns = app.Namespace
	}
	c, err := FindCredentials(ctx, s.reader, ns, repoURL, app.Project, s.opts.Credentials)
	switch {
	case errors.Is(err, ErrNoCredentials):
		r, err := gitrepo.RemoteFromSecret(repoURL, nil)
		return r, "", err
	case err != nil:
		return gitrepo.Remote{}, "", err
	}
	r, err := gitrepo.RemoteFromSecret(repoURL, c.Data)
	if err != nil {
		return gitrepo.Remote{}, "", fmt.Errorf("credentials in Secret %s: %w", c.Secret, err)
	}
	return r, c.Secret.String(), nil
}

// checkout clones the source at revision (its targetRevision when "") and decides its type.
func (s *Strategy) checkout(ctx context.Context, app Application, src Source, revision string) (*workspace, error) {
	remote, creds, err := s.remote(ctx, app, src.RepoURL)
	if err != nil {
		return nil, err
	}
	if revision == "" {
		revision = src.TargetRevision
	}
	repo, err := gitrepo.Clone(ctx, remote, revision, s.opts.WorkDir)
	if err != nil {
		return nil, fmt.Errorf("clone %s at %s: %w", src.RepoURL, revision, err)
	}
	if err := symlinksStayInside(repo.Dir()); err != nil {
		_ = repo.Close()
		return nil, err
	}
	ws := &workspace{repo: repo, creds: creds, src: manifestedit.Source{Root: repo.Dir(), Path: path.Clean("/" + src.Path)[1:],
		Recurse: src.Directory != nil && src.Directory.Recurse, Namespace: app.Destination.Namespace}}
	switch src.Type {
	case SourceDirectory:
		ws.src.Type = manifestedit.SourceDirectory
	case SourceKustomize:
		ws.src.Type = manifestedit.SourceKustomize
	case SourceHelm:
		ws.src.Type = manifestedit.SourceHelm
	default:
		ws.src.Type = manifestedit.DetectSource(repo.Dir() + "/" + ws.src.Path)
	}
	return ws, nil
}

// close removes the clone.
func (w *workspace) close() { _ = w.repo.Close() }

// symlinksStayInside refuses a checkout with a symbolic link that leads outside it: the engine
// reads and writes the files of a source, and a link must not make it read or overwrite the
// engine's own files.
func symlinksStayInside(root string) error {
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		return err
	}
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && d.Name() == ".git":
			return filepath.SkipDir
		case d.Type()&fs.ModeSymlink == 0:
			return nil
		}
		target, err := filepath.EvalSymlinks(p)
		if err != nil || (target != real && !strings.HasPrefix(target, real+string(filepath.Separator))) {
			rel, _ := filepath.Rel(root, p)
			return action.Refuse(v1alpha1.ReasonSourceUnsupported, false,
				"the repository has a symbolic link %s that leads outside it (or nowhere); the engine does not follow it", rel)
		}
		return nil
	})
}
