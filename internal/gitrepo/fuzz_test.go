package gitrepo_test

import (
	"testing"

	"selfhealing.dev/coordination-engine/internal/gitrepo"
)

// FuzzAuthFromSecret: no Secret content and no URL makes the decoder panic.
func FuzzAuthFromSecret(f *testing.F) {
	key, hostKey := sshKey(f)
	f.Add("ssh://git@git.example.com/r.git", "", "", string(key), knownHostsLine("git.example.com", hostKey), "")
	f.Add("https://git.example.com/r.git", "u", "p", "", "", "true")
	f.Add("git@git.example.com:r.git", "", "", "-----BEGIN OPENSSH PRIVATE KEY-----\n", "|1|x|y ssh-ed25519 AAAA", "TRUE")
	f.Add("file:///tmp/r.git", "", "", "", "", "")
	f.Add("::", "", "", "", "@revoked", "")
	f.Fuzz(func(t *testing.T, url, user, pass, sshKey, knownHosts, insecure string) {
		data := map[string][]byte{
			"username": []byte(user), "password": []byte(pass), "sshPrivateKey": []byte(sshKey),
			"sshKnownHosts": []byte(knownHosts), "insecure": []byte(insecure),
		}
		_, _ = gitrepo.AuthFromSecret(data, url)
		_, _ = gitrepo.RemoteFromSecret(url, data)
		_, _ = gitrepo.SelectSecret([]gitrepo.RepoSecret{{Type: gitrepo.SecretTypeRepoCreds, Data: data}}, url)
	})
}
