package serve

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// A JSON modal opens as a form of its blocks with the app's values and
// button labels; a submit the app refuses shows its block error beside
// the block and keeps the form; a good one shows the app's message; the
// recorded scenario still replays.
func TestServer_JSONModalIsAFormThatSubmits(t *testing.T) {
	p := newPage(t)
	p.do("action", "install", "access", "only_me", "scopes", "accept")
	page := html.UnescapeString(p.do("action", "extension", "type", "json_modal", "name", "Create a task"))
	for _, want := range []string{`id="modal"`, `name="block:title" value="Follow up on Acme deal 1"`, `>Create task</button>`, "json_modal</b> for Alice"} {
		if !strings.Contains(page, want) {
			t.Errorf("the modal's page lacks %q:\n%s", want, page)
		}
	}
	page = html.UnescapeString(p.do("action", "modal-submit", "block:title", "", "block:deal", "Acme deal 1", "block:due", ""))
	if !strings.Contains(page, "A task needs a title") || !strings.Contains(page, `name="block:title"`) {
		t.Errorf("an empty title: the block error is not shown beside the open form:\n%s", page)
	}
	page = html.UnescapeString(p.do("action", "modal-submit", "block:title", "Call back", "block:deal", "Acme deal 1", "block:due", ""))
	if !strings.Contains(page, `The app says: Task "Call back" created`) || strings.Contains(page, `name="block:title"`) {
		t.Errorf("a good submit does not show the app's message and close the form:\n%s", page)
	}
	if got := p.s.log.Entries(); len(got) == 0 || !strings.Contains(got[0].Request, "POST") {
		t.Errorf("the submit is not listed with the exchanges: %+v", got)
	}
	page = p.do("action", "modal-cancel")
	if strings.Contains(page, `id="modal"`) {
		t.Error("the modal is still open after closing it")
	}
	resp, err := http.PostForm(p.url+"/do", url.Values{"action": {"modal-submit"}, "block:title": {"x"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "no JSON modal is open") {
		t.Errorf("a submit with no modal open: %d %s; want 400 saying so", resp.StatusCode, body)
	}
	runFeature(t, p.s.Feature())
}
