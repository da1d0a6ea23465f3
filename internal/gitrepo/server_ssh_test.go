package gitrepo_test

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fluxcd/pkg/gittestserver"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"selfhealing.dev/coordination-engine/internal/gitrepo"
	"selfhealing.dev/coordination-engine/internal/gitrepo/gitrepotest"
)

// The tests in this file clone and push over SSH from a real Git server on 127.0.0.1
// (gittestserver, running the git binary's upload-pack and receive-pack), with the key and
// known hosts of an Argo CD repository Secret.

// sshServer is a Git server over SSH on 127.0.0.1 that accepts only one client key.
type sshServer struct {
	url string
	// knownHosts is a known_hosts line with the server's host key; impostor lists another
	// key for the same host.
	knownHosts, impostor string
}

// serveSSH serves the bare repository of fileURL over SSH on 127.0.0.1 until the test ends,
// with hostKey, for the client key authorized only.
func serveSSH(t *testing.T, fileURL string, hostKey crypto.Signer, authorized ssh.PublicKey) sshServer {
	t.Helper()
	bare := strings.TrimPrefix(fileURL, "file://")
	// gittestserver reads its host key from gitkit.rsa in the key directory (any key type),
	// and makes an RSA key there only when the file is missing.
	keyDir := t.TempDir()
	block, err := ssh.MarshalPrivateKey(hostKey, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(keyDir, "gitkit.rsa"), pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := &ssh.ServerConfig{
		// Without Auth, gittestserver lets any client in (NoClientAuth); refusing "none" here
		// makes the client authenticate with its key, which PublicKeyCallback checks. (Auth
		// would use a package-level key lookup that all servers share.)
		NoClientAuthCallback: func(ssh.ConnMetadata) (*ssh.Permissions, error) {
			return nil, errors.New("a key is required")
		},
		PublicKeyCallback: func(_ ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if !bytes.Equal(key.Marshal(), authorized.Marshal()) {
				return nil, errors.New("key not authorized")
			}
			return &ssh.Permissions{}, nil
		},
	}
	srv := gittestserver.NewGitServer(filepath.Dir(bare)).KeyDir(keyDir).WithSSHConfig(cfg)
	if err := srv.ListenSSH(); err != nil {
		t.Fatalf("listen SSH: %v", err)
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.StartSSH() // returns when StopSSH closes the listener
	}()
	t.Cleanup(func() {
		if err := srv.StopSSH(); err != nil {
			t.Errorf("stop SSH server: %v", err)
		}
		<-served
	})

	pub, err := ssh.NewPublicKey(hostKey.Public())
	if err != nil {
		t.Fatal(err)
	}
	_, impostor := newEd25519(t)
	host := knownhosts.Normalize(strings.TrimPrefix(srv.SSHAddress(), "ssh://git@"))
	return sshServer{
		url:        srv.SSHAddress() + "/" + filepath.Base(bare),
		knownHosts: knownHostsLine(host, pub),
		impostor:   knownHostsLine(host, impostor),
	}
}

// newEd25519 returns a new ed25519 key and its SSH public key.
func newEd25519(t *testing.T) (ed25519.PrivateKey, ssh.PublicKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return priv, sshPub
}

// newClientKey returns an ed25519 key as the PEM an Argo CD Secret's sshPrivateKey holds.
func newClientKey(t *testing.T) ([]byte, ssh.PublicKey) {
	t.Helper()
	priv, pub := newEd25519(t)
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(block), pub
}

func TestSSHRemoteWithSecretCredentials(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// rsaHostKey gives the server an RSA host key instead of an ed25519 one.
		rsaHostKey bool
		// data builds the Secret from the authorized key, a key the server does not know and
		// the server.
		data func(key, unknownKey []byte, srv sshServer) map[string][]byte
		// wantErr is "" when clone, commit and push must work, else text the clone error holds.
		wantErr string
	}{
		{
			name: "an authorized key and the server's ed25519 host key clone, commit and push",
			data: func(key, _ []byte, srv sshServer) map[string][]byte {
				return map[string][]byte{gitrepo.KeySSHPrivateKey: key, gitrepo.KeySSHKnownHosts: []byte(srv.knownHosts)}
			},
		},
		{
			name:       "an authorized key and the server's RSA host key clone, commit and push",
			rsaHostKey: true,
			data: func(key, _ []byte, srv sshServer) map[string][]byte {
				return map[string][]byte{gitrepo.KeySSHPrivateKey: key, gitrepo.KeySSHKnownHosts: []byte(srv.knownHosts)}
			},
		},
		{
			name: "insecure without known hosts skips the host key check",
			data: func(key, _ []byte, _ sshServer) map[string][]byte {
				return map[string][]byte{gitrepo.KeySSHPrivateKey: key, gitrepo.KeyInsecure: []byte("true")}
			},
		},
		{
			name: "another host key for the server in known hosts is refused",
			data: func(key, _ []byte, srv sshServer) map[string][]byte {
				return map[string][]byte{gitrepo.KeySSHPrivateKey: key, gitrepo.KeySSHKnownHosts: []byte(srv.impostor)}
			},
			wantErr: "host key",
		},
		{
			name: "a key the server does not authorize is refused",
			data: func(_, unknownKey []byte, srv sshServer) map[string][]byte {
				return map[string][]byte{gitrepo.KeySSHPrivateKey: unknownKey, gitrepo.KeySSHKnownHosts: []byte(srv.knownHosts)}
			},
			wantErr: "unable to authenticate",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var hostKey crypto.Signer
			hostKey, _ = newEd25519(t)
			if tt.rsaHostKey {
				rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
				if err != nil {
					t.Fatal(err)
				}
				hostKey = rsaKey
			}
			key, pub := newClientKey(t)
			unknownKey, _ := newClientKey(t)
			fileURL := gitrepotest.NewRemote(t, map[string]string{"apps/web.yaml": deployment})
			before := gitrepotest.BranchHead(t, fileURL, gitrepotest.Branch)
			srv := serveSSH(t, fileURL, hostKey, pub)
			remote := remoteFromSecret(t, srv.url, tt.data(key, unknownKey, srv))
			if tt.wantErr != "" {
				_, err := gitrepo.Clone(t.Context(), remote, "", emptyAtEnd(t))
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Clone() = %v, want an error with %q", err, tt.wantErr)
				}
				if got := gitrepotest.BranchHead(t, fileURL, gitrepotest.Branch); got != before {
					t.Errorf("server's %s = %s, want %s", gitrepotest.Branch, got, before)
				}
				return
			}
			r := cloneRemote(t, remote)
			if err := r.Writable(); err != nil {
				t.Errorf("Writable() = %v, want nil", err)
			}
			sha := changeAndPush(t, r, "web:v2")
			if got := gitrepotest.BranchHead(t, fileURL, gitrepotest.Branch); got != sha {
				t.Errorf("server's %s = %s, want the pushed %s", gitrepotest.Branch, got, sha)
			}
			seesCommit(t, remote, sha, "web:v2")
		})
	}
}

func TestSSHKeyWithoutKnownHostsIsRefusedBeforeConnecting(t *testing.T) {
	t.Parallel()
	key, _ := newClientKey(t)
	// RemoteFromSecret does no I/O, and nothing listens on port 1: the refusal comes first.
	_, err := gitrepo.RemoteFromSecret("ssh://git@127.0.0.1:1/remote.git", map[string][]byte{gitrepo.KeySSHPrivateKey: key})
	if !errors.Is(err, gitrepo.ErrUnsupportedCredentials) {
		t.Errorf("RemoteFromSecret(key, no known hosts, no insecure) = %v, want ErrUnsupportedCredentials", err)
	}
}
