package serve

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/appcert/appcert/internal/appsdk"
	"github.com/appcert/appcert/internal/jwt"
	"github.com/appcert/appcert/manifest"
	"github.com/appcert/appcert/reference"
	"github.com/appcert/appcert/steps"
)

// Custom UI pages run in the browser: the page loads the app's page in an
// iframe with the query protocol.md (item 7) gives it, and the page's own
// script speaks the host side of @pipedrive/app-extensions-sdk to it. The
// server signs the tokens the SDK hands out, for the viewer the model
// entitles.

// customUIToken is how long a signed token lasts (protocol.md: 5 minutes).
const customUIToken = 5 * time.Minute

// customUIView is one Custom UI extension as the viewer may open it.
type customUIView struct {
	Type, Name string
	ID         string // the extension instance id the SDK sends back
	Use        string
	Src        string // the iframe's URL, when the viewer may open it
	Inline     bool   // a panel sits on the deal; the others open over the page
}

// signedToken is a token for p, signed with the extension's secret.
func (s *Server) signedToken(e manifest.Extension, p *person) string {
	now := time.Now() // extension tokens use the wall clock, as the fake's do
	return jwt.Sign(jwt.Claims{UserID: int64(p.ID), CompanyID: int64(p.Company.ID), IssuedAt: now.Unix(),
		ExpiresAt: now.Add(customUIToken).Unix()}, s.app.Secret(e))
}

// customUIViews lists the app's Custom UI extensions for the viewer: the
// model decides whether each works; those that do get their iframe URL.
func (s *Server) customUIViews() []customUIView {
	var out []customUIView
	for _, e := range s.app.Extensions {
		if !manifest.IsCustomUI(e.Type) {
			continue
		}
		use := s.model.Extension(s.model0.ID, s.viewer.ID, reference.ExtensionKind(e.Type))
		v := customUIView{Type: string(e.Type), Name: e.Name, ID: appsdk.InstanceID(s.app.ClientID, e), Use: steps.UseWords(use),
			Inline: e.Type == manifest.CustomUIPanel}
		if use.Allowed {
			v.Src = s.customUISrc(e, s.viewer)
		}
		out = append(out, v)
	}
	return out
}

// customUISrc is the page's URL as the marketplace loads it.
func (s *Server) customUISrc(e manifest.Extension, p *person) string {
	return appsdk.PageURL(s.app.ClientID, e, int64(p.ID), int64(p.Company.ID), s.signedToken(e, p), "1")
}

// serveSDKToken answers the host page's get_signed_token for an extension:
// a fresh token for the viewer, while the model still entitles them.
func (s *Server) serveSDKToken(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := r.FormValue("id")
	for _, e := range s.app.Extensions {
		if !manifest.IsCustomUI(e.Type) || appsdk.InstanceID(s.app.ClientID, e) != id {
			continue
		}
		use := s.model.Extension(s.model0.ID, s.viewer.ID, reference.ExtensionKind(e.Type))
		if !use.Allowed {
			writeSDKError(w, fmt.Sprintf("%s's %s %s", s.viewer.Name, e.Name, steps.UseWords(use)))
			return
		}
		s.log.add(Entry{Who: s.viewer.Name, Kind: "sdk get_signed_token", Rules: []string{"PD-EXT-01"},
			Request: fmt.Sprintf("the %s page %q asks the host for a signed token", e.Type, e.Name),
			Answer:  fmt.Sprintf("a token for user %d of company %d, valid %v", s.viewer.ID, s.viewer.Company.ID, customUIToken)})
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"token": s.signedToken(e, s.viewer)})
		return
	}
	writeSDKError(w, "no Custom UI extension has the id "+strconv.Quote(id))
}

func writeSDKError(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusForbidden)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// openCustomUI records the viewer opening a Custom UI page, in the steps'
// words where the steps know the kind.
func (s *Server) openCustomUI(e manifest.Extension) {
	kind := reference.ExtensionKind(e.Type)
	use := s.model.Extension(s.model0.ID, s.viewer.ID, kind)
	if word := steps.ExtensionWord(kind); word != string(kind) {
		s.feature.then("%s's %s of %s %s", s.viewer.Name, word, quote(s.model0.Name), steps.UseWords(use))
	}
	what := "the browser loads the page in an iframe in the host page"
	if !use.Allowed {
		what = "not loaded: it " + steps.UseWords(use)
	}
	s.log.add(Entry{Who: s.viewer.Name, Kind: string(e.Type), Rules: []string{"PD-EXT-01", "PD-EXT-02", "PD-SHARE-16"},
		Request: "GET " + redactURL(s.customUISrc(e, s.viewer)), Answer: what})
}

// serveSDKLog lists what a Custom UI page asked of the host page through
// the SDK, and the host's refusals, beside the app's exchanges.
func (s *Server) serveSDKLog(w http.ResponseWriter, r *http.Request) {
	text := excerpt(r.FormValue("text"), 400)
	if text == "" {
		http.Error(w, "nothing to list", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	who := s.viewer.Name
	s.mu.Unlock()
	s.log.add(Entry{Who: who, Kind: "sdk", Rules: []string{"PD-EXT-01"}, Request: "the page to the host: " + text})
	w.WriteHeader(http.StatusNoContent)
}
