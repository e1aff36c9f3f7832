package container_test

import (
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"

	"github.com/appcert/appcert/certify/container"
	"github.com/appcert/appcert/internal/dockertest"
)

var vars = container.Vars{OAuthURL: "http://127.0.0.1:7480", APIURL: "http://127.0.0.1:7480", ClientID: "acme", ClientSecret: "s3cret"}

func TestEnv_DefaultsThenArgs(t *testing.T) {
	env, err := container.Env(vars, []string{
		"PIPEDRIVE_OAUTH_URL={oauth_url}/oauth", "CREDS={client_id}:{client_secret}", "APPCERT_API_URL=overridden", "PLAIN=a=b",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"APPCERT_OAUTH_URL": "http://127.0.0.1:7480", "APPCERT_API_URL": "overridden",
		"APPCERT_CLIENT_ID": "acme", "APPCERT_CLIENT_SECRET": "s3cret",
		"PIPEDRIVE_OAUTH_URL": "http://127.0.0.1:7480/oauth", "CREDS": "acme:s3cret", "PLAIN": "a=b",
	}
	if len(env) != len(want) {
		t.Errorf("env = %v, want %v", env, want)
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	if _, ok := env["APPCERT_CA_CERT"]; ok {
		t.Error("APPCERT_CA_CERT set although the marketplace serves plain HTTP")
	}
}

func TestEnv_CACertWithHTTPS(t *testing.T) {
	v := vars
	v.CACert = container.CAPath
	env, err := container.Env(v, []string{"NODE_EXTRA_CA_CERTS={ca_cert}"})
	if err != nil {
		t.Fatal(err)
	}
	if env["APPCERT_CA_CERT"] != container.CAPath || env["NODE_EXTRA_CA_CERTS"] != container.CAPath {
		t.Errorf("env = %v", env)
	}
}

func TestEnv_BadArgumentsNameThemselves(t *testing.T) {
	for arg, want := range map[string]string{
		"NOEQUALS":          "want NAME=VALUE",
		"1BAD=x":            "want NAME=VALUE",
		"=x":                "want NAME=VALUE",
		"URL={oauth_ur}":    "unknown placeholder {oauth_ur}",
		"CA={ca_cert}":      "needs the marketplace to serve HTTPS",
		"X={api_url}{nope}": "{nope}",
	} {
		_, err := container.Env(vars, []string{"OK=1", arg})
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), arg) {
			t.Errorf("%q: error %v, want one naming it and %q", arg, err, want)
		}
	}
}

func TestLog_BetweenKeepsOrderAndCaps(t *testing.T) {
	var file strings.Builder
	l := container.NewLog(&file)
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	for i, s := range []string{"one\n", "two\r\nthree\n", "four"} {
		l.AcceptAt(t0.Add(time.Duration(i)*time.Second), testcontainers.Log{LogType: testcontainers.StdoutLog, Content: []byte(s)})
	}
	l.AcceptAt(t0.Add(3*time.Second), testcontainers.Log{LogType: testcontainers.StderrLog, Content: []byte("five\n")})
	texts := func(ls []container.Line) string {
		var out []string
		for _, x := range ls {
			out = append(out, x.Text)
		}
		return strings.Join(out, ",")
	}
	if got := texts(l.Between(t0.Add(time.Second), t0.Add(2*time.Second), 10)); got != "two,three,four" {
		t.Errorf("between 1s and 2s: %s", got)
	}
	if got := texts(l.Between(t0, t0.Add(time.Hour), 2)); got != "one,two" {
		t.Errorf("capped at 2: %s", got)
	}
	if got := texts(l.Last(2)); got != "four,five" {
		t.Errorf("last 2: %s", got)
	}
	if !strings.Contains(file.String(), "10:00:03.000 stderr five\n") || strings.Count(file.String(), "\n") != 5 {
		t.Errorf("file:\n%s", file.String())
	}
}

// The app's output arrives on testcontainers' goroutine while the report
// reads it.
func TestLog_ConcurrentAcceptAndRead(t *testing.T) {
	l := container.NewLog(io.Discard)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 200; i++ {
			l.Accept(testcontainers.Log{LogType: testcontainers.StdoutLog, Content: []byte("line\n")})
		}
	}()
	for i := 0; i < 200; i++ {
		_ = l.Between(time.Time{}, time.Now().Add(time.Hour), 10)
		_ = l.Last(5)
	}
	<-done
	if n := len(l.Lines()); n != 200 {
		t.Errorf("%d lines kept, want 200", n)
	}
}

func TestMain(m *testing.M) { os.Exit(dockertest.Main(m)) }
