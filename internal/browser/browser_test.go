package browser

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/appcert/appcert/internal/cleanup"
)

func TestFind_ExplicitPathMustExist(t *testing.T) {
	if _, err := Find("/nonexistent/chromium"); err == nil || !strings.Contains(err.Error(), "/nonexistent/chromium") {
		t.Errorf("Find of a missing binary: %v; want an error naming it", err)
	}
}

func TestFind_DebiansChromiumOffPath(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	bin := filepath.Join(t.TempDir(), "chromium")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	defer func(was string) { debianChromium = was }(debianChromium)
	debianChromium = bin
	if got, err := Find(""); err != nil || got != bin {
		t.Errorf("Find with Chromium only at Debian's path: %q, %v; want %s", got, err, bin)
	}
}

func TestFind_NothingOnPathSaysHowToGetIt(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	defer func(was string) { debianChromium = was }(debianChromium)
	debianChromium = "/nonexistent/chromium"
	_, err := Find("")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "apt-get install -y chromium") {
		t.Errorf("Find with an empty PATH: %v; want ErrNotFound saying how to install Chromium", err)
	}
}

// Stopping the browser leaves no process behind (the browser, its
// renderers and helpers all carry the profile directory on their command
// line) and removes the profile.
func TestStart_StopLeavesNoProcess(t *testing.T) {
	chromium, err := Find(os.Getenv("APPCERT_CHROMIUM"))
	if err != nil {
		t.Skipf("skipping the browser test: %v (APPCERT_CHROMIUM names the binary)", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	bctx, stop, err := Start(ctx, chromium, 800, 600, FramesInProcess...)
	if err != nil {
		t.Fatal(err)
	}
	p := chromedp.FromContext(bctx).Browser.Process()
	if p == nil {
		stop()
		t.Fatal("no browser process")
	}
	cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p.Pid))
	var profile string
	for _, arg := range strings.Split(string(cmdline), "\x00") {
		if v, ok := strings.CutPrefix(arg, "--user-data-dir="); ok {
			profile = v
		}
	}
	if profile == "" {
		stop()
		t.Fatalf("the browser's command line has no --user-data-dir: %q", cmdline)
	}
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		t.Error(err)
	}
	if len(processesWith(profile)) == 0 {
		t.Fatalf("no process runs with the profile %s", profile)
	}
	stop()
	if left := processesWith(profile); len(left) > 0 {
		t.Errorf("processes left after stop: %v", left)
	}
	if _, err := os.Stat(profile); !os.IsNotExist(err) {
		t.Errorf("the profile %s is still there (%v)", profile, err)
	}
}

// Chromium's own temporary files (the singleton socket's folder, which
// it does not remove when stopped) go with the profile, not into TMPDIR:
// when appcert stops it, and when Chromium got a Ctrl-C of its own first
// (a terminal's reaches the whole process group).
func TestStart_StopLeavesNothingInTheTemporaryFolder(t *testing.T) {
	chromium, err := Find(os.Getenv("APPCERT_CHROMIUM"))
	if err != nil {
		t.Skipf("skipping the browser test: %v (APPCERT_CHROMIUM names the binary)", err)
	}
	for _, interrupted := range []bool{false, true} {
		t.Run(fmt.Sprintf("interrupted=%v", interrupted), func(t *testing.T) {
			tmp, bctx, stop := startWithOwnTMPDIR(t, chromium)
			if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
				t.Error(err)
			}
			if interrupted {
				p := chromedp.FromContext(bctx).Browser.Process()
				if err := p.Signal(os.Interrupt); err != nil {
					t.Fatal(err)
				}
				// Not a measure of speed: Chromium removes its link as it exits.
				for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
					if _, err := os.Stat(fmt.Sprintf("/proc/%d/cmdline", p.Pid)); err != nil {
						break
					}
					if st, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.Pid)); strings.Contains(string(st), ") Z ") {
						break
					}
				}
			}
			stop()
			left, _ := os.ReadDir(tmp)
			for _, e := range left {
				t.Errorf("left in TMPDIR after stop: %s", e.Name())
			}
		})
	}
}

// startWithOwnTMPDIR starts the browser with a TMPDIR of the test's own,
// which it returns, to see what Chromium leaves there.
func startWithOwnTMPDIR(t *testing.T, chromium string) (string, context.Context, context.CancelFunc) {
	t.Helper()
	// Short: Chromium's socket path must fit in a socket address.
	tmp, err := os.MkdirTemp("", "acb")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(tmp) })
	t.Setenv("TMPDIR", tmp)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	bctx, stop, err := Start(ctx, chromium, 800, 600)
	if err != nil {
		t.Fatal(err)
	}
	return tmp, bctx, stop
}

// processesWith lists the live processes whose command line mentions s.
func processesWith(s string) []string {
	var out []string
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		cmd, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil || !strings.Contains(string(cmd), s) {
			continue
		}
		if st, err := os.ReadFile(filepath.Join(d, "stat")); err == nil && strings.Contains(string(st), ") Z ") {
			continue // a zombie has exited; its parent has not read it yet
		}
		out = append(out, filepath.Base(d)+" "+strings.ReplaceAll(string(cmd), "\x00", " "))
	}
	return out
}

// An exit at once (a second Ctrl-C) runs no deferred stop: the clean-up
// it runs instead stops the browser and leaves nothing in TMPDIR, and the
// run's own stop after it does no harm.
func TestStart_ExitCleanupStopsItAndLeavesNothing(t *testing.T) {
	chromium, err := Find(os.Getenv("APPCERT_CHROMIUM"))
	if err != nil {
		t.Skipf("skipping the browser test: %v (APPCERT_CHROMIUM names the binary)", err)
	}
	tmp, bctx, stop := startWithOwnTMPDIR(t, chromium)
	defer stop()
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		t.Error(err)
	}
	cleanup.Run(time.Minute)
	if left := processesWith(tmp); len(left) > 0 {
		t.Errorf("processes left after the exit's clean-up: %v", left)
	}
	left, _ := os.ReadDir(tmp)
	for _, e := range left {
		t.Errorf("left in TMPDIR after the exit's clean-up: %s", e.Name())
	}
}
