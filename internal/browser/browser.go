// Package browser finds a Chromium and runs it headless, driven through
// the DevTools protocol with chromedp: the real browser that `appcert
// serve`'s tests click through, and that certifies Custom UI pages.
package browser

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/chromedp/chromedp"

	"github.com/appcert/appcert/internal/cleanup"
)

// ErrNotFound says there is no Chromium to run, and how to get one.
var ErrNotFound = errors.New("no Chromium found on PATH (chromium, chromium-browser, google-chrome) or at /usr/bin/chromium: install Debian's package (apt-get install -y chromium) or name the binary")

// debianChromium is where Debian's package puts it, found even when PATH
// does not lead there (a variable for the tests).
var debianChromium = "/usr/bin/chromium"

// Find returns the Chromium to run: path when it is set (it must be an
// executable), else the first Chromium on PATH, else Debian's.
func Find(path string) (string, error) {
	if path != "" {
		p, err := exec.LookPath(path)
		if err != nil {
			return "", fmt.Errorf("chromium %q: %w", path, err)
		}
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", debianChromium} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNotFound
}

// FramesInProcess keeps every iframe in its page's process (site
// isolation off), so that a tab's network events include a cross-site
// iframe's: a Custom UI page on another host than the page around it.
// Only for pages under test, never for browsing.
var FramesInProcess = []chromedp.ExecAllocatorOption{
	chromedp.Flag("disable-features", "SitePerProcess,IsolateOrigins"),
	chromedp.Flag("disable-site-isolation-trials", true),
}

// Start runs a headless Chromium at path with a fresh profile, and
// returns a context for chromedp's actions on its first tab; extra
// options are added to the brief's flags. cancel ends the browser, waits
// for its process to exit and removes the profile.
func Start(ctx context.Context, path string, width, height int, extra ...chromedp.ExecAllocatorOption) (context.Context, context.CancelFunc, error) {
	dir, err := os.MkdirTemp("", "appcert-chromium-")
	if err != nil {
		return nil, nil, err
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(dir),
		chromedp.Headless,
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox will not start
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.WindowSize(width, height),
		// Nothing but the pages under test: no updates, sync or QUIC
		// probes leave the machine.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
	}
	opts = append(opts, extra...)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	var singleton string // the folder of its singleton socket, once it runs
	cancel := func() {
		cancelBrowser()
		cancelAlloc()
		if d := singletonDir(dir); d != "" {
			singleton = d
		}
		removeSingleton(singleton)
		os.RemoveAll(dir)
	}
	if err := chromedp.Do(bctx); err != nil { // starts the browser now, so a broken one says so here
		cancel()
		return nil, nil, fmt.Errorf("starting %s: %w", path, err)
	}
	// Taken now: a Chromium that got a Ctrl-C of its own removes the
	// profile's link to the folder, but not the folder.
	singleton = singletonDir(dir)
	// An exit at once (a second Ctrl-C) stops it too; once, whoever is
	// first, the other waiting for it.
	var once sync.Once
	stop := func() { once.Do(cancel) }
	unregister := cleanup.Register(stop)
	return bctx, func() {
		stop()
		unregister()
	}, nil
}

// singletonDir is the folder, in TMPDIR, of the singleton socket of the
// Chromium running with a profile, found through the profile's link to
// the socket; "" when there is none.
func singletonDir(profile string) string {
	target, err := os.Readlink(filepath.Join(profile, "SingletonSocket"))
	if err != nil {
		return ""
	}
	if d := filepath.Dir(target); d != profile {
		return d
	}
	return ""
}

// removeSingleton removes the folder a stopped Chromium leaves in TMPDIR
// for its singleton socket (org.chromium.Chromium.XXXXXX); a folder that
// holds anything but Chromium's singleton files stays.
func removeSingleton(d string) {
	if d == "" {
		return
	}
	entries, err := os.ReadDir(d)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "Singleton") {
			return
		}
	}
	os.RemoveAll(d)
}
