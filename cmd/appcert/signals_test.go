package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/appcert/appcert/internal/dockertest"
)

// TestMain lets a test run the real binary's main (signals and all) as a
// child process of the test binary.
func TestMain(m *testing.M) {
	if os.Getenv("APPCERT_TEST_MAIN") == "1" {
		os.Args = append([]string{"appcert"}, os.Args[1:]...)
		main()
		return
	}
	code := dockertest.Main(m)
	if installed != "" {
		os.RemoveAll(installed) // the recipe tests' appcert
	}
	os.Exit(code)
}

// A CI cancelling the job sends SIGTERM: the run stops, prints and writes
// what it found, and exits 143.
func TestRunCertify_SIGTERMWritesWhatItFound(t *testing.T) {
	out := filepath.Join(t.TempDir(), "reports")
	cmd := exec.Command(os.Args[0], "certify", "--demo", "--fault", "slow-panel", "--out", out, "--progress")
	cmd.Env = append(os.Environ(), "APPCERT_TEST_MAIN=1")
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Once a scenario has finished the run is under way; the slow panel's
	// scenarios are still waiting on it.
	var errs strings.Builder
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		errs.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "] ") {
			break
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for sc.Scan() {
		errs.WriteString(sc.Text() + "\n")
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("still running 30 s after SIGTERM; stderr:\n%s", errs.String())
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 143 {
		t.Fatalf("exit %v, want 143\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), errs.String())
	}
	if !strings.Contains(stdout.String(), "interrupted") || !strings.Contains(errs.String(), "interrupted (received terminated); the reports hold what was found so far") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", stdout.String(), errs.String())
	}
	wantFiles(t, out, true)
}

// --out is checked before anything is sent to the app: a folder that
// cannot be written is a setup error at once, and the app sees nothing.
func TestRunCertify_UnwritableOutSendsNothing(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { requests.Add(1) }))
	defer srv.Close()
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(file, "reports") // under a file: never writable, even for root
	code, stdout, errs := runCertifyT(t, context.Background(), "--manifest", writeManifest(t, srv.URL), "--listen", "127.0.0.1:0", "--out", out)
	if code != exitSetup || stdout != "" || !strings.Contains(errs, "--out "+out+": the reports cannot be written there") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, errs)
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("the app got %d requests", n)
	}
}

// --timeout stops the whole run, writes what was found, and fails the gate.
func TestRunCertify_TimeoutWritesAPartialReport(t *testing.T) {
	out := filepath.Join(t.TempDir(), "reports")
	code, stdout, errs := runCertifyT(t, context.Background(), "--demo", "--fault", "slow-panel", "--timeout", "2s", "--out", out)
	if code != exitFail || !strings.Contains(errs, "stopped at --timeout 2s; the reports hold what was found so far") || !strings.Contains(stdout, "interrupted") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, errs)
	}
	wantFiles(t, out, true)
}

// Progress lines come when asked for (a terminal asks by default); a
// pipe, as in CI, gets none.
func TestRunCertify_ProgressWhenAsked(t *testing.T) {
	code, _, errs := runCertifyT(t, context.Background(), "--demo", "--tags", "@PD-EXT-04", "--progress", "--out", t.TempDir())
	if code != exitOK || !strings.Contains(errs, "appcert certify: [1/1] The JSON panel answer follows the documented schema: done (") {
		t.Errorf("--progress: exit %d, stderr:\n%s", code, errs)
	}
	code, _, errs = runCertifyT(t, context.Background(), "--demo", "--tags", "@PD-EXT-04", "--out", t.TempDir())
	if code != exitOK || strings.Contains(errs, "[1/1]") {
		t.Errorf("no --progress: exit %d, stderr:\n%s", code, errs)
	}
}

func TestInterruptedCode_SignalNumber(t *testing.T) {
	for sig, want := range map[syscall.Signal]int{syscall.SIGINT: 130, syscall.SIGTERM: 143} {
		ctx, cancel := context.WithCancelCause(context.Background())
		cancel(&signalCause{sig})
		if got := interruptedCode(ctx); got != want {
			t.Errorf("%v: %d, want %d", sig, got, want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got := interruptedCode(ctx); got != 130 {
		t.Errorf("plain cancel: %d", got)
	}
}
