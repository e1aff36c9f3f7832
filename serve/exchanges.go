package serve

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/appcert/appcert/fakes/marketplace"
)

// Entry is one request the marketplace sent the app, as the page lists it:
// the request, the answer, the app's own calls to the marketplace while it
// answered, the rules the exchange concerns and what the judges found.
type Entry struct {
	Seq      int
	Who      string // the person the request is about
	Kind     string
	Request  string
	Answer   string
	Rules    []string
	Calls    []string
	Findings []string
}

// Failed reports whether a judge found the app broke a rule here.
func (e Entry) Failed() bool { return len(e.Findings) > 0 }

// exchangeLog is the live list beside the page; the page polls it while an
// action is still sending, so it has a lock of its own.
type exchangeLog struct {
	mu      sync.Mutex
	entries []Entry
}

func (l *exchangeLog) add(e Entry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e.Seq = len(l.entries) + 1
	l.entries = append(l.entries, e)
}

// Entries returns the list, newest first.
func (l *exchangeLog) Entries() []Entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Entry, len(l.entries))
	for i, e := range l.entries {
		out[len(out)-1-i] = e
	}
	return out
}

// kindRules are the rules each kind of exchange concerns: what the
// marketplace must send (M) and what the app must answer (A).
var kindRules = map[string][]string{
	marketplace.KindAuthorize:  {"PD-OAUTH-01", "PD-OAUTH-02", "PD-OAUTH-04", "PD-OAUTH-06"},
	marketplace.KindDeny:       {"PD-OAUTH-02"},
	marketplace.KindSharing:    {"PD-SHARE-20", "PD-SHARE-24"},
	marketplace.KindUninstall:  {"PD-UNINST-01", "PD-UNINST-02"},
	marketplace.KindPanel:      {"PD-EXT-01", "PD-SHARE-19", "PD-EXT-02", "PD-EXT-03", "PD-EXT-04", "PD-EXT-05"},
	marketplace.KindLinkAction: {"PD-EXT-01", "PD-EXT-02", "PD-EXT-05"},
}

// entryOf lists an exchange. Tokens and codes in the URL are redacted, as
// in certify's reports.
func entryOf(ex marketplace.Exchange, who string, calls []marketplace.Call, found []marketplace.Finding) Entry {
	e := Entry{Who: who, Kind: ex.Kind, Rules: kindRules[ex.Kind]}
	e.Request = ex.Request.Method + " " + redactURL(ex.Request.URL)
	if len(ex.Request.Body) > 0 {
		e.Request += " " + string(ex.Request.Body)
	}
	switch {
	case ex.Err != nil:
		e.Answer = fmt.Sprintf("no answer after %v: %v", ex.Duration.Round(time.Millisecond), ex.Err)
	default:
		e.Answer = fmt.Sprintf("%d %s in %v", ex.Status, http.StatusText(ex.Status), ex.Duration.Round(time.Millisecond))
		if loc := ex.Header.Get("Location"); loc != "" {
			e.Answer += ", Location: " + redactURL(loc)
		}
		if len(ex.Body) > 0 {
			e.Answer += ": " + excerpt(string(ex.Body), 400)
		}
	}
	for _, c := range calls {
		line := fmt.Sprintf("%s %s → %d", c.Method, c.Path, c.Status)
		switch {
		case c.Grant != "":
			line += " (" + c.Grant + ", PD-OAUTH-02)"
		case c.Scope != "":
			line += " (scope " + c.Scope + ", PD-SCOPE-02)"
		case c.Template == "" && strings.HasPrefix(c.Path, "/api/"):
			line += " (unknown endpoint)"
		}
		e.Calls = append(e.Calls, line)
	}
	for _, f := range found {
		e.Findings = append(e.Findings, f.String())
	}
	return e
}

// redactURL hides the token and code a URL carries.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	changed := false
	for _, k := range []string{"token", "code"} {
		if q.Has(k) {
			q.Set(k, "[redacted]")
			changed = true
		}
	}
	if changed {
		u.RawQuery = strings.ReplaceAll(q.Encode(), "%5Bredacted%5D", "[redacted]")
	}
	return u.String()
}

func excerpt(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
