package promquery

import (
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"strings"
)

// These two are written here rather than taken from prometheus/common/config, which would add
// OAuth2, JWT and connection tracking to the binary for a token file and a CA bundle.

// caPool reads a PEM bundle.
func caPool(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read prometheus CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("prometheus CA %s: no PEM certificate in it", file)
	}
	return pool, nil
}

// bearer adds "Authorization: Bearer <token>" read from file on every request, so a projected
// service account token that the kubelet rotates keeps working.
type bearer struct {
	file string
	next http.RoundTripper
}

func (b *bearer) RoundTrip(req *http.Request) (*http.Response, error) {
	token, err := os.ReadFile(b.file)
	if err != nil {
		return nil, fmt.Errorf("read prometheus token: %w", err)
	}
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
	return b.next.RoundTrip(req)
}
