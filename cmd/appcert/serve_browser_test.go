package main

import (
	"bytes"
	"context"
	"flag"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/appcert/appcert/internal/browser"
)

var updateScreenshot = flag.Bool("update-screenshot", false, "write the README's screenshot of appcert serve (docs/serve.png)")

// The README's story, clicked through in a real browser: Alice installs
// the sample app for all users, Bob sees it added by her, and opens the
// panel, which the app serves on her behalf with isShared true.
func TestRunServe_ClickThroughInChromium(t *testing.T) {
	chromium, err := browser.Find(os.Getenv("APPCERT_CHROMIUM"))
	if err != nil {
		t.Skipf("skipping the browser test: %v (APPCERT_CHROMIUM names the binary)", err)
	}
	s, err := startServe(serveConfig{Listen: "127.0.0.1:0", Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	bctx, stop, err := browser.Start(ctx, chromium, 1280, 860)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()

	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	err = chromedp.Do(bctx,
		chromedp.Navigate(s.URL),
		chromedp.Click(css(`input[name=access][value=all_users]`)),
		chromedp.Click(css(`#accept`)),
		chromedp.WaitVisible(css(`#uninstall`)),
		chromedp.Click(css(`button[name=who][value=Bob]`)),
		chromedp.WaitVisible(css(`#authorize`)),
		chromedp.Click(css(`button[data-extension="Deal summary"]`)),
		chromedp.WaitVisible(css(`#panel`)),
	)
	if err != nil {
		t.Fatalf("clicking through %s: %v", s.URL, err)
	}
	read := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(bctx, chromedp.Text(css(sel)))
		if err != nil {
			t.Fatalf("reading %s: %v", sel, err)
		}
		return v
	}
	you, status, added, text := read("#you"), read("#status"), read("#dock li.added"), read("body")
	shot, err := chromedp.Run(bctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(you, "You are Bob") || status != "Authorize app" || added != "Sample app" {
		t.Errorf("header %q, status %q, Added by Admin %q; want Bob, with the app added by an admin to authorize", you, status, added)
	}
	for _, want := range []string{
		"Deal summary works, on behalf of Alice, isShared true",
		"Acme deal 1",
		"json_panel for Bob",
		"sharing for Alice",
		`When Alice installs "Sample app" for all users`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the page does not show %q:\n%s", want, text)
		}
	}

	resp, err := http.Get(s.URL + "feature")
	if err != nil {
		t.Fatal(err)
	}
	recorded, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`Bob sees "Sample app" in the "Added by Admin" section of the apps dock`,
		`Bob's JSON panel request for "Sample app" carries isShared true`,
	} {
		if !bytes.Contains(recorded, []byte(want)) {
			t.Errorf("the recorded scenario lacks %q:\n%s", want, recorded)
		}
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "recorded.feature"), recorded, 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if code := run(context.Background(), []string{"features", "--format", "progress", dir}, &out, &out); code != exitOK {
		t.Errorf("appcert features on the recorded scenario: exit %d\n%s\n%s", code, out.String(), recorded)
	}

	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil || img.Bounds().Dx() < 1000 {
		t.Fatalf("the screenshot is not a page-wide PNG: %v", err)
	}
	if *updateScreenshot {
		if err := os.WriteFile(filepath.Join("..", "..", "docs", "serve.png"), shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// The sample app's Custom UI panel in serve --demo: the page starts the
// SDK, asks the host page for a signed token, and its backend, which
// believes the token alone (an iframe sends no Basic auth), answers with
// Alice's company's deals.
func TestRunServe_CustomUIPanelCallsItsBackendWithTheSignedToken(t *testing.T) {
	chromium, err := browser.Find(os.Getenv("APPCERT_CHROMIUM"))
	if err != nil {
		t.Skipf("skipping the browser test: %v (APPCERT_CHROMIUM names the binary)", err)
	}
	s, err := startServe(serveConfig{Listen: "127.0.0.1:0", Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	bctx, stop, err := browser.Start(ctx, chromium, 1280, 860)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	err = chromedp.Do(bctx,
		chromedp.Navigate(s.URL),
		chromedp.Click(css(`#accept`)), // Alice installs it for herself
		chromedp.WaitVisible(css(`#uninstall`)),
		chromedp.Click(css(`button[data-customui="Deal notes"]`)),
		chromedp.WaitVisible(css(`iframe.customui`)),
	)
	if err != nil {
		t.Fatalf("opening the Custom UI panel at %s: %v", s.URL, err)
	}
	// The page fills #deals once its backend answered; the iframe's
	// document is read from its node, which is there once it loaded.
	var deals string
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline) && !strings.Contains(deals, "deal"); time.Sleep(200 * time.Millisecond) {
		frames, err := chromedp.Run(bctx, chromedp.Nodes(css(`iframe.customui`)))
		if err != nil || len(frames) != 1 || frames[0].ContentDocument == nil {
			continue
		}
		qctx, qcancel := context.WithTimeout(bctx, 2*time.Second)
		deals, _ = chromedp.Run(qctx, chromedp.TextContent(css(`#deals`), chromedp.FromNode(frames[0])))
		qcancel()
	}
	if !strings.Contains(deals, "Acme deal 1") {
		t.Errorf("the page shows %q; want Acme's deal 1, from its backend", deals)
	}
	log, err := chromedp.Run(bctx, chromedp.Text(css(`#sdk-log`)))
	if err != nil || !strings.Contains(log, "get_signed_token") || strings.Contains(log, "refused") {
		t.Errorf("the SDK calls the host saw: %q (%v); want get_signed_token answered", log, err)
	}
}
