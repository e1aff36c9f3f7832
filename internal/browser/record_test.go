package browser

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// A page in an iframe calls its backend and another origin: the recording
// of the backend's origin holds the page's own calls, with their query,
// headers and body, and nothing sent elsewhere.
func TestRecord_KeepsTheOriginsRequests(t *testing.T) {
	chromium, err := Find(os.Getenv("APPCERT_CHROMIUM"))
	if err != nil {
		t.Skipf("skipping the browser test: %v (APPCERT_CHROMIUM names the binary)", err)
	}
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
	}))
	defer other.Close()
	served := make(chan string, 8)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/page":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, `<!doctype html><script>
fetch('/api/deals?companyId=7', {headers: {'X-Token': 'tok-1'}})
  .then(() => fetch('/api/notes', {method: 'POST', body: '{"note":"hi"}'}))
  .then(() => fetch('`+other.URL+`/elsewhere'))
  .then(() => document.title = 'done');
</script>`)
		default:
			b, _ := io.ReadAll(r.Body)
			served <- r.Method + " " + r.URL.String() + " " + string(b)
		}
	}))
	defer app.Close()
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, `<!doctype html><iframe src="`+app.URL+`/page"></iframe>`)
	}))
	defer host.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	bctx, stop, err := Start(ctx, chromium, 800, 600)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	rec, err := Record(bctx, app.URL)
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(bctx, chromedp.Navigate(host.URL)); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		select {
		case <-served:
		case <-ctx.Done():
			t.Fatal("the page's calls never reached its backend")
		}
	}
	time.Sleep(200 * time.Millisecond) // the third call goes elsewhere; give it time to be (wrongly) recorded
	reqs, err := rec.Stop()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, q := range reqs {
		got = append(got, q.String())
		if strings.Contains(q.URL, other.URL) {
			t.Errorf("recorded a request to another origin: %s", q)
		}
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{"GET " + app.URL + "/page", "GET " + app.URL + "/api/deals?companyId=7", "X-Token: tok-1", "POST " + app.URL + `/api/notes`, `body {"note":"hi"}`} {
		if !strings.Contains(all, want) {
			t.Errorf("the recording lacks %q:\n%s", want, all)
		}
	}
}

func TestRecord_RefusesABadOrigin(t *testing.T) {
	if _, err := Record(context.Background(), "not an origin"); err == nil {
		t.Error("Record accepted an origin without scheme and host")
	}
}
