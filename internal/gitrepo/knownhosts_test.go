package gitrepo

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"slices"
	"testing"

	"golang.org/x/crypto/ssh"
)

// The host-key algorithms asked of the server follow the known keys; an RSA key is asked for
// with SHA-2 signatures first, which OpenSSH 8.8 and later insist on.
func TestKnownHostsAskForTheAlgorithmsOfTheirKeys(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaPub, err := ssh.NewPublicKey(&rsaKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	edPub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edKey, err := ssh.NewPublicKey(edPub)
	if err != nil {
		t.Fatal(err)
	}
	line := func(k ssh.PublicKey) string { return "git.example.test " + string(ssh.MarshalAuthorizedKey(k)) }
	tests := []struct {
		name  string
		text  string
		wants []string
	}{
		{"an RSA key asks for SHA-2 signatures first", line(rsaPub),
			[]string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}},
		{"an ed25519 key asks for ed25519", line(edKey), []string{ssh.KeyAlgoED25519}},
		{"a revoked key asks for nothing of its own", "@revoked " + line(rsaPub) + line(edKey), []string{ssh.KeyAlgoED25519}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kh, err := parseKnownHosts([]byte(tt.text))
			if err != nil {
				t.Fatal(err)
			}
			if got := kh.algorithms(); !slices.Equal(got, tt.wants) {
				t.Errorf("algorithms() = %v, want %v", got, tt.wants)
			}
		})
	}
}
