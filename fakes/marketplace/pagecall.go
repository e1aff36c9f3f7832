package marketplace

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/appcert/appcert/manifest"
	"github.com/appcert/appcert/reference"
	"github.com/appcert/appcert/rules"
)

// PageCall is a request a Custom UI page made to its own backend, recorded
// in the browser, to send again: as recorded, or with another viewer's
// token or ids put in.
type PageCall struct {
	Kind      reference.ExtensionKind // the page's extension type
	Extension string                  // the page's extension name
	// UserID and CompanyID are whom the call's token names: the viewer
	// the marketplace vouches for.
	UserID, CompanyID int64
	Variant           string // what was put in ("Gina's token, Alice's ids"); empty as recorded
	Method, URL       string
	Header            http.Header
	Body              []byte
	Token             string // the token it carries, which no answer may hand back
	// NamedUser and NamedCompany are whom the call's own ids (userId,
	// companyId) name, when they name someone else than its token.
	NamedUser, NamedCompany int64
	// Recorded is the call as the page sent it in the browser, for the
	// evidence.
	Recorded string
}

// hopHeaders are the recorded headers a client sets itself.
var hopHeaders = []string{"Host", "Content-Length", "Connection", "Accept-Encoding", "Cookie"}

// SendPageCall sends a page's backend call to the app with the deadline,
// and records it as an exchange of the page's kind.
func (m *Marketplace) SendPageCall(ctx context.Context, clientID string, c PageCall) (Exchange, error) {
	if !manifest.IsCustomUI(c.Kind) {
		return Exchange{}, fmt.Errorf("marketplace: %q is not a Custom UI extension type", c.Kind)
	}
	h := c.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	for _, k := range hopHeaders {
		h.Del(k)
	}
	ex := Exchange{Kind: string(c.Kind), App: clientID, Extension: c.Extension, UserID: c.UserID, CompanyID: c.CompanyID, Variant: c.Variant}
	if c.Token != "" {
		ex.echoes = append(ex.echoes, c.Token)
	}
	return m.send(ctx, ex, c.Method, c.URL, h, c.Body)
}

// JudgePageCall judges the answer to a page's call sent as c: with a
// token naming c.UserID of c.CompanyID, and ids naming c.NamedUser of
// c.NamedCompany where they differ; calls are the API calls the app made
// while answering. An answer that carries another company's records, or
// that the app built with another user's or company's authorization,
// served someone the token does not name (PD-EXT-05); where the call's
// ids named someone else, the app believed them over its token
// (PD-EXT-02 too).
func (m *Marketplace) JudgePageCall(c PageCall, ex Exchange, calls []Call) []Finding {
	j := judgement{ex: ex, what: "the " + SurfaceName(c.Kind) + " page's call to its backend"}
	if c.Recorded != "" {
		j.what += " (in the browser: " + c.Recorded + ")"
	}
	if c.Variant == "" {
		j.what += ", sent again"
	} else {
		j.what += ", sent again with " + c.Variant
	}
	namedUser, namedCompany := c.UserID, c.CompanyID
	if c.NamedUser != 0 || c.NamedCompany != 0 {
		namedUser, namedCompany = c.NamedUser, c.NamedCompany
	}
	m.leaks(&j)
	if ex.Err != nil || ex.Status < 200 || ex.Status > 299 {
		return j.out // a refusal, or no answer, served nobody
	}
	servedOther := slices.ContainsFunc(j.out, func(f Finding) bool { return f.Rule == rules.PDExt05 })
	var others []string
	for _, call := range calls {
		if call.Version == 0 || (call.UserID == ex.UserID && call.CompanyID == ex.CompanyID) {
			continue
		}
		s := fmt.Sprintf("user %d of company %d", call.UserID, call.CompanyID)
		if !slices.Contains(others, s) {
			others = append(others, s)
		}
	}
	sort.Strings(others)
	if len(others) > 0 {
		servedOther = true
		j.fail(rules.PDExt05, "answered %d for user %d of company %d, whom the token names, with API calls made as %s", ex.Status, ex.UserID, ex.CompanyID, strings.Join(others, " and "))
	}
	if servedOther && (namedUser != ex.UserID || namedCompany != ex.CompanyID) {
		j.fail(rules.PDExt02, "the token names user %d of company %d and the call names user %d of company %d; the app did not refuse it, and served someone the token does not name", ex.UserID, ex.CompanyID, namedUser, namedCompany)
	}
	return j.out
}
