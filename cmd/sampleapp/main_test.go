package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/appcert/appcert/fakes/app"
)

func TestParse_ReadsEveryFlag(t *testing.T) {
	c, err := parse([]string{
		"--listen", "127.0.0.1:9000", "--oauth-base", "http://127.0.0.1:7481",
		"--client-id", "acme-client", "--client-secret", "acme-secret",
		"--jwt-secret", "jwt", "--http-auth", "ext:pa:ss", "--redirect-uri", "http://app/cb",
		"--fault", "skip-jwt", "--fault", "no-refresh", "--slow-panel-delay", "2s",
	}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	o := c.opts
	if c.listen != "127.0.0.1:9000" || o.OAuthBaseURL != "http://127.0.0.1:7481" || o.ClientID != "acme-client" ||
		o.ClientSecret != "acme-secret" || o.JWTSecret != "jwt" || o.HTTPAuthUser != "ext" || o.HTTPAuthPassword != "pa:ss" ||
		o.RedirectURI != "http://app/cb" || o.SlowPanelDelay != 2*time.Second {
		t.Errorf("config = %+v", c)
	}
	if len(o.Faults) != 2 || o.Faults[0] != app.FaultSkipJWT || o.Faults[1] != app.FaultNoRefresh {
		t.Errorf("faults = %v", o.Faults)
	}
}

func TestParse_Defaults(t *testing.T) {
	c, err := parse([]string{"-client-id", "c", "-client-secret", "s"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.listen != "127.0.0.1:8080" || c.opts.OAuthBaseURL != "http://127.0.0.1:7480" || c.opts.HTTPAuthUser != "" ||
		c.opts.RedirectURI != "" || len(c.opts.Faults) != 0 || c.opts.SlowPanelDelay != 11*time.Second {
		t.Errorf("config = %+v", c)
	}
}

func TestRun_BadUsageExits2WithOneLine(t *testing.T) {
	creds := []string{"--client-id", "c", "--client-secret", "s"}
	cases := map[string]struct {
		args []string
		want string
	}{
		"unknown flag":      {append([]string{"--nope"}, creds...), "-nope"},
		"unknown fault":     {append([]string{"--fault", "serve-all"}, creds...), `"serve-all"`},
		"no client id":      {[]string{"--client-secret", "s"}, "--client-id"},
		"bad http auth":     {append([]string{"--http-auth", "nocolon"}, creds...), "--http-auth"},
		"positional":        {append(creds, "extra"), `"extra"`},
		"bad delay":         {append([]string{"--slow-panel-delay", "soon"}, creds...), "slow-panel-delay"},
		"bad oauth base":    {append([]string{"--oauth-base", "ftp://x", "--listen", "127.0.0.1:0"}, creds...), "OAuthBaseURL"},
		"unusable listener": {append([]string{"--listen", "256.0.0.1:1"}, creds...), "256.0.0.1"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(context.Background(), c.args, &out, &errOut); code != exitSetup {
				t.Errorf("exit %d, want %d", code, exitSetup)
			}
			msg := errOut.String()
			if strings.Count(msg, "\n") != 1 || !strings.Contains(msg, c.want) {
				t.Errorf("stderr %q, want one line naming %s", msg, c.want)
			}
		})
	}
}

func TestRun_HelpExits0(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"--help"}, &out, &errOut); code != exitOK {
		t.Errorf("exit %d", code)
	}
	if !strings.Contains(out.String(), "--client-id") && !strings.Contains(out.String(), "-client-id") {
		t.Errorf("usage %q does not list the flags", out.String())
	}
}

func TestRun_ListFaults(t *testing.T) {
	var out bytes.Buffer
	if code := run(context.Background(), []string{"--list-faults"}, &out, &bytes.Buffer{}); code != exitOK {
		t.Errorf("exit %d", code)
	}
	for _, f := range app.Faults() {
		if !strings.Contains(out.String(), string(f.Name)+" ") || !strings.Contains(out.String(), string(f.Rule)) {
			t.Errorf("list lacks %s (%s)", f.Name, f.Rule)
		}
	}
}

// syncBuffer lets the test read what run writes from another goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRun_ServesUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--listen", "127.0.0.1:0", "--client-id", "c", "--client-secret", "s"}, &out, &errOut)
	}()
	var base string
	for deadline := time.Now().Add(5 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if line, ok := strings.CutPrefix(out.String(), "sampleapp listening on "); ok {
			base = strings.TrimSpace(line)
		}
	}
	if base == "" {
		t.Fatalf("no address printed; stdout %q stderr %q", out.String(), errOut.String())
	}
	res, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("/healthz answered %d", res.StatusCode)
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("exit %d after cancel; stderr %q", code, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop after cancel")
	}
}
