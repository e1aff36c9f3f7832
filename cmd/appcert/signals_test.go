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

	"github.com/appcert/appcert/internal/cleanup"
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
	if dir := os.Getenv("APPCERT_TEST_SLOW_STOP"); dir != "" {
		slowStop(dir)
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
	c := startCertify(t, "--demo", "--fault", "slow-panel", "--out", out, "--progress")
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := c.wait(t); code != 143 {
		t.Fatalf("exit %d, want 143\nstdout:\n%s\nstderr:\n%s", code, c.stdout.String(), c.errs.String())
	}
	if !strings.Contains(c.stdout.String(), "interrupted") || !strings.Contains(c.errs.String(), "interrupted (received terminated); the reports hold what was found so far") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", c.stdout.String(), c.errs.String())
	}
	wantFiles(t, out, true)
}

// timeout -s INT, or Ctrl-C under timeout, delivers the one interrupt
// two or three times within milliseconds (to appcert, then to its process
// group): that is still one interrupt, whose orderly stop writes the
// reports and exits 130, not the second signal that exits at once.
func TestRunCertify_RepeatedSIGINTIsOneInterrupt(t *testing.T) {
	out := filepath.Join(t.TempDir(), "reports")
	c := startCertify(t, "--demo", "--fault", "slow-panel", "--out", out, "--progress")
	for range 2 {
		if err := c.cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		// Apart enough that the runtime sees two signals (it merges a
		// signal that arrives before the last one is delivered).
		time.Sleep(50 * time.Millisecond)
	}
	if code := c.wait(t); code != 130 {
		t.Fatalf("exit %d, want 130\nstdout:\n%s\nstderr:\n%s", code, c.stdout.String(), c.errs.String())
	}
	if !strings.Contains(c.errs.String(), "interrupted (received interrupt); the reports hold what was found so far") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", c.stdout.String(), c.errs.String())
	}
	wantFiles(t, out, true)
}

func TestInterrupt_ExitNowOnAnotherSignalOrALaterRepeat(t *testing.T) {
	at := time.Now()
	in := interrupt{sig: syscall.SIGINT, at: at}
	for _, c := range []struct {
		sig   syscall.Signal
		after time.Duration
		want  bool
	}{
		{syscall.SIGINT, 0, false},
		{syscall.SIGINT, repeatWindow - time.Millisecond, false},
		{syscall.SIGINT, repeatWindow, true},
		{syscall.SIGINT, 5 * time.Second, true},
		{syscall.SIGTERM, 0, true},
	} {
		if got := in.exitNow(c.sig, at.Add(c.after)); got != c.want {
			t.Errorf("%v %v after SIGINT: exit at once %v, want %v", c.sig, c.after, got, c.want)
		}
	}
}

// A second SIGINT after repeatWindow exits at once (130), and what the
// run registered for clean-up, which its deferred calls would have
// removed, is removed first: the child's stop never ends.
func TestNotifySignals_ExitAtOnceCleansUp(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "appcert-certify-x")
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "APPCERT_TEST_SLOW_STOP="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	if line, _ := bufio.NewReader(stdout).ReadString('\n'); line != "ready\n" {
		t.Fatalf("the child says %q", line)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGINT)
	time.Sleep(repeatWindow + 200*time.Millisecond) // past the window: a second Ctrl-C
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("still running 30 s after the second SIGINT")
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("exit %v, want 130", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s is still there after the exit at once (%v)", dir, err)
	}
}

// slowStop is the child of TestNotifySignals_ExitAtOnceCleansUp: a run
// holding the folder dir whose stop never ends.
func slowStop(dir string) {
	ctx, stop := notifySignals(context.Background())
	defer stop()
	if err := os.Mkdir(dir, 0o755); err != nil {
		panic(err)
	}
	defer cleanup.Register(func() { os.RemoveAll(dir) })()
	os.Stdout.WriteString("ready\n")
	<-ctx.Done()
	select {}
}

// certifyChild is appcert certify running as a child process: the real
// main, signal handling and all.
type certifyChild struct {
	cmd    *exec.Cmd
	stdout bytes.Buffer
	errs   strings.Builder
	sc     *bufio.Scanner
}

// startCertify starts appcert certify with args (which should hold
// --progress) and returns once a scenario has finished: the run is under
// way, and with --fault slow-panel the slow panel's scenarios are still
// waiting on it.
func startCertify(t *testing.T, args ...string) *certifyChild {
	t.Helper()
	c := &certifyChild{cmd: exec.Command(os.Args[0], append([]string{"certify"}, args...)...)}
	c.cmd.Env = append(os.Environ(), "APPCERT_TEST_MAIN=1")
	c.cmd.Stdout = &c.stdout
	stderr, err := c.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c.sc = bufio.NewScanner(stderr)
	for c.sc.Scan() {
		c.errs.WriteString(c.sc.Text() + "\n")
		if strings.Contains(c.sc.Text(), "] ") {
			break
		}
	}
	return c
}

// wait reads the rest of the child's stderr and returns its exit code; a
// child still running 30 s on is killed and fails the test.
func (c *certifyChild) wait(t *testing.T) int {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		for c.sc.Scan() {
			c.errs.WriteString(c.sc.Text() + "\n")
		}
		done <- c.cmd.Wait()
	}()
	var err error
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		c.cmd.Process.Kill()
		<-done
		t.Fatalf("still running 30 s after the signal; stderr:\n%s", c.errs.String())
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0
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
