package steps

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cucumber/godog"

	"github.com/appcert/appcert/reference"
)

// procoreSteps are the steps of the Procore suite (PC rules) and the
// request steps Procore and Zoom share.
func procoreSteps() []def {
	return []def{
		{Phrase: Phrase{Area: AreaProcore,
			Pattern: `{person} [turns|has turned] Allow User Installs {setting}`,
			Example: `Alice turns Allow User Installs OFF`},
			run: func(w *world, a []string, _ *godog.Table) error {
				u, err := w.person(a[0])
				if err != nil {
					return err
				}
				return w.do(reference.SetAllowUserInstalls{By: u, Allow: a[1] == "ON"})
			}},
		{Phrase: Phrase{Area: AreaProcore,
			Pattern: `Allow User Installs is {setting} for {company}`,
			Example: `Allow User Installs is ON for "Acme"`},
			run: func(w *world, a []string, _ *godog.Table) error {
				co, err := w.company(a[1])
				if err != nil {
					return err
				}
				m, err := w.market()
				if err != nil {
					return err
				}
				allow, _ := m.AllowUserInstalls(co)
				if got := onOff(allow); got != a[0] {
					return fmt.Errorf("Allow User Installs is %s for %q, not %s", got, a[1], a[0])
				}
				return nil
			}},
		{Phrase: Phrase{Area: AreaRequests,
			Pattern: `{person} [requests|has requested] {app}`,
			Example: `Bob requests "Field Forms"`},
			run: func(w *world, a []string, _ *godog.Table) error { return request(w, a[0], a[1], "", "") }},
		{Phrase: Phrase{Area: AreaRequests,
			Pattern: `{person} [requests|has requested] {app} with the notes {text}`,
			Example: `Bob requests "Field Forms" with the notes "for the site diaries"`},
			run: func(w *world, a []string, _ *godog.Table) error { return request(w, a[0], a[1], "", a[2]) }},
		{Phrase: Phrase{Area: AreaRequests,
			Pattern: `{person} [requests|has requested] pre-approval of {app}`,
			Example: `Bob requests pre-approval of "Recorder"`},
			run: func(w *world, a []string, _ *godog.Table) error {
				return request(w, a[0], a[1], reference.RequestPreApproval, "")
			}},
		{Phrase: Phrase{Area: AreaRequests,
			Pattern: `{person} [requests|has requested] to install {app}`,
			Example: `Bob requests to install "CRM"`},
			run: func(w *world, a []string, _ *godog.Table) error {
				return request(w, a[0], a[1], reference.RequestInstall, "")
			}},
		{Phrase: Phrase{Area: AreaRequests,
			Pattern: `{person} [approves|has approved] {person}'s request for {app}`,
			Example: `Alice approves Bob's request for "Field Forms"`},
			run: func(w *world, a []string, _ *godog.Table) error { return decide(w, a[0], a[1], a[2], true, "") }},
		{Phrase: Phrase{Area: AreaRequests,
			Pattern: `{person} [denies|has denied|rejects] {person}'s request for {app}`,
			Example: `Alice denies Bob's request for "Field Forms"`},
			run: func(w *world, a []string, _ *godog.Table) error { return decide(w, a[0], a[1], a[2], false, "") }},
		{Phrase: Phrase{Area: AreaRequests,
			Pattern: `{person} [denies|rejects] {person}'s request for {app} saying {text}`,
			Example: `Alice denies Bob's request for "Field Forms" saying "we use another tool"`},
			run: func(w *world, a []string, _ *godog.Table) error { return decide(w, a[0], a[1], a[2], false, a[3]) }},
		{Phrase: Phrase{Area: AreaRequests,
			Pattern: `{person} opens App Requests`,
			Example: `Dave opens App Requests`},
			run: openAppRequests},
		{Phrase: Phrase{Area: AreaRequests,
			Pattern: `App Requests shows {person}'s request for {app} as {text}`,
			Example: `App Requests shows Bob's request for "Field Forms" as "pending"`,
			Note:    `reads the view the last "{person} opens App Requests" step opened; without one the step fails`},
			run: appRequestShown},
		{Phrase: Phrase{Area: AreaRequests,
			Pattern: `App Requests shows no request`,
			Example: `App Requests shows no request`},
			run: func(w *world, _ []string, _ *godog.Table) error {
				if err := appRequestsOpened(w); err != nil {
					return err
				}
				if len(w.appRequests) > 0 {
					return fmt.Errorf("App Requests shows %d requests", len(w.appRequests))
				}
				return nil
			}},
		{Phrase: Phrase{Area: AreaRequests,
			Pattern: `the email with the subject {text} carries the notes {text}`,
			Example: `the email with the subject "bob@acme.example requested to access or install Field Forms on Acme" carries the notes "for the site diaries"`},
			run: func(w *world, a []string, _ *godog.Table) error {
				for _, e := range effectsOf[reference.Email](w) {
					if e.Subject == a[0] {
						if e.Body != a[1] {
							return fmt.Errorf("the email %q carries %q, not %q", a[0], e.Body, a[1])
						}
						return nil
					}
				}
				return fmt.Errorf("no email with the subject %q was sent; emails sent: %s", a[0], w.describeEmails(effectsOf[reference.Email](w)))
			}},
		{Phrase: Phrase{Area: AreaRequests,
			Pattern: `{person} has {app} installed by {person}`,
			Example: `Bob has "Field Forms" installed by Alice`},
			run: installedBy},
	}
}

func onOff(b bool) string {
	if b {
		return "ON"
	}
	return "OFF"
}

func requestKey(person, app string) string { return person + "\x00" + app }

func request(w *world, person, app string, kind reference.RequestKind, notes string) error {
	u, id, err := w.personApp(person, app)
	if err != nil {
		return err
	}
	if err := w.do(reference.RequestApp{App: id, By: u, Type: kind, Notes: notes}); err != nil {
		return err
	}
	if ev := w.lastResult.Event; ev != nil {
		w.requests[requestKey(person, app)] = reference.RequestID(ev.Seq)
	}
	return nil
}

func decide(w *world, admin, requester, app string, approve bool, note string) error {
	by, err := w.person(admin)
	if err != nil {
		return err
	}
	id, ok := w.requests[requestKey(requester, app)]
	if !ok {
		return fmt.Errorf("%s has not requested %q in this scenario", requester, app)
	}
	return w.do(reference.DecideRequest{Request: id, By: by, Approve: approve, Note: note})
}

func openAppRequests(w *world, a []string, _ *godog.Table) error {
	u, err := w.person(a[0])
	if err != nil {
		return err
	}
	m, err := w.market()
	if err != nil {
		return err
	}
	rs, err := m.AppRequests(u, "")
	if err != nil {
		var ref *reference.Refusal
		if !errors.As(err, &ref) {
			return err
		}
		w.appRequests = nil
		w.refuse(ref)
		return nil
	}
	w.appRequests, w.appReqOpen, w.refusal = rs, true, nil
	return nil
}

// appRequestsOpened fails a step that reads App Requests before anyone
// opened it: the view is what one admin saw, so the scenario says who.
func appRequestsOpened(w *world) error {
	if !w.appReqOpen {
		return fmt.Errorf(`nobody opened App Requests in this scenario: App Requests shows what the last "{person} opens App Requests" saw, so add e.g. "When Alice opens App Requests" first`)
	}
	return nil
}

func appRequestShown(w *world, a []string, _ *godog.Table) error {
	u, id, err := w.personApp(a[0], a[1])
	if err != nil {
		return err
	}
	if err := appRequestsOpened(w); err != nil {
		return err
	}
	var seen []string
	for i := len(w.appRequests) - 1; i >= 0; i-- {
		r := w.appRequests[i]
		seen = append(seen, fmt.Sprintf("%s's for %q (%s)", w.nameOf(r.By), w.appName(r.App), r.State))
		if r.By == u && r.App == id {
			if string(r.State) != a[2] {
				return fmt.Errorf("App Requests shows %s's request for %q as %q, not %q", a[0], a[1], r.State, a[2])
			}
			return nil
		}
	}
	if len(seen) == 0 {
		seen = []string{"none"}
	}
	return fmt.Errorf("App Requests shows no request of %s's for %q; it shows: %s", a[0], a[1], strings.Join(seen, ", "))
}

func installedBy(w *world, a []string, _ *godog.Table) error {
	u, id, err := w.personApp(a[0], a[1])
	if err != nil {
		return err
	}
	by, err := w.person(a[2])
	if err != nil {
		return err
	}
	m, err := w.market()
	if err != nil {
		return err
	}
	in, ok := m.Installation(id, u)
	if !ok {
		return fmt.Errorf("%s does not have %q", a[0], a[1])
	}
	if in.By != by {
		return fmt.Errorf("%s has %q installed by %s, not %s", a[0], a[1], w.nameOf(in.By), a[2])
	}
	return nil
}
