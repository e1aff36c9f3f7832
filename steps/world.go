package steps

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"github.com/appcert/appcert/reference"
)

// world is one scenario's state: its own market, the names the scenario
// uses for companies, people and apps, and what the last actions did.
type world struct {
	profile reference.Profile
	now     time.Time
	m       *reference.Market

	companies map[string]reference.CompanyID
	people    map[string]reference.UserID
	apps      map[string]*appEntry
	appOrder  []string // declaration order, so drafts publish deterministically

	// effects are the effects of the current batch of actions: the latest
	// run of When steps, or everything so far before the first When.
	effects    []reference.Effect
	lastAction bool // the previous step was a When step

	step    string   // the text of the running step
	refusal *refused // the last refusal, checked or not

	view       *reference.ManageView // the last "Manage users" view opened
	viewer     reference.UserID
	lastResult reference.Result

	// Procore and Zoom.
	requests    map[string]reference.RequestID // the latest request, by requester and app
	appRequests []reference.Request            // the last App Requests view opened
	appReqOpen  bool                           // someone opened App Requests in this scenario
	roles       map[reference.UserID]role      // Zoom roles and held scopes, as set
}

// role is a Zoom user's Marketplace role and held scopes.
type role struct {
	market reference.MarketplaceAccess
	scopes []string
}

// appEntry is an app the scenario named: a draft until the first action
// needs the market, then listed.
type appEntry struct {
	app    reference.App
	listed bool
}

// refused is a refused action: what was refused, why, the market as it was
// before, and whether a step has checked it yet.
type refused struct {
	step    string
	ref     *reference.Refusal
	before  *reference.Market
	checked bool
}

type worldKey struct{}

func withWorld(ctx context.Context, w *world) context.Context {
	return context.WithValue(ctx, worldKey{}, w)
}

func fromContext(ctx context.Context) *world {
	w, _ := ctx.Value(worldKey{}).(*world)
	return w
}

func newWorld(p reference.Profile) *world {
	w := &world{
		profile:   p,
		now:       time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
		companies: map[string]reference.CompanyID{},
		people:    map[string]reference.UserID{},
		apps:      map[string]*appEntry{},
		requests:  map[string]reference.RequestID{},
		roles:     map[reference.UserID]role{},
	}
	// Each command happens a minute after the one before, so the log's
	// times are distinct and ordered.
	w.m = reference.New(p, func() time.Time { w.now = w.now.Add(time.Minute); return w.now })
	return w
}

// profileOf picks the marketplace from the scenario's tags (@procore,
// @zoom) or its file's folder; Pipedrive otherwise.
func profileOf(s *godog.Scenario) reference.Profile {
	for _, t := range s.Tags {
		switch strings.ToLower(t.Name) {
		case "@procore":
			return reference.Profile("procore")
		case "@zoom":
			return reference.Profile("zoom")
		case "@pipedrive":
			return reference.Pipedrive
		}
	}
	uri := "/" + strings.ReplaceAll(s.Uri, "\\", "/")
	switch {
	case strings.Contains(uri, "/procore/"):
		return reference.Profile("procore")
	case strings.Contains(uri, "/zoom/"):
		return reference.Profile("zoom")
	}
	return reference.Pipedrive
}

// startStep notes the running step; a When step after other steps starts a
// new batch of effects.
func (w *world) startStep(text string, action bool) {
	w.step = text
	if action && !w.lastAction {
		w.effects = nil
	}
	w.lastAction = action
}

// unchecked fails when an action was refused and no step has looked at why:
// a scenario must not carry on as if a refused step had happened.
func (w *world) unchecked() error {
	if r := w.refusal; r != nil && !r.checked {
		r.checked = true // report it once
		return fmt.Errorf("the step %q was refused because %q (rule %s: %s); "+
			"if that is expected, follow it with: Then it is refused because %q",
			r.step, r.ref.Reason, r.ref.Rule, r.ref.Detail, r.ref.Reason)
	}
	return nil
}

// market lists the drafted apps and returns the market.
func (w *world) market() (*reference.Market, error) {
	for _, name := range w.appOrder {
		e := w.apps[name]
		if e.listed {
			continue
		}
		e.listed = true
		if r := w.m.Apply(reference.PublishApp{App: e.app}); !r.OK() {
			return nil, fmt.Errorf("listing the app %q: %v", name, r.Refusal)
		}
	}
	return w.m, nil
}

// do applies an action. A refusal is kept for the steps that follow, which
// must check it; the market as it was before is kept for "nothing has
// changed".
func (w *world) do(c reference.Command) error {
	m, err := w.market()
	if err != nil {
		return err
	}
	before := m.Clone()
	r := m.Apply(c)
	w.lastResult = r
	// A refused command may still have effects: Procore emails the admins
	// about a refused install attempt (PC-06).
	w.effects = append(w.effects, r.Effects...)
	if !r.OK() {
		w.refusal = &refused{step: w.step, ref: r.Refusal, before: before}
		return nil
	}
	w.refusal = nil
	return nil
}

// refuse records a refused query (opening a view) like a refused action.
func (w *world) refuse(ref *reference.Refusal) {
	w.refusal = &refused{step: w.step, ref: ref, before: w.m.Clone()}
}

// person finds a person the scenario named.
func (w *world) person(name string) (reference.UserID, error) {
	id, ok := w.people[name]
	if !ok {
		return 0, fmt.Errorf("nobody called %s is in this scenario (known: %s); add them to a company first", name, w.names())
	}
	return id, nil
}

func (w *world) personList(list string) ([]reference.UserID, error) {
	var ids []reference.UserID
	for _, n := range splitNames(list) {
		id, err := w.person(n)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// nameOf is the scenario's name for a user ID.
func (w *world) nameOf(id reference.UserID) string {
	for n, x := range w.people {
		if x == id {
			return n
		}
	}
	return fmt.Sprintf("user %d", id)
}

func (w *world) names() string {
	var ns []string
	for n := range w.people {
		ns = append(ns, n)
	}
	slices.Sort(ns)
	if len(ns) == 0 {
		return "nobody yet"
	}
	return strings.Join(ns, ", ")
}

func (w *world) company(name string) (reference.CompanyID, error) {
	id, ok := w.companies[name]
	if !ok {
		return 0, fmt.Errorf("there is no company %q in this scenario; start with: Given the company %q with these people:", name, name)
	}
	return id, nil
}

func (w *world) companyOf(u reference.UserID) reference.CompanyID {
	x, _ := w.m.User(u)
	return x.Company
}

func (w *world) companyName(id reference.CompanyID) string {
	for n, x := range w.companies {
		if x == id {
			return n
		}
	}
	return fmt.Sprintf("company %d", id)
}

// app finds an app the scenario named.
func (w *world) app(name string) (reference.AppID, error) {
	e, ok := w.apps[name]
	if !ok {
		return "", fmt.Errorf("there is no app %q in this scenario; start with: Given the app %q is shared in the add-to-account mode", name, name)
	}
	return e.app.ID, nil
}

func (w *world) appName(id reference.AppID) string {
	for n, e := range w.apps {
		if e.app.ID == id {
			return n
		}
	}
	return string(id)
}

// splitNames splits "Bob, Carol and Dave" into its names.
func splitNames(list string) []string {
	list = strings.ReplaceAll(list, " and ", ", ")
	var out []string
	for _, n := range strings.Split(list, ",") {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// joinNames writes names the way scenarios do: "Bob, Carol and Dave".
func joinNames(ns []string) string {
	switch len(ns) {
	case 0:
		return "nobody"
	case 1:
		return ns[0]
	}
	return strings.Join(ns[:len(ns)-1], ", ") + " and " + ns[len(ns)-1]
}

// effectsOf returns the current batch's effects of type T.
func effectsOf[T reference.Effect](w *world) []T {
	var out []T
	for _, e := range w.effects {
		if x, ok := e.(T); ok {
			out = append(out, x)
		}
	}
	return out
}
