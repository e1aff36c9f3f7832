// Package ca is appcert's own certificate authority, so that the fake
// marketplace can serve HTTPS as Pipedrive does (protocol.md, "HTTP or
// HTTPS"). The CA is created once in a folder and reused, so an app can be
// told to trust its certificate before certification starts; its key never
// leaves that folder. Leaf certificates for the loopback names are issued
// in memory for each run.
package ca

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// File names inside the CA's folder.
const (
	CertFile = "appcert-ca.pem"
	keyFile  = "appcert-ca-key.pem"
)

// LeafNames are the names every leaf certificate is valid for.
var LeafNames = []string{"127.0.0.1", "::1", "localhost"}

// CA is the loaded authority.
type CA struct {
	dir  string
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// DefaultDir is the CA's folder in the user's config folder
// ($XDG_CONFIG_HOME/appcert/ca, ~/Library/Application Support/appcert/ca, …).
func DefaultDir() (string, error) {
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no config folder for appcert's CA (%v); name one with --ca DIR", err)
	}
	return filepath.Join(base, "appcert", "ca"), nil
}

// DirError is a CA folder that cannot be read or written: a setup problem
// that names the folder.
type DirError struct {
	Dir string
	Err error
}

func (e *DirError) Error() string {
	return fmt.Sprintf("appcert's CA folder %s cannot be used: %v (choose another with --ca DIR)", e.Dir, e.Err)
}

func (e *DirError) Unwrap() error { return e.Err }

// Load loads the CA kept in dir, creating it there first if there is
// none. A half-made CA (a certificate without its key, or the reverse) is
// an error rather than silently replaced: apps may already trust it.
func Load(dir string) (*CA, error) {
	certPEM, cerr := os.ReadFile(filepath.Join(dir, CertFile))
	keyPEM, kerr := os.ReadFile(filepath.Join(dir, keyFile))
	switch {
	case cerr == nil && kerr == nil:
		return parse(dir, certPEM, keyPEM)
	case errors.Is(cerr, fs.ErrNotExist) && errors.Is(kerr, fs.ErrNotExist):
		return create(dir)
	case cerr != nil && !errors.Is(cerr, fs.ErrNotExist):
		return nil, &DirError{dir, cerr}
	case kerr != nil && !errors.Is(kerr, fs.ErrNotExist):
		return nil, &DirError{dir, kerr}
	}
	return nil, &DirError{dir, fmt.Errorf("it holds only one of %s and %s; remove it to start a new CA", CertFile, keyFile)}
}

func parse(dir string, certPEM, keyPEM []byte) (*CA, error) {
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return nil, &DirError{dir, errors.New("its CA files are not PEM")}
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, &DirError{dir, fmt.Errorf("its CA certificate: %w", err)}
	}
	key, err := x509.ParseECPrivateKey(kb.Bytes)
	if err != nil {
		return nil, &DirError{dir, fmt.Errorf("its CA key: %w", err)}
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		return nil, &DirError{dir, errors.New("its CA key does not match its certificate")}
	}
	return &CA{dir: dir, cert: cert, key: key}, nil
}

func create(dir string) (*CA, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, &DirError{dir, err}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "appcert local CA", Organization: []string{"appcert"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	// The key first: a certificate without its key is refused on the next
	// load, never a key without its certificate left behind unnoticed.
	if err := writeNew(filepath.Join(dir, keyFile), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return nil, &DirError{dir, err}
	}
	if err := writeNew(filepath.Join(dir, CertFile), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		os.Remove(filepath.Join(dir, keyFile))
		return nil, &DirError{dir, err}
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{dir: dir, cert: cert, key: key}, nil
}

// writeNew writes a file that must not exist yet, so two runs creating the
// CA at once cannot mix their halves unnoticed.
func writeNew(path string, b []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127)) // crypto/rand never fails
	return n
}

// CertPath is the CA certificate's file, for an app to trust
// (NODE_EXTRA_CA_CERTS, SSL_CERT_FILE, REQUESTS_CA_BUNDLE, a truststore).
func (c *CA) CertPath() string { return filepath.Join(c.dir, CertFile) }

// Certificate is the CA's certificate.
func (c *CA) Certificate() *x509.Certificate { return c.cert }

// Leaf issues a server certificate for LeafNames, valid for a day, with a
// fresh key that lives only in memory.
func (c *CA) Leaf() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "127.0.0.1", Organization: []string{"appcert"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.cert, &key.PublicKey, c.key)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der, c.cert.Raw}, PrivateKey: key, Leaf: leaf}, nil
}

// ServerConfig is a TLS configuration serving a fresh leaf.
func (c *CA) ServerConfig() (*tls.Config, error) {
	leaf, err := c.Leaf()
	if err != nil {
		return nil, err
	}
	return &tls.Config{Certificates: []tls.Certificate{leaf}, MinVersion: tls.VersionTLS12}, nil
}

// Pool returns the system roots plus the CA, and plus the PEM certificates
// of extra files (an app's own CA, --app-ca). A file that holds no
// certificate is an error naming it.
func (c *CA) Pool(extra ...string) (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if c != nil {
		pool.AddCert(c.cert)
	}
	for _, f := range extra {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("--app-ca %s: %w", f, err)
		}
		if !pool.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("--app-ca %s: no PEM certificate in it", f)
		}
	}
	return pool, nil
}
