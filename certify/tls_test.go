package certify_test

import (
	"context"
	"encoding/pem"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/appcert/appcert/certify"
	"github.com/appcert/appcert/fakes/app"
)

// Over HTTPS the sample app, trusting appcert's CA as an app is told to,
// passes as it does over HTTP, and the marketplace names an https
// api_domain.
func TestCertify_SampleAppPassesOverTLS(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ca")
	rep, err := certify.Demo(context.Background(), certify.Options{TLS: true, CADir: dir}, certify.DemoOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.ExitCode() != certify.ExitOK {
		t.Fatalf("exit code %d over TLS, want 0:\n%s", rep.ExitCode(), reportText(rep))
	}
	if !strings.HasPrefix(rep.Marketplace, "https://") {
		t.Errorf("the marketplace is at %q, want https", rep.Marketplace)
	}
	if _, err := os.Stat(filepath.Join(dir, "appcert-ca.pem")); err != nil {
		t.Errorf("the CA was not kept in --ca: %v", err)
	}
}

func TestCertify_UnusableCAFolderIsASetupErrorNamingIt(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(file, "ca")
	_, err := certify.Demo(context.Background(), certify.Options{TLS: true, CADir: dir}, certify.DemoOptions{})
	var se *certify.SetupError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), dir) {
		t.Fatalf("err = %v; want a setup error naming %s", err, dir)
	}
}

func TestCertify_PortInUseWithTLSIsASetupError(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	_, err = certify.Demo(context.Background(), certify.Options{TLS: true, CADir: t.TempDir(), Listen: busy.Addr().String()}, certify.DemoOptions{})
	var se *certify.SetupError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "the address is in use") {
		t.Fatalf("err = %v; want a setup error saying the address is in use", err)
	}
}

func TestCertify_AppCAThatIsNoCertificateIsASetupError(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "app-ca.pem")
	if err := os.WriteFile(bad, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := certify.Demo(context.Background(), certify.Options{AppCAs: []string{bad}}, certify.DemoOptions{})
	var se *certify.SetupError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), bad) {
		t.Fatalf("err = %v; want a setup error naming %s", err, bad)
	}
}

// The app's own https URLs are verified against the system roots plus
// --app-ca: a certificate of an unknown CA is a setup error, and passes
// once its CA is given.
func TestCertify_AppHTTPSURLsVerifiedAgainstAppCA(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone(), Timeout: 10 * time.Second}
	a, err := app.New(app.Options{
		ClientID: certify.SampleClientID, ClientSecret: certify.SampleClientSecret,
		HTTPAuthUser: certify.SampleHTTPUser, HTTPAuthPassword: certify.SampleHTTPPassword,
		OAuthBaseURL: "http://" + ln.Addr().String(), HTTPClient: client,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(a)
	defer srv.Close()
	defer client.CloseIdleConnections()
	m := certify.SampleManifest(srv.URL, a.Scopes())

	_, err = certify.Run(context.Background(), certify.Options{Manifest: m, Listen: "127.0.0.1:0", Tags: "@PD-OAUTH-02"})
	var se *certify.SetupError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("an https app signed by an unknown CA: %v; want a setup error about its certificate", err)
	}

	caFile := filepath.Join(t.TempDir(), "app-ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	rep, err := certify.Run(context.Background(), certify.Options{Manifest: m, Listener: ln, Tags: "@PD-OAUTH-02", AppCAs: []string{caFile}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.ExitCode() != certify.ExitOK {
		t.Fatalf("exit %d with --app-ca:\n%s", rep.ExitCode(), reportText(rep))
	}
}
