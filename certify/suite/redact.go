package suite

import (
	"encoding/base64"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/appcert/appcert/certify/result"
	"github.com/appcert/appcert/fakes/marketplace"
	"github.com/appcert/appcert/manifest"
)

// Redactor hides what a report must never show. It runs once, when an
// exchange or a reason is recorded, over the whole text before anything is
// cut, so a secret split by an excerpt's end is gone before the cut.
type Redactor struct {
	literals []string // every secret, in every encoding an answer may carry
}

// minRedacted is the shortest secret looked for: a shorter one would be
// found in innocent text.
const minRedacted = 4

// NewRedactor redacts the manifest's secrets and the Basic auth pairs they
// make, raw and encoded (base64, URL-encoding), besides what any run must
// hide: tokens, JWTs, Basic auth headers and URL userinfo.
func NewRedactor(app manifest.App) *Redactor {
	var plain []string
	plain = append(plain, app.Secrets()...)
	plain = append(plain, app.ClientID+":"+app.ClientSecret)
	for _, e := range app.Extensions {
		if e.HTTPAuth.Set() {
			plain = append(plain, e.HTTPAuth.Username+":"+e.HTTPAuth.Password)
		}
	}
	r := &Redactor{}
	for _, s := range plain {
		if len(s) < minRedacted {
			continue
		}
		for _, form := range []string{
			s,
			url.QueryEscape(s), url.PathEscape(s),
			base64.StdEncoding.EncodeToString([]byte(s)),
			base64.RawStdEncoding.EncodeToString([]byte(s)),
			base64.URLEncoding.EncodeToString([]byte(s)),
			base64.RawURLEncoding.EncodeToString([]byte(s)),
		} {
			if !slices.Contains(r.literals, form) {
				r.literals = append(r.literals, form)
			}
		}
	}
	// Longest first, so a secret inside a longer form goes with it.
	slices.SortFunc(r.literals, func(a, b string) int { return len(b) - len(a) })
	return r
}

var (
	// Tokens the marketplace issues (<company>:<user>:<hex> tokens,
	// <company>.<user>.<hex> codes), percent-encoded or not, and JWTs.
	tokenish = regexp.MustCompile(`\b\d+(?:[:.]|%3[Aa])\d+(?:[:.]|%3[Aa])[0-9a-f]{16,}\b|eyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*){0,2}`)
	// An Authorization header's credentials, however written; the words
	// after "Basic" or "Bearer" in prose ("Basic auth") are kept (plainWord).
	authHeader = regexp.MustCompile(`(?i)\b(Basic|Bearer)(\s+|%20|\+)([A-Za-z0-9+/=._~%-]{4,})`)
	// plainWord is a word of prose, not a credential: letters only, lower
	// case after the first, short. A base64 pair ("dXNlcjpwYXNz") or a
	// token has digits, symbols or inner capitals, or is longer.
	plainWord = regexp.MustCompile(`^[A-Za-z][a-z]{3,14}$`)
	// user:password@ in a URL.
	userinfo = regexp.MustCompile(`(://)[^/@\s"'?#]+@`)
	// Query parameters that carry credentials.
	queryCredential = regexp.MustCompile(`(?i)([?&](?:token|code|access_token|refresh_token|client_secret|password)=)[^&#\s"']*`)
)

const redacted = "[redacted]"

// Redact returns s with every secret hidden.
func (r *Redactor) Redact(s string) string {
	for _, l := range r.literals {
		s = strings.ReplaceAll(s, l, redacted)
	}
	s = userinfo.ReplaceAllString(s, "${1}"+redacted+"@")
	s = queryCredential.ReplaceAllString(s, "${1}"+redacted)
	s = authHeader.ReplaceAllStringFunc(s, func(m string) string {
		sub := authHeader.FindStringSubmatch(m)
		if plainWord.MatchString(sub[3]) {
			return m
		}
		return sub[1] + " " + redacted
	})
	s = tokenish.ReplaceAllString(s, redacted)
	return s
}

// bodyExcerpt is how much of an answer a report shows.
const bodyExcerpt = 400

// redactWindow is how far past the excerpt redaction reads, so that a
// secret or token that starts in the excerpt is found whole; the rest of
// a long answer is never shown, and not worth scanning.
const redactWindow = 64 << 10

// Exchange turns an exchange into what a report shows: redacted whole,
// then cut to an excerpt.
func (r *Redactor) Exchange(ex marketplace.Exchange) *result.Exchange {
	raw := ex.Body
	if len(raw) > bodyExcerpt+redactWindow {
		raw = raw[:bodyExcerpt+redactWindow]
	}
	body := r.Redact(strings.ToValidUTF8(string(raw), "\uFFFD"))
	if len(body) > bodyExcerpt {
		cut := bodyExcerpt
		for cut > 0 && !utf8.RuneStart(body[cut]) {
			cut--
		}
		body = body[:cut] + "…"
	}
	out := &result.Exchange{
		Kind: ex.Kind, Variant: ex.Variant, Request: r.Redact(ex.Request.Method + " " + ex.Request.URL), Status: ex.Status,
		Body: body, BodySize: len(ex.Body), Oversize: ex.Oversize, Started: ex.Started, Duration: ex.Duration,
	}
	if ex.Err != nil {
		out.Error = r.Redact(ex.Err.Error())
	}
	return out
}
