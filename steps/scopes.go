package steps

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cucumber/godog"

	"github.com/appcert/appcert/reference"
)

var objectKinds = map[string]reference.ObjectKind{
	"activity type": reference.ActivityType,
	"pipeline":      reference.Pipeline,
	"deal field":    reference.DealField,
}

func scopeSteps() []def {
	return []def{
		{Phrase: Phrase{Area: AreaScopes,
			Pattern: `{app} may call {call} for {person}`,
			Example: `"Notes Sync" may call "GET /deals/42" for Bob`},
			run: func(w *world, a []string, _ *godog.Table) error { return apiCall(w, a[0], a[1], a[2], true, "", "") }},
		{Phrase: Phrase{Area: AreaScopes,
			Pattern: `{app} may call {call} for {person} under the scope {text}`,
			Example: `"Notes Sync" may call "GET /deals/42" for Bob under the scope "deals:read"`},
			run: func(w *world, a []string, _ *godog.Table) error { return apiCall(w, a[0], a[1], a[2], true, a[3], "") }},
		{Phrase: Phrase{Area: AreaScopes,
			Pattern: `{app} may not call {call} for {person}`,
			Example: `"Notes Sync" may not call "POST /deals" for Bob`},
			run: func(w *world, a []string, _ *godog.Table) error { return apiCall(w, a[0], a[1], a[2], false, "", "") }},
		{Phrase: Phrase{Area: AreaScopes,
			Pattern: `{app} may not call {call} for {person} because {text}`,
			Example: `"Notes Sync" may not call "POST /deals" for Bob because "scope and URL mismatch"`},
			run: func(w *world, a []string, _ *godog.Table) error { return apiCall(w, a[0], a[1], a[2], false, "", a[3]) }},
		{Phrase: Phrase{Area: AreaScopes,
			Pattern: `{person} has granted {app} the scopes {text}`,
			Example: `Bob has granted "Notes Sync" the scopes "base, deals:read, contacts:read"`},
			run: func(w *world, a []string, _ *godog.Table) error { return granted(w, a[0], a[1], scopeList(a[2])) }},
		{Phrase: Phrase{Area: AreaScopes,
			Pattern: `{person} has granted {app} no scopes`,
			Example: `Bob has granted "Notes Sync" no scopes`},
			run: func(w *world, a []string, _ *godog.Table) error { return granted(w, a[0], a[1], nil) }},
		{Phrase: Phrase{Area: AreaScopes,
			Pattern: `{app} creates the {object} {text} for {person}`,
			Example: `"Admin Tool" creates the activity type "Demo call" for Alice`},
			run: func(w *world, a []string, _ *godog.Table) error {
				u, id, err := w.personApp(a[3], a[0])
				if err != nil {
					return err
				}
				return w.do(reference.CreateObject{App: id, By: u, Object: objectKinds[a[1]], Name: a[2]})
			}},
		{Phrase: Phrase{Area: AreaScopes,
			Pattern: `{app} {can} use the {object} {text} for {person}`,
			Example: `"Admin Tool" can use the activity type "Demo call" for Bob`},
			run: objectUsable},
	}
}

func apiCall(w *world, app, call, person string, allowed bool, scope, reason string) error {
	u, id, err := w.personApp(person, app)
	if err != nil {
		return err
	}
	method, path, _ := strings.Cut(call, " ")
	m, err := w.market()
	if err != nil {
		return err
	}
	d := m.APICall(id, u, method, path)
	switch {
	case allowed && !d.Allowed:
		return fmt.Errorf("%q may not call %q for %s: %s (rule %s)", app, call, person, d.Reason, d.Rule)
	case !allowed && d.Allowed:
		return fmt.Errorf("%q may call %q for %s, under the scope %q", app, call, person, d.Scope)
	case allowed && scope != "" && d.Scope != scope:
		return fmt.Errorf("%q may call %q for %s under the scope %q, not %q", app, call, person, d.Scope, scope)
	case !allowed && reason != "" && string(d.Reason) != reason:
		return fmt.Errorf("%q may not call %q for %s because %q (rule %s), not because %q", app, call, person, d.Reason, d.Rule, reason)
	}
	return nil
}

func granted(w *world, person, app string, want []string) error {
	m, u, id, err := w.personAppMarket(person, app)
	if err != nil {
		return err
	}
	got := m.Granted(id, u)
	if !slices.Equal(sorted(got), sorted(want)) {
		g := "no scopes"
		if len(got) > 0 {
			g = "the scopes " + strings.Join(got, ", ")
		}
		return fmt.Errorf("%s has granted %q %s", person, app, g)
	}
	return nil
}

func objectUsable(w *world, a []string, _ *godog.Table) error {
	m, u, id, err := w.personAppMarket(a[4], a[0])
	if err != nil {
		return err
	}
	got := m.ObjectUsable(id, u, objectKinds[a[2]], a[3])
	if got != (a[1] == "can") {
		if got {
			return fmt.Errorf("%q can use the %s %q for %s", a[0], a[2], a[3], a[4])
		}
		return fmt.Errorf("%q cannot use the %s %q for %s", a[0], a[2], a[3], a[4])
	}
	return nil
}
