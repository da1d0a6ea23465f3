package gitrepo_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"

	"selfhealing.dev/coordination-engine/internal/gitrepo"
	"selfhealing.dev/coordination-engine/internal/gitrepo/gitrepotest"
)

func TestRemoteWritable(t *testing.T) {
	t.Parallel()
	url := gitrepotest.NewRemote(t, map[string]string{"a.yaml": "a\n"})
	for _, tc := range []struct {
		name   string
		remote gitrepo.Remote
		want   bool
	}{
		{name: "a file remote this process may write", remote: gitrepo.Remote{URL: url}, want: true},
		{name: "a file remote that does not exist", remote: gitrepo.Remote{URL: "file://" + filepath.Join(t.TempDir(), "gone.git")}},
		{name: "a file remote that is not a repository", remote: gitrepo.Remote{URL: "file://" + t.TempDir()}},
		{name: "an https remote without credentials", remote: gitrepo.Remote{URL: "https://git.example.com/r.git"}},
		{name: "an https remote with credentials", remote: gitrepo.Remote{URL: "https://git.example.com/r.git", Auth: &githttp.BasicAuth{Username: "u", Password: "p"}}, want: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := gitrepo.RemoteWritable(tc.remote)
			var nw *gitrepo.NotWritableError
			if (err == nil) != tc.want || (err != nil && !errors.As(err, &nw)) {
				t.Errorf("RemoteWritable(%s) = %v, want writable %v", tc.remote.URL, err, tc.want)
			}
		})
	}
}

// TestReadOnlyFileRemoteIsNotWritable uses permissions, which root ignores: as root it checks
// instead that a clone whose remote has gone since is reported not writable.
func TestReadOnlyFileRemoteIsNotWritable(t *testing.T) {
	t.Parallel()
	url := gitrepotest.NewRemote(t, map[string]string{"a.yaml": "a\n"})
	bare := strings.TrimPrefix(url, "file://")
	r := clone(t, url, "main")
	if os.Geteuid() == 0 {
		if err := os.RemoveAll(bare); err != nil {
			t.Fatal(err)
		}
	} else {
		if err := filepath.Walk(bare, func(p string, fi os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			return os.Chmod(p, fi.Mode().Perm()&^0o222)
		}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = filepath.Walk(bare, func(p string, fi os.FileInfo, err error) error {
				if err == nil {
					_ = os.Chmod(p, fi.Mode().Perm()|0o200)
				}
				return nil
			})
		})
	}
	var nw *gitrepo.NotWritableError
	if err := r.Writable(); !errors.As(err, &nw) {
		t.Errorf("Writable() = %v, want a *NotWritableError", err)
	}
}
