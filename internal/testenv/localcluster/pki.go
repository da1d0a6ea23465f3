package localcluster

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// pki holds the file names of the cluster's certificates and keys (all under one directory).
type pki struct {
	dir string
}

func (p pki) path(name string) string { return filepath.Join(p.dir, name) }

// CA, serving and client certificates and the service-account key.
func (p pki) caCert() string             { return p.path("ca.crt") }
func (p pki) caKey() string              { return p.path("ca.key") }
func (p pki) serverCert() string         { return p.path("apiserver.crt") }
func (p pki) serverKey() string          { return p.path("apiserver.key") }
func (p pki) saKey() string              { return p.path("sa.key") }
func (p pki) frontProxyCA() string       { return p.path("front-proxy-ca.crt") }
func (p pki) frontProxyCert() string     { return p.path("front-proxy-client.crt") }
func (p pki) frontProxyKey() string      { return p.path("front-proxy-client.key") }
func (p pki) saPub() string              { return p.path("sa.pub") }
func (p pki) clientCert(n string) string { return p.path(n + ".crt") }
func (p pki) clientKey(n string) string  { return p.path(n + ".key") }

// clientIdentity is a client certificate the cluster needs.
type clientIdentity struct {
	file   string // base file name
	cn     string
	groups []string
}

var clientIdentities = []clientIdentity{
	{file: "admin", cn: "kubernetes-admin", groups: []string{"system:masters"}},
	{file: "kube-controller-manager", cn: "system:kube-controller-manager"},
	{file: "kube-scheduler", cn: "system:kube-scheduler"},
	// kwok plays every kubelet; system:masters is the simplest identity that may do that.
	{file: "kwok", cn: "kwok-controller", groups: []string{"system:masters"}},
}

// serviceIP is the first address of serviceCIDR, the ClusterIP of the "kubernetes" Service.
const serviceIP = "10.96.0.1"

// generatePKI writes a fresh CA, the API server's serving certificate, one client certificate per
// clientIdentities entry and the service-account signing key into p.dir.
func generatePKI(p pki) error {
	if err := os.MkdirAll(p.dir, 0o700); err != nil {
		return err
	}
	now := time.Now().Add(-time.Hour) // tolerate small clock differences
	notAfter := now.AddDate(1, 0, 0)

	caCert, caKey, err := newCA("localcluster-ca", now, notAfter)
	if err != nil {
		return err
	}
	if err := writeCert(p.caCert(), caCert.Raw); err != nil {
		return err
	}
	if err := writeKey(p.caKey(), caKey); err != nil {
		return err
	}
	// The front proxy (requestheader) CA lets the API server authenticate to aggregated API
	// servers; without it kube-controller-manager and kube-scheduler log errors every few seconds.
	fpCert, fpKey, err := newCA("localcluster-front-proxy-ca", now, notAfter)
	if err != nil {
		return err
	}
	if err := writeCert(p.frontProxyCA(), fpCert.Raw); err != nil {
		return err
	}

	issue := func(certFile, keyFile string, tmpl *x509.Certificate, caCert *x509.Certificate, caKey crypto.Signer) error {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return err
		}
		tmpl.SerialNumber = serial()
		tmpl.NotBefore, tmpl.NotAfter = now, notAfter
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, key.Public(), caKey)
		if err != nil {
			return fmt.Errorf("create certificate %s: %w", certFile, err)
		}
		if err := writeCert(certFile, der); err != nil {
			return err
		}
		return writeKey(keyFile, key)
	}

	err = issue(p.serverCert(), p.serverKey(), &x509.Certificate{
		Subject:     pkix.Name{CommonName: "kube-apiserver"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames: []string{
			"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
			"kubernetes.default.svc.cluster.local",
		},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP(serviceIP)},
	}, caCert, caKey)
	if err != nil {
		return err
	}
	for _, id := range clientIdentities {
		err := issue(p.clientCert(id.file), p.clientKey(id.file), &x509.Certificate{
			Subject:     pkix.Name{CommonName: id.cn, Organization: id.groups},
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		}, caCert, caKey)
		if err != nil {
			return err
		}
	}
	err = issue(p.frontProxyCert(), p.frontProxyKey(), &x509.Certificate{
		Subject:     pkix.Name{CommonName: frontProxyClientName},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, fpCert, fpKey)
	if err != nil {
		return err
	}

	// Service-account tokens are signed RS256, the algorithm every token consumer understands.
	saKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	if err := writeKey(p.saKey(), saKey); err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(saKey.Public())
	if err != nil {
		return err
	}
	return os.WriteFile(p.saPub(), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o600)
}

// frontProxyClientName is the CN of the API server's front-proxy client certificate.
const frontProxyClientName = "front-proxy-client"

func newCA(cn string, notBefore, notAfter time.Time) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, fmt.Errorf("create CA certificate %s: %w", cn, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	return cert, key, nil
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	if err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return n
}

func writeCert(path string, der []byte) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
}

func writeKey(path string, key crypto.Signer) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
}
