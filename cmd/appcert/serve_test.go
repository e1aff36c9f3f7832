package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
)

func runServeT(t *testing.T, ctx context.Context, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(ctx, append([]string{"serve"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestRunServe_UsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"--demo", "--manifest", "x.yaml"},
		{"--manifest", "x.yaml", "--fault", "skip-jwt"},
		{"--demo", "extra"},
		{"--demo", "--listen", "0.0.0.0:7480"},
		{"--demo", "--listen", "nohost"},
		{"--manifest", "does-not-exist.yaml"},
	} {
		if code, _, errs := runServeT(t, context.Background(), args...); code != exitSetup || errs == "" {
			t.Errorf("%q: exit %d, stderr %q; want 2 and a message", args, code, errs)
		}
	}
}

func TestRunServe_AppNotRunning(t *testing.T) {
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + dead.Addr().String()
	dead.Close()
	code, _, errs := runServeT(t, context.Background(), "--manifest", writeManifest(t, url), "--listen", "127.0.0.1:0")
	if code != exitSetup || !strings.Contains(errs, "the app is not running at "+url) {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
}

func TestRunServe_DemoServesUntilInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // served, then stopped at once: nothing outlives the command
	code, _, errs := runServeT(t, ctx, "--demo", "--listen", "127.0.0.1:0")
	if code != exitOK || !strings.Contains(errs, "open http://127.0.0.1:") {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
}
