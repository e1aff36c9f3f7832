package serve

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/appcert/appcert/internal/appsdk"
	"github.com/appcert/appcert/internal/browser"
	"github.com/appcert/appcert/internal/jwt"
	"github.com/appcert/appcert/manifest"
	"github.com/appcert/appcert/reference"
)

// customUIPage uses the real SDK as an app's page would: initialise with
// a size, ask the host for a signed token, call its own backend with it,
// and say what the backend answered in a snackbar.
const customUIPage = `<!doctype html><html><body>
<script src="/sdk.js"></script>
<script>
(async function () {
  const sdk = await new AppExtensionsSDK().initialize({size: {height: 321}});
  const meta = await sdk.execute(AppExtensionsSDK.Command.GET_METADATA);
  const {token} = await sdk.execute(AppExtensionsSDK.Command.GET_SIGNED_TOKEN);
  const who = await fetch('/api/whoami', {headers: {Authorization: 'Bearer ' + token}}).then(r => r.json());
  await sdk.execute(AppExtensionsSDK.Command.SHOW_SNACKBAR, {message: 'backend served user ' + who.userId + ' of company ' + who.companyId + (meta.windowWidth > 0 ? '' : ' (no metadata)')});
})().catch(e => document.body.textContent = 'error: ' + e);
</script></body></html>`

// customUIApp is an app with a Custom UI panel whose backend checks the
// token the page got from the host.
type customUIApp struct {
	mu     sync.Mutex
	served []jwt.Claims
}

func (a *customUIApp) handler(t *testing.T, secret string) http.Handler {
	sdk := appsdk.ClientJS
	mux := http.NewServeMux()
	mux.HandleFunc("/sdk.js", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		w.Write(sdk)
	})
	mux.HandleFunc("/ui", func(w http.ResponseWriter, r *http.Request) {
		if _, err := jwt.Verify(r.URL.Query().Get("token"), secret, time.Now()); err != nil {
			http.Error(w, "bad token", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(customUIPage))
	})
	mux.HandleFunc("/api/whoami", func(w http.ResponseWriter, r *http.Request) {
		c, err := jwt.Verify(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), secret, time.Now())
		if err != nil {
			http.Error(w, "bad token", http.StatusUnauthorized)
			return
		}
		a.mu.Lock()
		a.served = append(a.served, c)
		a.mu.Unlock()
		json.NewEncoder(w).Encode(c)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }) // OAuth callback and the rest
	return mux
}

// The host page speaks the host side of the SDK to a page that uses the
// real SDK: initialisation with a size, metadata, a signed token for the
// viewer that the page's backend verifies, and a snackbar.
func TestServer_HostsCustomUIWithTheSDK(t *testing.T) {
	chromium, err := browser.Find(os.Getenv("APPCERT_CHROMIUM"))
	if err != nil {
		t.Skipf("skipping the browser test: %v (APPCERT_CHROMIUM names the binary)", err)
	}
	const secret = "ui-secret"
	a := &customUIApp{}
	appSrv := httptest.NewServer(a.handler(t, secret))
	defer appSrv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{Manifest: manifest.App{
		Name: "UI app", ClientID: "ui-app", ClientSecret: secret, CallbackURL: appSrv.URL + "/callback",
		SharingMode: manifest.ModeSharedExtensions, Scopes: []string{"base"},
		Extensions: []manifest.Extension{{Type: manifest.CustomUIPanel, Name: "Notes", Resource: manifest.ResourceDeal, URL: appSrv.URL + "/ui"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: s}}
	srv.Start()
	defer func() { srv.Close(); s.Close() }()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	bctx, stop, err := browser.Start(ctx, chromium, 1280, 900)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	err = chromedp.Do(bctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.Click(css(`#accept`)), // Alice installs it for herself
		chromedp.WaitVisible(css(`#uninstall`)),
		chromedp.Click(css(`button[data-customui="Notes"]`)),
		chromedp.WaitVisible(css(`#snackbar`)),
	)
	if err != nil {
		t.Fatalf("opening the Custom UI panel: %v", err)
	}
	read := func(a chromedp.Action[string]) string {
		t.Helper()
		v, err := chromedp.Run(bctx, a)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if got := read(chromedp.Text(css("#snackbar"))); got != "backend served user 1001 of company 1" {
		t.Errorf("snackbar %q; want the backend's answer for Alice (1001) of Acme (1)", got)
	}
	if got := read(chromedp.Text(css("#sdk-state"))); got != "SDK initialised" {
		t.Errorf("the host says %q of initialisation", got)
	}
	if got := read(chromedp.Evaluate[string](`document.querySelector('iframe.customui').style.height`)); got != "321px" {
		t.Errorf("the iframe's height is %q; want the 321px the page asked for", got)
	}
	sdkLog := read(chromedp.Text(css("#sdk-log")))
	for _, want := range []string{`initialize {"size":{"height":321}}`, "get_metadata", "get_signed_token", "show_snackbar"} {
		if !strings.Contains(sdkLog, want) {
			t.Errorf("the host's SDK log lacks %q:\n%s", want, sdkLog)
		}
	}
	// The host posts each SDK call to the list as it answers it; the last
	// may still be on its way.
	var all string
	for wait := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var listed []string
		for _, e := range s.log.Entries() {
			if strings.HasPrefix(e.Kind, "sdk") {
				listed = append(listed, e.Request)
			}
		}
		all = strings.Join(listed, "\n")
		if strings.Contains(all, "initialize") && strings.Contains(all, "show_snackbar") && strings.Contains(all, "asks the host for a signed token") || time.Now().After(wait) {
			break
		}
	}
	if !strings.Contains(all, "initialize") || !strings.Contains(all, "show_snackbar") || !strings.Contains(all, "asks the host for a signed token") {
		t.Errorf("the exchanges beside the page lack the SDK calls:\n%s", all)
	}
	a.mu.Lock()
	served := a.served
	a.mu.Unlock()
	if len(served) != 1 || served[0].UserID != 1001 || served[0].CompanyID != 1 || served[0].ExpiresAt-served[0].IssuedAt != 300 {
		t.Errorf("the backend verified %+v; want one 5-minute token for Alice of Acme", served)
	}
	if f := s.Feature(); !strings.Contains(f, `Alice's custom UI panel of "UI app" works`) {
		t.Errorf("the recorded scenario lacks the Custom UI panel:\n%s", f)
	}
	runFeature(t, s.Feature())
}

// A token for a page the viewer may not open is refused, and nothing is
// signed.
func TestServer_SDKTokenOnlyForEntitledViewers(t *testing.T) {
	const secret = "ui-secret"
	appSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer appSrv.Close()
	ext := manifest.Extension{Type: manifest.CustomUIPanel, Name: "Notes", Resource: manifest.ResourceDeal, URL: appSrv.URL + "/ui"}
	s, err := New(Options{Manifest: manifest.App{
		Name: "UI app", ClientID: "ui-app", ClientSecret: secret, CallbackURL: appSrv.URL + "/callback",
		SharingMode: manifest.ModeSharedExtensions, Scopes: []string{"base"}, Extensions: []manifest.Extension{ext},
	}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	ask := func(id string) (int, map[string]string) {
		resp, err := http.PostForm(srv.URL+"/sdk/token", map[string][]string{"id": {id}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]string
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	id := appsdk.InstanceID("ui-app", ext)
	if code, out := ask(id); code != http.StatusForbidden || out["token"] != "" || !strings.Contains(out["error"], "needs authorization") {
		t.Errorf("before installing: %d %v; want 403 saying the panel needs authorization", code, out)
	}
	if code, _ := ask("not-an-id"); code != http.StatusForbidden {
		t.Errorf("an unknown id: %d, want 403", code)
	}
	s.mu.Lock()
	s.apply(context.Background(), `Alice installs "UI app"`, reference.Install{App: s.model0.ID, By: s.viewer.ID, Access: reference.OnlyMe, Accept: true})
	s.mu.Unlock()
	code, out := ask(id)
	c, err := jwt.Verify(out["token"], secret, time.Now())
	if code != http.StatusOK || err != nil || c.UserID != 1001 || c.CompanyID != 1 {
		t.Errorf("after installing: %d %v (%v); want Alice's token", code, out, err)
	}
}
