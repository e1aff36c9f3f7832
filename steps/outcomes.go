package steps

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cucumber/godog"

	"github.com/appcert/appcert/reference"
)

func outcomeSteps() []def {
	return []def{
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `it is refused because {text}`,
			Example: `it is refused because "not admin"`},
			checksRefusal: true, run: refusedBecause},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `it is refused`,
			Example: `it is refused`,
			Note:    "any reason; `appcert steps --reasons` lists them"},
			checksRefusal: true, run: refusedAnyReason},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `nothing has changed`,
			Example: `nothing has changed`},
			checksRefusal: true, run: nothingChanged},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `{person} sees {app} as {text}`,
			Example: `Bob sees "Deal Insights" as "Authorize app"`},
			run: seesStatus},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `{person} has {app}`,
			Example: `Bob has "Deal Insights"`,
			Note:    "in any status but \"Not installed\": added by an admin, authorized, needing re-authorization or disabled"},
			run: func(w *world, a []string, _ *godog.Table) error { return has(w, a[0], a[1]) }},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `{person} does not have {app}`,
			Example: `Carol does not have "Deal Insights"`},
			run: func(w *world, a []string, _ *godog.Table) error {
				return seesStatus(w, []string{a[0], a[1], reference.StatusNone.Label()}, nil)
			}},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `{person} sees {app} in the "Added by Admin" section of the apps dock`,
			Example: `Bob sees "Deal Insights" in the "Added by Admin" section of the apps dock`},
			run: func(w *world, a []string, _ *godog.Table) error { return dockHas(w, a[0], a[1], "added") }},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `{person} does not see {app} in the "Added by Admin" section of the apps dock`,
			Example: `Bob does not see "Deal Insights" in the "Added by Admin" section of the apps dock`},
			run: func(w *world, a []string, _ *godog.Table) error { return dockHas(w, a[0], a[1], "not added") }},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `{person} sees {app} under quick access or other apps in the apps dock`,
			Example: `Bob sees "Deal Insights" under quick access or other apps in the apps dock`},
			run: func(w *world, a []string, _ *godog.Table) error { return dockHas(w, a[0], a[1], "apps") }},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `{person} does not see {app} in the apps dock`,
			Example: `Hank does not see "Deal Insights" in the apps dock`},
			run: func(w *world, a []string, _ *godog.Table) error { return dockHas(w, a[0], a[1], "none") }},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `{person} sees the notification bubble`,
			Example: `Bob sees the notification bubble`},
			run: func(w *world, a []string, _ *godog.Table) error { return bubble(w, a[0], true) }},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `{person} does not see the notification bubble`,
			Example: `Bob does not see the notification bubble`},
			run: func(w *world, a []string, _ *godog.Table) error { return bubble(w, a[0], false) }},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `{person} gets an email with the subject {text}`,
			Example: `Bob gets an email with the subject "Alice added Deal Insights for you"`},
			run: func(w *world, a []string, _ *godog.Table) error { return getsEmail(w, a[0], a[1], true) }},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `{person} gets an email naming {person} and {app}`,
			Example: `Bob gets an email naming Alice and "Deal Insights"`,
			Note:    "the person's name and the app's name in the subject or the text"},
			run: emailNaming},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `{person} gets {n} [email|emails]`,
			Example: `Alice gets 2 emails`},
			run: func(w *world, a []string, _ *godog.Table) error { return countEmails(w, a[0], a[1]) }},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `{person} gets no email`,
			Example: `Alice gets no email`},
			run: func(w *world, a []string, _ *godog.Table) error { return getsEmail(w, a[0], "", false) }},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `every admin of {company} gets an email with the subject {text}`,
			Example: `every admin of "Acme" gets an email with the subject "bob@acme.example requested to access or install Field Forms on Acme"`},
			run: everyAdminGetsEmail},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `the email with the subject {text} comes from {text}`,
			Example: `the email with the subject "Alice added Deal Insights for you" comes from "noreply@pipedrive.com"`},
			run: emailFrom},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `nobody gets an email`,
			Example: `nobody gets an email`},
			run: func(w *world, _ []string, _ *godog.Table) error {
				if ms := effectsOf[reference.Email](w); len(ms) > 0 {
					return fmt.Errorf("an email was sent: %s", w.describeEmails(ms))
				}
				return nil
			}},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `{person} gets an in-app notification about {app}`,
			Example: `Erin gets an in-app notification about "Notes Sync"`},
			run: func(w *world, a []string, _ *godog.Table) error { return getsNotice(w, a[0], a[1], "", true) }},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `{person} gets an in-app notification saying {text}`,
			Example: `Bob gets an in-app notification saying "Alice added Deal Insights for you"`},
			run: func(w *world, a []string, _ *godog.Table) error { return getsNotice(w, a[0], "", a[1], true) }},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `{person} gets no in-app notification`,
			Example: `Hank gets no in-app notification`},
			run: func(w *world, a []string, _ *godog.Table) error { return getsNotice(w, a[0], "", "", false) }},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `nobody gets an in-app notification`,
			Example: `nobody gets an in-app notification`},
			run: func(w *world, _ []string, _ *godog.Table) error {
				if ns := effectsOf[reference.Notice](w); len(ns) > 0 {
					return fmt.Errorf("an in-app notification was sent: %s", w.describeNotices(ns))
				}
				return nil
			}},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `{app} receives a sharing callback for {person} with isShared {bool}`,
			Example: `"Deal Insights" receives a sharing callback for Alice with isShared true`},
			run: sharingCallback},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `{app} receives no sharing callback`,
			Example: `"Deal Insights" receives no sharing callback`},
			run: func(w *world, a []string, _ *godog.Table) error {
				return noCallback(w, a[0], func(cb reference.SharingCallback) reference.AppID { return cb.App },
					func(cb reference.SharingCallback) string { return "a sharing callback: " + w.describeCallback(cb) })
			}},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `{app} receives an uninstall callback for {person}`,
			Example: `"Notes Sync" receives an uninstall callback for Bob`},
			run: uninstallCallback},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `{app} receives no uninstall callback`,
			Example: `"Deal Insights" receives no uninstall callback`},
			run: func(w *world, a []string, _ *godog.Table) error {
				return noCallback(w, a[0], func(cb reference.UninstallCallback) reference.AppID { return cb.App },
					func(cb reference.UninstallCallback) string { return "an uninstall callback for " + w.nameOf(cb.User) })
			}},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `{person} is sent to {text}`,
			Example: `Bob is sent to "https://onboard.example/start"`},
			run: func(w *world, a []string, _ *godog.Table) error { return sentTo(w, a[0], "url", a[1]) }},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `{person} is sent back to the app with an authorization code`,
			Example: `Carol is sent back to the app with an authorization code`},
			run: func(w *world, a []string, _ *godog.Table) error { return sentTo(w, a[0], "code", "") }},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `{person} is sent back to the app with "error=user_denied"`,
			Example: `Bob is sent back to the app with "error=user_denied"`},
			run: func(w *world, a []string, _ *godog.Table) error { return sentTo(w, a[0], "denied", "") }},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `{person}'s {extension} of {app} {use}`,
			Example: `Bob's link action of "Deal Insights" works`},
			run: extensionUse},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `{person}'s {extension} of {app} acts on behalf of {person}`,
			Example: `Bob's JSON panel of "Deal Insights" acts on behalf of Alice`},
			run: actsOnBehalf},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `{person}'s JSON panel request for {app} carries isShared {bool}`,
			Example: `Bob's JSON panel request for "Deal Insights" carries isShared true`},
			run: isShared},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `the "Manage users" view lists {people}`,
			Example: `the "Manage users" view lists Carol and Dave`},
			run: func(w *world, a []string, _ *godog.Table) error { return viewLists(w, a[0]) }},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `the "Manage users" view lists nobody`,
			Example: `the "Manage users" view lists nobody`},
			run: func(w *world, _ []string, _ *godog.Table) error { return viewLists(w, "") }},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `the "Manage users" view shows the app was added by {person}`,
			Example: `the "Manage users" view shows the app was added by Alice`},
			run: viewAddedBy},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `the "Manage users" view does not show who added the app`,
			Example: `the "Manage users" view does not show who added the app`},
			run: func(w *world, _ []string, _ *godog.Table) error { return viewAddedBy(w, []string{""}, nil) }},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `the "Manage users" view shows {person} as {text}`,
			Example: `the "Manage users" view shows Bob as "Authorized"`},
			run: viewRow},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `{person} {can} make changes in the "Manage users" view`,
			Example: `Dave cannot make changes in the "Manage users" view`},
			run: viewEdit},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `searching the "Manage users" view for {text} finds {people}`,
			Example: `searching the "Manage users" view for "car" finds Carol`},
			run: viewFind},
		{Phrase: Phrase{Area: AreaOutcomes, Table: true,
			Pattern: `the event log ends with:`,
			Example: "the event log ends with:\n  | who   | company | app           | action    |\n  | Alice | Acme    | Deal Insights | install   |\n  | Bob   | Acme    | Deal Insights | authorize |"},
			run: logEndsWith},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `every event is numbered and timed in order`,
			Example: `every event is numbered and timed in order`},
			run: logOrdered},
		{Phrase: Phrase{Area: AreaOutcomes,
			Pattern: `replaying the event log gives the same marketplace`,
			Example: `replaying the event log gives the same marketplace`},
			run: replaySame},
	}
}

func refusedBecause(w *world, a []string, _ *godog.Table) error {
	r := w.refusal
	if r == nil {
		return fmt.Errorf("it was not refused: the last action was accepted, but a refusal because %q was expected", a[0])
	}
	r.checked = true
	if string(r.ref.Reason) != a[0] {
		hint := ""
		if !slices.Contains(reference.Reasons(w.profile), reference.Reason(a[0])) {
			hint = fmt.Sprintf("; %q is no refusal reason of %s (appcert steps --reasons lists them)", a[0], w.profile)
		}
		return fmt.Errorf("it was refused because %q (rule %s: %s), not because %q%s", r.ref.Reason, r.ref.Rule, r.ref.Detail, a[0], hint)
	}
	return nil
}

func refusedAnyReason(w *world, _ []string, _ *godog.Table) error {
	r := w.refusal
	if r == nil {
		return fmt.Errorf("it was not refused: the last action was accepted")
	}
	r.checked = true
	return nil
}

func has(w *world, person, app string) error {
	m, u, id, err := w.personAppMarket(person, app)
	if err != nil {
		return err
	}
	if st := m.Status(id, u); st == reference.StatusNone {
		return fmt.Errorf("%s does not have %q (%s sees it as %q)", person, app, person, st.Label())
	}
	return nil
}

// theirEmails are the emails of the current batch that reach u.
func (w *world) theirEmails(u reference.UserID) []reference.Email {
	var out []reference.Email
	for _, e := range effectsOf[reference.Email](w) {
		if w.emailTo(e, u) {
			out = append(out, e)
		}
	}
	return out
}

func emailNaming(w *world, a []string, _ *godog.Table) error {
	u, err := w.person(a[0])
	if err != nil {
		return err
	}
	if _, err := w.person(a[1]); err != nil {
		return err
	}
	if _, err := w.app(a[2]); err != nil {
		return err
	}
	theirs := w.theirEmails(u)
	for _, e := range theirs {
		text := e.Subject + "\n" + e.Body
		if strings.Contains(text, a[1]) && strings.Contains(text, a[2]) {
			return nil
		}
	}
	return fmt.Errorf("%s got no email naming %s and %q; %s's emails: %s", a[0], a[1], a[2], a[0], w.describeEmails(theirs))
}

// countEmails checks how many emails reach person.
func countEmails(w *world, person, n string) error {
	want, err := strconv.Atoi(n)
	if err != nil {
		return fmt.Errorf("%q is not a number", n)
	}
	u, err := w.person(person)
	if err != nil {
		return err
	}
	if ms := w.theirEmails(u); len(ms) != want {
		return fmt.Errorf("%s got %d emails, not %d: %s", person, len(ms), want, w.describeEmails(ms))
	}
	return nil
}

func nothingChanged(w *world, _ []string, _ *godog.Table) error {
	r := w.refusal
	if r == nil {
		return fmt.Errorf("nothing was refused just before, so there is nothing to compare; put this step after \"Then it is refused because …\"")
	}
	if !r.checked {
		return w.unchecked()
	}
	if !w.m.Equal(r.before) {
		return fmt.Errorf("the refused step %q changed the marketplace", r.step)
	}
	return nil
}

func seesStatus(w *world, a []string, _ *godog.Table) error {
	m, u, id, err := w.personAppMarket(a[0], a[1])
	if err != nil {
		return err
	}
	got := m.Status(id, u).Label()
	if got != a[2] {
		hint := ""
		if !slices.ContainsFunc(reference.Statuses(w.profile), func(s reference.Status) bool { return s.Label() == a[2] }) {
			hint = fmt.Sprintf("; %q is no status label of %s (appcert steps --statuses lists them)", a[2], w.profile)
		}
		return fmt.Errorf("%s sees %q as %q, not %q%s", a[0], a[1], got, a[2], hint)
	}
	return nil
}

func dockHas(w *world, person, app, where string) error {
	m, u, id, err := w.personAppMarket(person, app)
	if err != nil {
		return err
	}
	d := m.Dock(u)
	added, own := slices.Contains(d.AddedByAdmin, id), slices.Contains(d.Apps, id)
	got := "nowhere in the apps dock"
	switch {
	case added:
		got = `in the "Added by Admin" section`
	case own:
		got = "under quick access or other apps"
	}
	switch {
	case where == "added" && !added, where == "not added" && added, where == "apps" && !own, where == "none" && (added || own):
		return fmt.Errorf("%s sees %q %s", person, app, got)
	}
	return nil
}

func bubble(w *world, person string, want bool) error {
	u, err := w.person(person)
	if err != nil {
		return err
	}
	m, err := w.market()
	if err != nil {
		return err
	}
	d := m.Dock(u)
	switch {
	case d.Bubble == want:
	case d.Bubble:
		return fmt.Errorf("%s sees the notification bubble", person)
	case d.BubbleDue:
		return fmt.Errorf("%s does not see the notification bubble yet: it appears when %s next opens or refreshes Pipedrive", person, person)
	default:
		return fmt.Errorf("%s does not see the notification bubble", person)
	}
	return nil
}

// emailTo reports whether an email reaches a person: by audience or by
// address.
func (w *world) emailTo(e reference.Email, u reference.UserID) bool {
	if e.To.Includes(w.companyOf(u), u) {
		return true
	}
	x, _ := w.m.User(u)
	return x.Email != "" && slices.Contains(e.ToAddrs, x.Email)
}

func getsEmail(w *world, person, subject string, want bool) error {
	u, err := w.person(person)
	if err != nil {
		return err
	}
	mails := effectsOf[reference.Email](w)
	var theirs []reference.Email
	for _, e := range mails {
		if w.emailTo(e, u) {
			theirs = append(theirs, e)
		}
	}
	if !want {
		if len(theirs) > 0 {
			return fmt.Errorf("%s got an email: %s", person, w.describeEmails(theirs))
		}
		return nil
	}
	for _, e := range theirs {
		if e.Subject == subject {
			return nil
		}
	}
	return fmt.Errorf("%s got no email with the subject %q; emails sent: %s", person, subject, w.describeEmails(mails))
}

func everyAdminGetsEmail(w *world, a []string, _ *godog.Table) error {
	co, err := w.company(a[0])
	if err != nil {
		return err
	}
	var admins []string
	for name, id := range w.people {
		if x, _ := w.m.User(id); x.Company == co && x.Admin {
			admins = append(admins, name)
		}
	}
	slices.Sort(admins)
	if len(admins) == 0 {
		return fmt.Errorf("%q has no admins in this scenario", a[0])
	}
	for _, n := range admins {
		if err := getsEmail(w, n, a[1], true); err != nil {
			return err
		}
	}
	return nil
}

func emailFrom(w *world, a []string, _ *godog.Table) error {
	mails := effectsOf[reference.Email](w)
	for _, e := range mails {
		if e.Subject == a[0] {
			if e.From != a[1] {
				return fmt.Errorf("the email %q comes from %q, not %q", a[0], e.From, a[1])
			}
			return nil
		}
	}
	return fmt.Errorf("no email with the subject %q was sent; emails sent: %s", a[0], w.describeEmails(mails))
}

func getsNotice(w *world, person, app, text string, want bool) error {
	u, err := w.person(person)
	if err != nil {
		return err
	}
	var appID reference.AppID
	if app != "" {
		if appID, err = w.app(app); err != nil {
			return err
		}
	}
	all := effectsOf[reference.Notice](w)
	var theirs []reference.Notice
	for _, n := range all {
		if n.To.Includes(w.companyOf(u), u) {
			theirs = append(theirs, n)
		}
	}
	if !want {
		if len(theirs) > 0 {
			return fmt.Errorf("%s got an in-app notification: %s", person, w.describeNotices(theirs))
		}
		return nil
	}
	for _, n := range theirs {
		if (app == "" || n.App == appID) && (text == "" || n.Detail == text) {
			return nil
		}
	}
	what := "about " + app
	if text != "" {
		what = fmt.Sprintf("saying %q", text)
	}
	return fmt.Errorf("%s got no in-app notification %s; notifications sent: %s", person, what, w.describeNotices(all))
}

// noCallback fails when the app named received a callback of kind C:
// appOf says whose a callback is, and what tells the first one received.
func noCallback[C reference.Effect](w *world, app string, appOf func(C) reference.AppID, what func(C) string) error {
	id, err := w.app(app)
	if err != nil {
		return err
	}
	for _, cb := range effectsOf[C](w) {
		if appOf(cb) == id {
			return fmt.Errorf("%q received %s", app, what(cb))
		}
	}
	return nil
}

func sharingCallback(w *world, a []string, _ *godog.Table) error {
	id, err := w.app(a[0])
	if err != nil {
		return err
	}
	u, err := w.person(a[1])
	if err != nil {
		return err
	}
	want := reference.SharingCallback{App: id, Company: w.companyOf(u), User: u, IsShared: a[2] == "true"}
	var got []string
	for _, cb := range effectsOf[reference.SharingCallback](w) {
		if cb == want {
			return nil
		}
		if cb.App == id {
			got = append(got, w.describeCallback(cb))
		}
	}
	if len(got) == 0 {
		got = []string{"none"}
	}
	return fmt.Errorf("%q did not receive the sharing callback %s; it received: %s", a[0], w.describeCallback(want), strings.Join(got, "; "))
}

func uninstallCallback(w *world, a []string, _ *godog.Table) error {
	id, err := w.app(a[0])
	if err != nil {
		return err
	}
	u, err := w.person(a[1])
	if err != nil {
		return err
	}
	for _, cb := range effectsOf[reference.UninstallCallback](w) {
		if cb.App == id && cb.User == u {
			if cb.Company != w.companyOf(u) {
				return fmt.Errorf("the uninstall callback for %s names %s, not %s's company", a[1], w.companyName(cb.Company), a[1])
			}
			if ev := w.lastResult.Event; ev != nil && !cb.At.Equal(ev.At) {
				return fmt.Errorf("the uninstall callback's timestamp %s is not the time of the uninstall %s", cb.At, ev.At)
			}
			return nil
		}
	}
	return fmt.Errorf("%q received no uninstall callback for %s", a[0], a[1])
}

func sentTo(w *world, person, kind, url string) error {
	u, err := w.person(person)
	if err != nil {
		return err
	}
	var last *reference.Redirect
	for _, r := range effectsOf[reference.Redirect](w) {
		if r.User == u {
			last = &r
		}
	}
	if last == nil {
		return fmt.Errorf("%s was not sent anywhere: no authorization or install of theirs in the last action", person)
	}
	got := "back to the app with an authorization code"
	switch {
	case last.Denied:
		got = `back to the app with "error=user_denied"`
	case last.InstallationURL != "":
		got = fmt.Sprintf("to %q", last.InstallationURL)
	}
	ok := false
	switch kind {
	case "url":
		ok = !last.Denied && last.InstallationURL == url
	case "code":
		ok = !last.Denied && last.InstallationURL == ""
	case "denied":
		ok = last.Denied
	}
	if !ok {
		return fmt.Errorf("%s is sent %s", person, got)
	}
	return nil
}

// useWords says, in the scenario's words, what using an extension does.
func useWords(u reference.Use) string {
	switch {
	case u.Allowed:
		return "works"
	case u.Reason == reference.ReasonOpensAppDetails:
		return "opens the app details"
	case u.Reason == reference.ReasonReauthorize:
		return "needs re-authorization"
	case u.Reason == reference.ReasonNotAuthorized:
		return "needs authorization"
	}
	return "is not available (" + string(u.Reason) + ")"
}

func (w *world) extension(person, ext, app string) (reference.Use, error) {
	m, u, id, err := w.personAppMarket(person, app)
	if err != nil {
		return reference.Use{}, err
	}
	return m.Extension(id, u, extensionKind(ext)), nil
}

func extensionUse(w *world, a []string, _ *godog.Table) error {
	use, err := w.extension(a[0], a[1], a[2])
	if err != nil {
		return err
	}
	got := useWords(use)
	if got != a[3] && !(a[3] == "is not available" && strings.HasPrefix(got, "is not available")) {
		return fmt.Errorf("%s's %s of %q %s; expected it %s", a[0], a[1], a[2], got, a[3])
	}
	return nil
}

func actsOnBehalf(w *world, a []string, _ *godog.Table) error {
	use, err := w.extension(a[0], a[1], a[2])
	if err != nil {
		return err
	}
	want, err := w.person(a[3])
	if err != nil {
		return err
	}
	if !use.Allowed {
		return fmt.Errorf("%s's %s of %q %s, so it acts for nobody", a[0], a[1], a[2], useWords(use))
	}
	if use.OnBehalfOf != want {
		return fmt.Errorf("%s's %s of %q acts on behalf of %s, not %s", a[0], a[1], a[2], w.nameOf(use.OnBehalfOf), a[3])
	}
	return nil
}

func isShared(w *world, a []string, _ *godog.Table) error {
	use, err := w.extension(a[0], "JSON panel", a[1])
	if err != nil {
		return err
	}
	if !use.Allowed {
		return fmt.Errorf("%s's JSON panel of %q %s, so no request is made", a[0], a[1], useWords(use))
	}
	if got := fmt.Sprint(use.IsShared); got != a[2] {
		return fmt.Errorf("%s's JSON panel request for %q carries isShared %s, not %s", a[0], a[1], got, a[2])
	}
	return nil
}

func (w *world) openView() (*reference.ManageView, error) {
	if w.view == nil {
		return nil, fmt.Errorf(`no "Manage users" view is open; first: When Alice opens "Manage users" for "…"`)
	}
	return w.view, nil
}

func viewLists(w *world, people string) error {
	v, err := w.openView()
	if err != nil {
		return err
	}
	var got []string
	for _, r := range v.Users {
		got = append(got, w.nameOf(r.User))
	}
	want := splitNames(people)
	if !slices.Equal(sorted(got), sorted(want)) {
		return fmt.Errorf(`the "Manage users" view lists %s, not %s`, joinNames(got), joinNames(want))
	}
	return nil
}

func viewAddedBy(w *world, a []string, _ *godog.Table) error {
	v, err := w.openView()
	if err != nil {
		return err
	}
	if a[0] == "" {
		if v.AddedBy != 0 {
			return fmt.Errorf(`the "Manage users" view shows the app was added by %s`, w.nameOf(v.AddedBy))
		}
		return nil
	}
	want, err := w.person(a[0])
	if err != nil {
		return err
	}
	if v.AddedBy != want {
		if v.AddedBy == 0 {
			return fmt.Errorf(`the "Manage users" view does not show who added the app`)
		}
		return fmt.Errorf(`the "Manage users" view shows the app was added by %s, not %s`, w.nameOf(v.AddedBy), a[0])
	}
	return nil
}

func viewRow(w *world, a []string, _ *godog.Table) error {
	v, err := w.openView()
	if err != nil {
		return err
	}
	u, err := w.person(a[0])
	if err != nil {
		return err
	}
	for _, r := range v.Users {
		if r.User == u {
			if r.Status.Label() != a[1] {
				return fmt.Errorf(`the "Manage users" view shows %s as %q, not %q`, a[0], r.Status.Label(), a[1])
			}
			return nil
		}
	}
	return fmt.Errorf(`the "Manage users" view does not list %s`, a[0])
}

func viewEdit(w *world, a []string, _ *godog.Table) error {
	v, err := w.openView()
	if err != nil {
		return err
	}
	if u, err := w.person(a[0]); err != nil {
		return err
	} else if u != w.viewer {
		return fmt.Errorf(`the open "Manage users" view is %s's, not %s's`, w.nameOf(w.viewer), a[0])
	}
	if v.CanEdit != (a[1] == "can") {
		if v.CanEdit {
			return fmt.Errorf(`%s can make changes in the "Manage users" view`, a[0])
		}
		return fmt.Errorf(`%s cannot make changes in the "Manage users" view`, a[0])
	}
	return nil
}

func viewFind(w *world, a []string, _ *godog.Table) error {
	v, err := w.openView()
	if err != nil {
		return err
	}
	var got []string
	for _, r := range v.Find(a[0]) {
		got = append(got, w.nameOf(r.User))
	}
	if want := splitNames(a[1]); !slices.Equal(sorted(got), sorted(want)) {
		return fmt.Errorf(`searching the "Manage users" view for %q finds %s, not %s`, a[0], joinNames(got), joinNames(want))
	}
	return nil
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// logEndsWith compares the last events of the log with a table of who did
// what, in which company, to which app; "action" is the command's kind with
// spaces for underscores ("manage users").
func logEndsWith(w *world, _ []string, t *godog.Table) error {
	rows, err := tableRows(t, "who", "action")
	if err != nil {
		return err
	}
	log := w.m.Log()
	if len(log) < len(rows) {
		return fmt.Errorf("the event log has %d events, fewer than the %d expected", len(log), len(rows))
	}
	tail := log[len(log)-len(rows):]
	for i, r := range rows {
		e := tail[i]
		got := map[string]string{
			"who":     w.actorName(e.Actor),
			"company": w.companyName(e.Company),
			"app":     w.appName(e.App),
			"action":  strings.ReplaceAll(e.Command.Kind(), "_", " "),
		}
		if e.Company == 0 {
			got["company"] = ""
		}
		for col, want := range r {
			if g, ok := got[col]; ok && g != want {
				return fmt.Errorf("event %d of the last %d: %s is %q, not %q (the event: %s %s, company %q, app %q)",
					i+1, len(rows), col, g, want, got["who"], got["action"], got["company"], got["app"])
			}
		}
	}
	return nil
}

func (w *world) actorName(u reference.UserID) string {
	if u == 0 {
		return "the marketplace"
	}
	return w.nameOf(u)
}

func logOrdered(w *world, _ []string, _ *godog.Table) error {
	log := w.m.Log()
	for i, e := range log {
		if e.At.IsZero() {
			return fmt.Errorf("event %d (%s) has no time", e.Seq, e.Command.Kind())
		}
		if i > 0 && (e.Seq != log[i-1].Seq+1 || e.At.Before(log[i-1].At)) {
			return fmt.Errorf("events %d and %d are out of order", log[i-1].Seq, e.Seq)
		}
	}
	return nil
}

func replaySame(w *world, _ []string, _ *godog.Table) error {
	r, err := reference.Replay(w.profile, w.m.Log())
	if err != nil {
		return fmt.Errorf("the event log does not replay: %v", err)
	}
	if !r.StateEqual(w.m) {
		return fmt.Errorf("replaying the event log gives a different marketplace")
	}
	return nil
}

// Descriptions of effects, for failure messages.

func (w *world) describeAudience(a reference.Audience) string {
	if a.All {
		s := "everyone at " + w.companyName(a.Company)
		if len(a.Except) > 0 {
			var ex []string
			for _, u := range a.Except {
				ex = append(ex, w.nameOf(u))
			}
			s += " but " + joinNames(ex)
		}
		return s
	}
	var ns []string
	for _, u := range a.Users {
		ns = append(ns, w.nameOf(u))
	}
	return joinNames(ns)
}

func (w *world) describeEmails(ms []reference.Email) string {
	if len(ms) == 0 {
		return "none"
	}
	var out []string
	for _, e := range ms {
		to := w.describeAudience(e.To)
		if len(e.ToAddrs) > 0 {
			to = strings.Join(e.ToAddrs, ", ")
		}
		out = append(out, fmt.Sprintf("to %s: %q", to, e.Subject))
	}
	return strings.Join(out, "; ")
}

func (w *world) describeNotices(ns []reference.Notice) string {
	if len(ns) == 0 {
		return "none"
	}
	var out []string
	for _, n := range ns {
		s := fmt.Sprintf("to %s about %q", w.describeAudience(n.To), w.appName(n.App))
		if n.Detail != "" {
			s += fmt.Sprintf(": %q", n.Detail)
		}
		out = append(out, s)
	}
	return strings.Join(out, "; ")
}

func (w *world) describeCallback(cb reference.SharingCallback) string {
	return fmt.Sprintf("{company: %s, user: %s, isShared: %v}", w.companyName(cb.Company), w.nameOf(cb.User), cb.IsShared)
}
