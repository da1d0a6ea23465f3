package gitrepo

import (
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"golang.org/x/crypto/ssh"
)

// Keys of an Argo CD repository (or repo-creds) Secret's data that gitrepo reads.
const (
	KeyURL           = "url"
	KeyUsername      = "username"
	KeyPassword      = "password"
	KeySSHPrivateKey = "sshPrivateKey"
	KeySSHKnownHosts = "sshKnownHosts"
	KeyInsecure      = "insecure"
)

// defaultHTTPUser is the username sent with a password or token when the Secret names none;
// servers that take a token as the password accept any non-empty username.
const defaultHTTPUser = "git"

// defaultSSHUser is the SSH user when the URL names none.
const defaultSSHUser = "git"

// Remote is where a clone comes from and goes back to.
type Remote struct {
	// URL is the repository URL: https://, ssh://, scp-like user@host:path, or file://.
	URL string
	// Auth is nil for file:// and anonymous remotes.
	Auth transport.AuthMethod
	// InsecureSkipTLS skips TLS verification of an HTTPS remote (the Secret's insecure: "true").
	InsecureSkipTLS bool
}

// RemoteFromSecret builds the Remote for repoURL from a repository Secret's data (nil data:
// anonymous). Errors are those of AuthFromSecret.
func RemoteFromSecret(repoURL string, data map[string][]byte) (Remote, error) {
	auth, err := AuthFromSecret(data, repoURL)
	if err != nil {
		return Remote{}, err
	}
	return Remote{URL: repoURL, Auth: auth, InsecureSkipTLS: isHTTP(repoURL) && insecure(data)}, nil
}

// AuthFromSecret turns an Argo CD repository Secret's data into the go-git credentials for
// repoURL, as Argo CD does: the URL's scheme decides which keys count.
//
//   - file:// URLs and Secrets without credentials for the scheme: nil (anonymous).
//   - http(s): basic auth with username and password; a token goes in password, with any
//     username (defaultHTTPUser when none).
//   - ssh and scp-like URLs: the PEM key in sshPrivateKey, for the URL's user (default "git"),
//     host keys checked against sshKnownHosts (known_hosts lines); without known hosts the
//     Secret must say insecure: "true" to skip the check, else ErrUnsupportedCredentials.
//
// A Secret with only GitHub App or TLS client certificate credentials is
// ErrUnsupportedCredentials. An unparseable URL or key is an error too.
func AuthFromSecret(data map[string][]byte, repoURL string) (transport.AuthMethod, error) {
	ep, err := transport.NewEndpoint(repoURL)
	if err != nil {
		return nil, fmt.Errorf("parse repository URL: %w", err)
	}
	switch ep.Protocol {
	case "file":
		return nil, nil
	case "http", "https":
		return httpAuth(data)
	case "ssh":
		return sshAuth(data, ep.User)
	default:
		return nil, fmt.Errorf("repository URL scheme %q: %w", ep.Protocol, ErrUnsupportedCredentials)
	}
}

func httpAuth(data map[string][]byte) (transport.AuthMethod, error) {
	user, pass := string(data[KeyUsername]), string(data[KeyPassword])
	if pass == "" {
		if len(data["githubAppPrivateKey"]) > 0 || len(data["tlsClientCertData"]) > 0 {
			return nil, fmt.Errorf("GitHub App or TLS client certificate: %w", ErrUnsupportedCredentials)
		}
		return nil, nil
	}
	if user == "" {
		user = defaultHTTPUser
	}
	return &githttp.BasicAuth{Username: user, Password: pass}, nil
}

func sshAuth(data map[string][]byte, user string) (transport.AuthMethod, error) {
	key := data[KeySSHPrivateKey]
	if len(key) == 0 {
		return nil, nil
	}
	if user == "" {
		user = defaultSSHUser
	}
	auth, err := gitssh.NewPublicKeys(user, key, "")
	if err != nil {
		return nil, fmt.Errorf("ssh private key: %w", err)
	}
	switch {
	case len(strings.TrimSpace(string(data[KeySSHKnownHosts]))) > 0:
		hosts, err := parseKnownHosts(data[KeySSHKnownHosts])
		if err != nil {
			return nil, err
		}
		auth.HostKeyCallback = hosts.callback
		auth.HostKeyAlgorithms = hosts.algorithms()
	case insecure(data):
		auth.HostKeyCallback = ssh.InsecureIgnoreHostKey() //nolint:gosec // the Secret says insecure: "true".
	default:
		return nil, fmt.Errorf("ssh without %s and without %s: \"true\": %w", KeySSHKnownHosts, KeyInsecure, ErrUnsupportedCredentials)
	}
	return auth, nil
}

func insecure(data map[string][]byte) bool {
	return strings.EqualFold(strings.TrimSpace(string(data[KeyInsecure])), "true")
}

func isHTTP(repoURL string) bool {
	ep, err := transport.NewEndpoint(repoURL)
	return err == nil && (ep.Protocol == "http" || ep.Protocol == "https")
}
