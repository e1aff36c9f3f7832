package suite

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cucumber/godog"

	"github.com/appcert/appcert/certify/result"
	"github.com/appcert/appcert/fakes/marketplace"
	"github.com/appcert/appcert/internal/browser"
	"github.com/appcert/appcert/stepdef"
)

// openInBrowser returns the open sub-checks that run in the browser.
func (w *world) openInBrowser() []*sub {
	var out []*sub
	for _, s := range w.open() {
		if slices.Contains(w.check.Browser, s.surface) {
			out = append(out, s)
		}
	}
	return out
}

// stepPagesInBrowser runs each Custom UI page of the sub-checks open in
// the browser for the person, inside a host page that speaks the SDK,
// and keeps the calls each page made to its backend for the replays.
func stepPagesInBrowser(ctx context.Context, w *world, a stepdef.Args) error {
	p, err := w.person(stepdef.Arg[string](a, 0))
	if err != nil {
		return err
	}
	if why := w.run.browser.missing(); why != "" {
		subs := w.openInBrowser()
		for _, s := range subs {
			s.browser = true
			w.settle(s, result.NotExercised, "the browser checks need Chromium: "+why)
		}
		if len(subs) > 0 {
			// Nothing after this step can run: the reports show the
			// scenario's steps skipped, with the reason, not passed.
			return godog.ErrSkip
		}
		return nil
	}
	for _, s := range w.openInBrowser() {
		s.browser = true
		what := fmt.Sprintf("%s's %s calls its backend in the browser", p.Name, words(s.surface))
		if use := w.ref.Extension(w.run.model.ID, uid(p), s.surface); !use.Allowed {
			w.settle(s, result.NotExercised, fmt.Sprintf("the marketplace shows %s no %s (%s), so the page can't run for them", p.Name, words(s.surface), use.Reason))
			continue
		}
		if !w.canServe(p, nil) {
			if err := w.cannot(s, what); err != nil {
				return err
			}
			continue
		}
		for _, e := range w.run.app.Extensions {
			if e.Type != s.surface {
				continue
			}
			pg, err := w.runPage(ctx, e, p)
			if err != nil {
				if ctx.Err() != nil {
					return err
				}
				var nb *noBrowserError
				if errors.As(err, &nb) {
					w.settle(s, result.NotExercised, "the browser checks need Chromium, and "+w.run.browser.path+" did not start: "+err.Error())
					break
				}
				w.settle(s, result.Skip, fmt.Sprintf("cannot check that %s: the page did not run in Chromium: %v", what, err))
				break
			}
			pg.sub = s
			w.pages = append(w.pages, pg)
		}
	}
	return nil
}

// stepReplayed sends each call the pages made to their backend again:
// as recorded, then with the other person's token and the viewer's ids,
// and with the viewer's token and the other person's ids. The judge says
// whether an answer served someone the token does not name.
func stepReplayed(ctx context.Context, w *world, a stepdef.Args) error {
	o, err := w.person(stepdef.Arg[string](a, 0))
	if err != nil {
		return err
	}
	if len(w.pages) == 0 && len(w.openInBrowser()) > 0 {
		return fmt.Errorf("no Custom UI page ran in the browser in this scenario; run them first with \"Alice's Custom UI pages call their backend in the browser\"")
	}
	for _, pg := range w.pages {
		if pg.sub.verdict != "" {
			continue
		}
		if o == pg.viewer {
			return fmt.Errorf("%s is the pages' own viewer; replay them with someone else's token and ids", o.Name)
		}
		if len(pg.calls) == 0 {
			w.settle(pg.sub, result.NotExercised, fmt.Sprintf("the %s %q made no call to its backend while it ran in the browser (within %v, or %v after its last request), so no call could be sent again", words(pg.sub.surface), pg.ext.Name, pageMax, pageQuiet))
			continue
		}
		for _, c := range pg.calls {
			if pg.sub.verdict != "" {
				break
			}
			if err := w.replay(ctx, pg, c, o); err != nil {
				return err
			}
		}
	}
	return nil
}

// replay sends one recorded call as recorded and then with o's token or
// ids put in, judging each answer.
func (w *world) replay(ctx context.Context, pg loadedPage, c browser.Request, o *person) error {
	v := pg.viewer
	m := w.run.market
	own := pg.tokenIn(c)
	base, made, err := w.sendPageCall(ctx, pg, c, c, own, v, nil, "")
	if err != nil {
		return err
	}
	if w.record(m.JudgePageCall(base.call, base.ex, made)...) {
		return nil
	}
	// Only an answer that showed the viewer's own company (its records,
	// or API calls made for it) can show that another's was served.
	if base.ex.Status < 200 || base.ex.Status > 299 || !(m.ShowsOwnRecords(base.ex) || apiCalls(made) > 0) {
		return nil
	}
	theirs := w.signFor(pg.ext, o)
	variants := []struct {
		swap        swap
		carried     string // the token the call then carries
		token, ids  *person
		description string
	}{
		{swap{tokens: pg.tokens, token: theirs}, theirs, o, v, fmt.Sprintf("%s's token and %s's ids", o.Name, v.Name)},
		{swap{from: v, to: o}, own, v, o, fmt.Sprintf("%s's token and %s's ids", v.Name, o.Name)},
	}
	_, _, carriesIDs := swap{from: v, to: o}.apply(c)
	for _, vr := range variants {
		r, tokenPut, idsPut := vr.swap.apply(c)
		if !tokenPut && !idsPut {
			continue // the call carries no token, or no ids, to put another's in
		}
		named, description := vr.ids, vr.description
		if !carriesIDs {
			// The call names nobody but through its token.
			named, description = vr.token, vr.token.Name+"'s token"
		}
		sent, made, err := w.sendPageCall(ctx, pg, c, r, vr.carried, vr.token, named, description)
		if err != nil {
			return err
		}
		if w.record(m.JudgePageCall(sent.call, sent.ex, made)...) {
			return nil
		}
		if st := sent.ex.Status; st == 401 || st == 403 || (st >= 200 && st < 300) {
			pg.sub.judged++
		}
	}
	return nil
}

// pageExchange is a page's call as sent again, and its answer.
type pageExchange struct {
	call marketplace.PageCall
	ex   marketplace.Exchange
}

// sendPageCall sends r, the page's call orig with token put in (or as
// it was), as a call whose token names tok and whose ids name named (nil:
// tok), and returns the API calls the app made while answering.
func (w *world) sendPageCall(ctx context.Context, pg loadedPage, orig, r browser.Request, token string, tok, named *person, variant string) (pageExchange, []marketplace.Call, error) {
	c := marketplace.PageCall{
		Kind: pg.ext.Type, Extension: pg.ext.Name, UserID: tok.ID, CompanyID: tok.Company.ID, Variant: variant,
		Method: r.Method, URL: r.URL, Header: header(r.Header), Body: r.Body, Token: token,
		Recorded: recordedLine(orig),
	}
	if named != nil && named != tok {
		c.NamedUser, c.NamedCompany = named.ID, named.Company.ID
	}
	before := len(w.calls())
	ex, err := w.run.market.SendPageCall(ctx, w.run.app.ClientID, c)
	if err != nil {
		return pageExchange{}, nil, err
	}
	return pageExchange{c, ex}, w.calls()[before:], nil
}

// tokenIn returns the page's token that r carries, if any.
func (pg loadedPage) tokenIn(r browser.Request) string {
	all := r.String()
	for _, t := range pg.tokens {
		if strings.Contains(all, t) {
			return t
		}
	}
	return ""
}

// recordedLine is a recorded call for the evidence: method, URL and the
// headers the page set itself, not those every browser request carries.
func recordedLine(r browser.Request) string {
	q := browser.Request{Method: r.Method, URL: r.URL, Body: r.Body, Header: map[string]string{}}
	for k, v := range r.Header {
		switch l := strings.ToLower(k); {
		case l == "user-agent", l == "referer", l == "origin", strings.HasPrefix(l, "accept"), strings.HasPrefix(l, "sec-"):
		default:
			q.Header[k] = v
		}
	}
	return q.String()
}
