package ca

import (
	"bytes"
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestLoad_CreatesOnceAndReuses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "ca")
	a, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Certificate().Raw, b.Certificate().Raw) {
		t.Fatal("the second Load made a new CA")
	}
	if !a.Certificate().IsCA || a.Certificate().PublicKeyAlgorithm != x509.ECDSA {
		t.Errorf("the CA certificate: IsCA %v, key %v", a.Certificate().IsCA, a.Certificate().PublicKeyAlgorithm)
	}
	st, err := os.Stat(filepath.Join(dir, keyFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("the key file: %v, %v; want mode 0600", st, err)
	}
	if a.CertPath() != filepath.Join(dir, CertFile) {
		t.Errorf("CertPath %s", a.CertPath())
	}
}

func TestCA_LeafVerifiesForTheLoopbackNamesOnly(t *testing.T) {
	c, err := Load(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := c.Leaf()
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(c.Certificate())
	for _, name := range LeafNames {
		if _, err := leaf.Leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: name}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := leaf.Leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: "example.com"}); err == nil {
		t.Error("the leaf verifies for example.com")
	}
	other, err := Load(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	otherRoots := x509.NewCertPool()
	otherRoots.AddCert(other.Certificate())
	if _, err := leaf.Leaf.Verify(x509.VerifyOptions{Roots: otherRoots, DNSName: "127.0.0.1"}); err == nil {
		t.Error("the leaf verifies against another CA")
	}
}

func TestLoad_BadFoldersAreErrorsNamingThem(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	half := t.TempDir()
	if err := os.WriteFile(filepath.Join(half, CertFile), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	garbage := t.TempDir()
	for _, f := range []string{CertFile, keyFile} {
		if err := os.WriteFile(filepath.Join(garbage, f), []byte("not pem"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for name, dir := range map[string]string{"under a file": filepath.Join(file, "ca"), "half a CA": half, "not PEM": garbage} {
		_, err := Load(dir)
		var de *DirError
		if !errors.As(err, &de) || de.Dir != dir || !bytes.Contains([]byte(err.Error()), []byte(dir)) {
			t.Errorf("%s: %v; want a DirError naming %s", name, err, dir)
		}
	}
	if _, err := os.Stat(filepath.Join(half, keyFile)); err == nil {
		t.Error("Load completed a half CA")
	}
}

func TestCA_PoolAddsAppCAFiles(t *testing.T) {
	c, err := Load(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	other, err := Load(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	pool, err := c.Pool(other.CertPath())
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := other.Leaf()
	if _, err := leaf.Leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "localhost"}); err != nil {
		t.Errorf("a leaf of the --app-ca file does not verify: %v", err)
	}
	empty := filepath.Join(t.TempDir(), "empty.pem")
	_ = os.WriteFile(empty, []byte("nothing"), 0o600)
	if _, err := c.Pool(empty); err == nil || !bytes.Contains([]byte(err.Error()), []byte(empty)) {
		t.Errorf("a file without certificates: %v", err)
	}
}
