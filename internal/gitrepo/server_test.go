package gitrepo_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/fluxcd/pkg/gittestserver"
	"github.com/go-git/go-git/v5/plumbing/transport"

	"selfhealing.dev/coordination-engine/internal/gitrepo"
	"selfhealing.dev/coordination-engine/internal/gitrepo/gitrepotest"
)

// The tests in this file clone and push over HTTP from a real Git server on 127.0.0.1:
// gittestserver runs the git binary's upload-pack and receive-pack behind Git's smart HTTP
// protocol, with basic auth (server_ssh_test.go does the same over SSH).

const (
	serverUser  = "engine"
	serverToken = "s3cret-token"
)

// serveHTTP serves the bare repository of fileURL (a gitrepotest remote) over smart HTTP on
// 127.0.0.1 until the test ends, and returns its http:// URL. With user set, every request
// needs basic auth with user and password; middleware wraps the Git handler.
func serveHTTP(t *testing.T, fileURL, user, password string, middleware ...gittestserver.HTTPMiddleware) string {
	t.Helper()
	bare := strings.TrimPrefix(fileURL, "file://")
	srv := gittestserver.NewGitServer(filepath.Dir(bare))
	if user != "" {
		srv.Auth(user, password)
	}
	srv.AddHTTPMiddlewares(middleware...)
	if err := srv.StartHTTP(); err != nil {
		t.Fatalf("start Git HTTP server: %v", err)
	}
	t.Cleanup(srv.StopHTTP)
	return srv.HTTPAddress() + "/" + filepath.Base(bare)
}

// serveGitHTTPBackend serves the bare repository of fileURL with git http-backend, Git's own
// smart HTTP server, as CGI on 127.0.0.1 until the test ends, and returns its http:// URL;
// anyone may read and push. Unlike gittestserver, which copies git's stderr into the response,
// it keeps git's error messages out of the protocol, as real servers do.
func serveGitHTTPBackend(t *testing.T, fileURL string, middleware ...gittestserver.HTTPMiddleware) string {
	t.Helper()
	git, err := exec.LookPath("git")
	if err != nil {
		t.Fatalf("the git binary serves these tests: %v", err)
	}
	bare := strings.TrimPrefix(fileURL, "file://")
	var h http.Handler = &cgi.Handler{
		Path: git,
		Args: []string{"http-backend"},
		Env: []string{
			"GIT_PROJECT_ROOT=" + filepath.Dir(bare), "GIT_HTTP_EXPORT_ALL=1",
			"GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=http.receivepack", "GIT_CONFIG_VALUE_0=true",
		},
		Stderr: io.Discard,
	}
	for _, m := range middleware {
		h = m(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL + "/" + filepath.Base(bare)
}

// cloneRemote clones the default branch of remote; the clone is closed when the test ends.
func cloneRemote(t *testing.T, remote gitrepo.Remote) *gitrepo.Repo {
	t.Helper()
	r, err := gitrepo.Clone(t.Context(), remote, "", emptyAtEnd(t))
	if err != nil {
		t.Fatalf("Clone(%s) = %v", remote.URL, err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
	})
	return r
}

func remoteFromSecret(t *testing.T, url string, data map[string][]byte) gitrepo.Remote {
	t.Helper()
	remote, err := gitrepo.RemoteFromSecret(url, data)
	if err != nil {
		t.Fatalf("RemoteFromSecret(%s) = %v", url, err)
	}
	return remote
}

// changeAndPush commits a new image for web in r, pushes it and returns the commit's SHA.
func changeAndPush(t *testing.T, r *gitrepo.Repo, image string) string {
	t.Helper()
	writeFile(t, r, "apps/web.yaml", strings.Replace(deployment, "web:v1", image, 1))
	sha, err := r.Commit(t.Context(), []string{"apps/web.yaml"}, "set image "+image, gitrepo.Signature{})
	if err != nil {
		t.Fatalf("Commit() = %v", err)
	}
	if _, err := r.Push(t.Context(), ""); err != nil {
		t.Fatalf("Push() = %v", err)
	}
	return sha
}

// seesCommit checks that a fresh clone of remote has sha at the head with image in web.yaml.
func seesCommit(t *testing.T, remote gitrepo.Remote, sha, image string) {
	t.Helper()
	fresh := cloneRemote(t, remote)
	if head, err := fresh.Head(); err != nil || head != sha {
		t.Errorf("fresh clone Head() = %s, %v, want %s", head, err, sha)
	}
	got, err := os.ReadFile(filepath.Join(fresh.Dir(), "apps", "web.yaml"))
	if err != nil || !strings.Contains(string(got), image) {
		t.Errorf("fresh clone apps/web.yaml = %q, %v, want image %s", got, err, image)
	}
}

func TestHTTPRemoteWithSecretCredentials(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data map[string][]byte
		// wantErr is nil when clone, commit and push must work.
		wantErr []error
	}{
		{
			name: "username and token clone, commit and push, and a fresh clone sees the commit",
			data: map[string][]byte{gitrepo.KeyUsername: []byte(serverUser), gitrepo.KeyPassword: []byte(serverToken)},
		},
		{
			name:    "a wrong token is an authentication error at clone",
			data:    map[string][]byte{gitrepo.KeyUsername: []byte(serverUser), gitrepo.KeyPassword: []byte("wrong-token")},
			wantErr: []error{transport.ErrAuthenticationRequired, transport.ErrAuthorizationFailed},
		},
		{
			name:    "the right token for another username is an authentication error at clone",
			data:    map[string][]byte{gitrepo.KeyUsername: []byte("someone"), gitrepo.KeyPassword: []byte(serverToken)},
			wantErr: []error{transport.ErrAuthenticationRequired, transport.ErrAuthorizationFailed},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fileURL := gitrepotest.NewRemote(t, map[string]string{"apps/web.yaml": deployment})
			url := serveHTTP(t, fileURL, serverUser, serverToken)
			remote := remoteFromSecret(t, url, tt.data)
			if err := gitrepo.RemoteWritable(remote); err != nil {
				t.Errorf("RemoteWritable() = %v, want nil (credentials are present)", err)
			}
			if tt.wantErr != nil {
				_, err := gitrepo.Clone(t.Context(), remote, "", emptyAtEnd(t))
				if !isAny(err, tt.wantErr) {
					t.Fatalf("Clone() = %v, want one of %v", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), string(tt.data[gitrepo.KeyPassword])) {
					t.Errorf("Clone() = %q, holds the token", err)
				}
				return
			}
			r := cloneRemote(t, remote)
			sha := changeAndPush(t, r, "web:v2")
			if got := gitrepotest.BranchHead(t, fileURL, gitrepotest.Branch); got != sha {
				t.Errorf("server's %s = %s, want the pushed %s", gitrepotest.Branch, got, sha)
			}
			seesCommit(t, remote, sha, "web:v2")
		})
	}
}

func isAny(err error, targets []error) bool {
	for _, target := range targets {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// pushNeedsAuth answers a push without basic auth with 401, as a public repository's server
// does: anyone may read, only users with credentials may write. It counts requests in n.
func pushNeedsAuth(n *atomic.Int32) gittestserver.HTTPMiddleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			push := strings.HasSuffix(r.URL.Path, "/git-receive-pack") || r.URL.Query().Get("service") == "git-receive-pack"
			if _, _, ok := r.BasicAuth(); push && !ok {
				w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
				http.Error(w, "authentication required", http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func TestHTTPRemoteWithoutCredentialsIsReadOnly(t *testing.T) {
	t.Parallel()
	fileURL := gitrepotest.NewRemote(t, map[string]string{"apps/web.yaml": deployment})
	before := gitrepotest.BranchHead(t, fileURL, gitrepotest.Branch)
	var requests atomic.Int32
	url := serveHTTP(t, fileURL, "", "", pushNeedsAuth(&requests))
	remote := remoteFromSecret(t, url, nil)

	var notWritable *gitrepo.NotWritableError
	if err := gitrepo.RemoteWritable(remote); !errors.As(err, &notWritable) {
		t.Fatalf("RemoteWritable() = %v, want a *NotWritableError", err)
	}
	if n := requests.Load(); n != 0 {
		t.Fatalf("RemoteWritable() made %d requests to the server, want none", n)
	}

	r := cloneRemote(t, remote)
	if err := r.Writable(); !errors.As(err, &notWritable) {
		t.Errorf("Writable() of an anonymous clone = %v, want a *NotWritableError", err)
	}
	// The forecast holds: the server refuses an anonymous push.
	writeFile(t, r, "apps/web.yaml", strings.Replace(deployment, "web:v1", "web:v2", 1))
	if _, err := r.Commit(t.Context(), []string{"apps/web.yaml"}, "set image web:v2", gitrepo.Signature{}); err != nil {
		t.Fatalf("Commit() = %v", err)
	}
	if _, err := r.Push(t.Context(), ""); !errors.Is(err, transport.ErrAuthenticationRequired) {
		t.Errorf("anonymous Push() = %v, want ErrAuthenticationRequired", err)
	}
	if got := gitrepotest.BranchHead(t, fileURL, gitrepotest.Branch); got != before {
		t.Errorf("server's %s = %s after a refused push, want %s", gitrepotest.Branch, got, before)
	}
}

// moveBranchOnFirstPush pushes other's commits to the server just before the first push
// request reaches receive-pack: after the client read the refs, before the server updates them.
func moveBranchOnFirstPush(t *testing.T, other *gitrepo.Repo) gittestserver.HTTPMiddleware {
	var moved atomic.Bool
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/git-receive-pack") && moved.CompareAndSwap(false, true) {
				if _, err := other.Push(r.Context(), ""); err != nil {
					t.Errorf("push of the competing commit: %v", err)
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

func TestPushToAMovedBranchOfAGitServerIsErrNonFastForward(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// raceWithPush moves the branch while the push is under way instead of before it.
		raceWithPush bool
	}{
		{name: "the branch moved after the clone: go-git refuses before sending"},
		{name: "the branch moved between the ref advertisement and the upload: receive-pack refuses", raceWithPush: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fileURL := gitrepotest.NewRemote(t, map[string]string{"apps/web.yaml": deployment})
			// other is a person's clone, pushed to the bare repository directly.
			other := clone(t, fileURL, "")
			writeFile(t, other, "README.md", "moved\n")
			moved, err := other.Commit(t.Context(), []string{"README.md"}, "someone else's change", gitrepo.Signature{Name: "Dev", Email: "dev@example.com"})
			if err != nil {
				t.Fatalf("Commit() = %v", err)
			}
			url := serveHTTP(t, fileURL, serverUser, serverToken)
			if tt.raceWithPush {
				// git http-backend: receive-pack's report must reach the client unmixed.
				url = serveGitHTTPBackend(t, fileURL, moveBranchOnFirstPush(t, other))
			}
			remote := remoteFromSecret(t, url, map[string][]byte{gitrepo.KeyUsername: []byte(serverUser), gitrepo.KeyPassword: []byte(serverToken)})
			stale := cloneRemote(t, remote)
			if !tt.raceWithPush {
				if _, err := other.Push(t.Context(), ""); err != nil {
					t.Fatalf("push of the competing commit: %v", err)
				}
			}

			writeFile(t, stale, "apps/web.yaml", strings.Replace(deployment, "web:v1", "web:v2", 1))
			if _, err := stale.Commit(t.Context(), []string{"apps/web.yaml"}, "set image web:v2", gitrepo.Signature{}); err != nil {
				t.Fatalf("Commit() = %v", err)
			}
			if _, err := stale.Push(t.Context(), ""); !errors.Is(err, gitrepo.ErrNonFastForward) {
				t.Fatalf("Push() from a stale clone = %v, want ErrNonFastForward", err)
			}
			if got := gitrepotest.BranchHead(t, fileURL, gitrepotest.Branch); got != moved {
				t.Errorf("server's %s = %s, want the competing %s", gitrepotest.Branch, got, moved)
			}
			// Cloning again and redoing the change works.
			seesCommit(t, remote, changeAndPush(t, cloneRemote(t, remote), "web:v3"), "web:v3")
		})
	}
}
