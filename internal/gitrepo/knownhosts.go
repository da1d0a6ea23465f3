package gitrepo

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // hashed known_hosts entries are HMAC-SHA1 by definition.
	"encoding/base64"
	"fmt"
	"net"
	"slices"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// knownHosts is a parsed known_hosts text (the Secret's sshKnownHosts), kept in memory so that
// building credentials writes no file. It understands plain and hashed (|1|salt|hash) host
// entries and @revoked; wildcard patterns and @cert-authority lines are ignored.
type knownHosts struct {
	entries []knownHost
}

type knownHost struct {
	revoked bool
	hosts   []string
	key     ssh.PublicKey
}

func parseKnownHosts(text []byte) (knownHosts, error) {
	var kh knownHosts
	rest := text
	for len(bytes.TrimSpace(rest)) > 0 {
		marker, hosts, key, _, next, err := ssh.ParseKnownHosts(rest)
		if err != nil {
			return knownHosts{}, fmt.Errorf("parse %s: %w", KeySSHKnownHosts, err)
		}
		rest = next
		if marker == "cert-authority" {
			continue
		}
		kh.entries = append(kh.entries, knownHost{revoked: marker == "revoked", hosts: hosts, key: key})
	}
	if len(kh.entries) == 0 {
		return knownHosts{}, fmt.Errorf("%s has no host keys: %w", KeySSHKnownHosts, ErrUnsupportedCredentials)
	}
	return kh, nil
}

// algorithms lists the host-key algorithms of the key types present, so the server offers a key
// we can check. An RSA key is offered with SHA-2 signatures first: OpenSSH 8.8 and later refuse
// the SHA-1 "ssh-rsa" signature by default.
func (kh knownHosts) algorithms() []string {
	var algos []string
	add := func(a ...string) {
		for _, x := range a {
			if !slices.Contains(algos, x) {
				algos = append(algos, x)
			}
		}
	}
	for _, e := range kh.entries {
		switch {
		case e.revoked:
		case e.key.Type() == ssh.KeyAlgoRSA:
			add(ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA)
		default:
			add(e.key.Type())
		}
	}
	return algos
}

// callback is an ssh.HostKeyCallback: the host must be listed with exactly this key.
func (kh knownHosts) callback(hostname string, remote net.Addr, key ssh.PublicKey) error {
	names := []string{knownhosts.Normalize(hostname)}
	if remote != nil {
		names = append(names, knownhosts.Normalize(remote.String()))
	}
	marshaled := key.Marshal()
	for _, e := range kh.entries {
		if !bytes.Equal(e.key.Marshal(), marshaled) || !matchesAny(e.hosts, names) {
			continue
		}
		if e.revoked {
			return fmt.Errorf("host key of %s is revoked", hostname)
		}
		return nil
	}
	return fmt.Errorf("host key of %s not in %s", hostname, KeySSHKnownHosts)
}

func matchesAny(patterns, names []string) bool {
	for _, p := range patterns {
		for _, n := range names {
			if p == n || hashedMatch(p, n) {
				return true
			}
		}
	}
	return false
}

// hashedMatch reports whether a hashed known_hosts entry "|1|salt|hash" names host.
func hashedMatch(pattern, host string) bool {
	parts := strings.Split(pattern, "|")
	if len(parts) != 4 || parts[0] != "" || parts[1] != "1" {
		return false
	}
	salt, err1 := base64.StdEncoding.DecodeString(parts[2])
	want, err2 := base64.StdEncoding.DecodeString(parts[3])
	if err1 != nil || err2 != nil {
		return false
	}
	mac := hmac.New(sha1.New, salt)
	mac.Write([]byte(host))
	return hmac.Equal(mac.Sum(nil), want)
}
