package gitrepo_test

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // hashed known_hosts entries are HMAC-SHA1.
	"encoding/base64"
	"encoding/pem"
	"errors"
	"net"
	"testing"

	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"golang.org/x/crypto/ssh"

	"selfhealing.dev/coordination-engine/internal/gitrepo"
)

// sshKey is a new ed25519 key: its PEM private key and its public key.
func sshKey(t testing.TB) ([]byte, ssh.PublicKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(block), sshPub
}

func knownHostsLine(host string, key ssh.PublicKey) string {
	return host + " " + string(ssh.MarshalAuthorizedKey(key))
}

func hashedHost(host string) string {
	salt := []byte("0123456789abcdefghij")
	mac := hmac.New(sha1.New, salt)
	mac.Write([]byte(host))
	return "|1|" + base64.StdEncoding.EncodeToString(salt) + "|" + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func TestAuthFromSecret(t *testing.T) {
	t.Parallel()
	key, _ := sshKey(t)
	_, hostKey := sshKey(t)
	for _, tc := range []struct {
		name     string
		url      string
		data     map[string][]byte
		wantUser string // "" with wantNil: anonymous
		wantPass string
		wantSSH  bool
		wantNil  bool
		wantErr  error
	}{
		{name: "a file URL needs no credentials", url: "file:///srv/repo.git", data: map[string][]byte{"password": []byte("x")}, wantNil: true},
		{name: "https without a password is anonymous", url: "https://git.example.com/org/repo.git", data: map[string][]byte{"username": []byte("u")}, wantNil: true},
		{name: "https with username and password is basic auth", url: "https://git.example.com/org/repo.git", data: map[string][]byte{"username": []byte("u"), "password": []byte("p")}, wantUser: "u", wantPass: "p"},
		{name: "https with a token and no username gets a placeholder username", url: "https://git.example.com/org/repo.git", data: map[string][]byte{"password": []byte("tok")}, wantUser: "git", wantPass: "tok"},
		{name: "https ignores an ssh key", url: "https://git.example.com/org/repo.git", data: map[string][]byte{"sshPrivateKey": key}, wantNil: true},
		{name: "https with only a GitHub App is unsupported", url: "https://git.example.com/org/repo.git", data: map[string][]byte{"githubAppPrivateKey": []byte("k")}, wantErr: gitrepo.ErrUnsupportedCredentials},
		{name: "ssh without a key is anonymous", url: "ssh://git@git.example.com/org/repo.git", data: nil, wantNil: true},
		{name: "ssh with a key and known hosts", url: "ssh://git@git.example.com/org/repo.git", data: map[string][]byte{"sshPrivateKey": key, "sshKnownHosts": []byte(knownHostsLine("git.example.com", hostKey))}, wantSSH: true, wantUser: "git"},
		{name: "scp-like URL takes its user", url: "deploy@git.example.com:org/repo.git", data: map[string][]byte{"sshPrivateKey": key, "insecure": []byte("true")}, wantSSH: true, wantUser: "deploy"},
		{name: "ssh without known hosts and not insecure is refused", url: "ssh://git@git.example.com/org/repo.git", data: map[string][]byte{"sshPrivateKey": key}, wantErr: gitrepo.ErrUnsupportedCredentials},
		{name: "ssh with a key that is not PEM is an error", url: "ssh://git@git.example.com/org/repo.git", data: map[string][]byte{"sshPrivateKey": []byte("not a key"), "insecure": []byte("true")}, wantErr: errAny},
		{name: "ssh with known hosts that do not parse is an error", url: "ssh://git@git.example.com/org/repo.git", data: map[string][]byte{"sshPrivateKey": key, "sshKnownHosts": []byte("git.example.com ssh-ed25519 !!!")}, wantErr: errAny},
	} {
		t.Run(tc.name, func(t *testing.T) {
			auth, err := gitrepo.AuthFromSecret(tc.data, tc.url)
			if tc.wantErr != nil {
				if err == nil || (tc.wantErr != errAny && !errors.Is(err, tc.wantErr)) {
					t.Fatalf("AuthFromSecret() = %v, %v, want error %v", auth, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("AuthFromSecret() = %v", err)
			}
			switch a := auth.(type) {
			case nil:
				if !tc.wantNil {
					t.Errorf("AuthFromSecret() = nil, want credentials")
				}
			case *githttp.BasicAuth:
				if tc.wantNil || tc.wantSSH || a.Username != tc.wantUser || a.Password != tc.wantPass {
					t.Errorf("AuthFromSecret() = basic %s:%s, want user %q password %q", a.Username, a.Password, tc.wantUser, tc.wantPass)
				}
			case *gitssh.PublicKeys:
				if !tc.wantSSH || a.User != tc.wantUser || a.HostKeyCallback == nil {
					t.Errorf("AuthFromSecret() = ssh user %q, want ssh %v user %q with a host key check", a.User, tc.wantSSH, tc.wantUser)
				}
			default:
				t.Errorf("AuthFromSecret() = %T", auth)
			}
		})
	}
}

var errAny = errors.New("any error")

func TestSSHHostKeysAreCheckedAgainstTheSecretsKnownHosts(t *testing.T) {
	t.Parallel()
	key, _ := sshKey(t)
	_, hostKey := sshKey(t)
	_, otherKey := sshKey(t)
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 22}
	for _, tc := range []struct {
		name       string
		knownHosts string
		host       string
		key        ssh.PublicKey
		wantOK     bool
	}{
		{name: "a listed host with its key", knownHosts: knownHostsLine("git.example.com", hostKey), host: "git.example.com:22", key: hostKey, wantOK: true},
		{name: "a listed host with another key", knownHosts: knownHostsLine("git.example.com", hostKey), host: "git.example.com:22", key: otherKey},
		{name: "a host not listed", knownHosts: knownHostsLine("other.example.com", hostKey), host: "git.example.com:22", key: hostKey},
		{name: "a hashed entry", knownHosts: knownHostsLine(hashedHost("git.example.com"), hostKey), host: "git.example.com:22", key: hostKey, wantOK: true},
		{name: "a non-standard port", knownHosts: knownHostsLine("[git.example.com]:2222", hostKey), host: "git.example.com:2222", key: hostKey, wantOK: true},
		{name: "a revoked key", knownHosts: "@revoked " + knownHostsLine("git.example.com", hostKey) + knownHostsLine("git.example.com", hostKey), host: "git.example.com:22", key: hostKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			auth, err := gitrepo.AuthFromSecret(map[string][]byte{"sshPrivateKey": key, "sshKnownHosts": []byte(tc.knownHosts)}, "ssh://git@git.example.com/r.git")
			if err != nil {
				t.Fatalf("AuthFromSecret() = %v", err)
			}
			pk := auth.(*gitssh.PublicKeys)
			err = pk.HostKeyCallback(tc.host, addr, tc.key)
			if (err == nil) != tc.wantOK {
				t.Errorf("HostKeyCallback(%s) = %v, want accepted %v", tc.host, err, tc.wantOK)
			}
			cfg, err := pk.ClientConfig()
			if err != nil || len(cfg.HostKeyAlgorithms) == 0 {
				t.Errorf("ClientConfig() = %v, %v, want host key algorithms from the known hosts", cfg, err)
			}
		})
	}
}

func TestRemoteFromSecretSkipsTLSOnlyForInsecureHTTPS(t *testing.T) {
	t.Parallel()
	insecure := map[string][]byte{"password": []byte("t"), "insecure": []byte("true")}
	for _, tc := range []struct {
		name, url string
		want      bool
	}{
		{name: "https insecure", url: "https://git.example.com/r.git", want: true},
		{name: "file", url: "file:///srv/r.git", want: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := gitrepo.RemoteFromSecret(tc.url, insecure)
			if err != nil || r.InsecureSkipTLS != tc.want || r.URL != tc.url {
				t.Errorf("RemoteFromSecret(%s) = %+v, %v, want InsecureSkipTLS %v", tc.url, r, err, tc.want)
			}
		})
	}
}
