// Package serve is `appcert serve`: the marketplace as a local web page an
// app creator clicks through. The reference model decides everything the
// page shows (who has the app, with what status, in which section of the
// apps dock, whether an extension works and on whose behalf); the fake
// marketplace of certify sends the app what the marketplace sends and
// serves its OAuth and API calls on the same listener. Every exchange with
// the app is listed beside the page with the rules it concerns, and what
// the user does is recorded as a scenario that `appcert features` runs.
package serve

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/appcert/appcert/fakes/marketplace"
	"github.com/appcert/appcert/manifest"
	"github.com/appcert/appcert/reference"
)

// Person is one person of the page's cast.
type Person struct {
	Name  string
	Admin bool
}

// Company is a company of the page's cast and its people.
type Company struct {
	Name   string
	People []Person
}

// DefaultCast is who the page starts with: two admins and two users in one
// company, and a second company, so that the other company's people are
// there to switch to.
func DefaultCast() []Company {
	return []Company{
		{Name: "Acme", People: []Person{{"Alice", true}, {"Bob", false}, {"Carol", false}, {"Dave", true}}},
		{Name: "Globex", People: []Person{{"Gina", true}, {"Hank", false}}},
	}
}

// Options configures a Server.
type Options struct {
	// Manifest is the app under test; New checks it.
	Manifest manifest.App
	// Cast is the companies and people (DefaultCast when empty).
	Cast []Company
	// Deadline bounds each request sent to the app (10 s when zero).
	Deadline time.Duration
	// HTTPClient sends the requests to the app (a client of its own when nil).
	HTTPClient *http.Client
}

// person is a person of the cast, with the IDs the model and the fake use.
type person struct {
	Person
	ID      reference.UserID
	Company *company
	inbox   []string // emails and in-app notices, newest last
}

type company struct {
	ID   reference.CompanyID
	Name string
}

// Server is the page and the fake marketplace behind one handler.
type Server struct {
	app    manifest.App
	model0 reference.App
	fake   *marketplace.Marketplace
	mux    *http.ServeMux

	// mu serialises the user's actions: the model is not safe for
	// concurrent use, and the page is one user at a time.
	mu        sync.Mutex
	model     *reference.Market
	people    []*person
	companies []*company
	viewer    *person
	feature   feature
	notice    string // what the last action did, in words
	panel     *panelView
	modal     *modalView // the JSON modal open, if any
	manage    *manageView
	openUI    string // the instance id of the Custom UI page open, if any

	log exchangeLog
}

// New builds the page for o.Manifest: the cast joins the model and the fake
// marketplace, and the app is listed in both.
func New(o Options) (*Server, error) {
	app, err := manifest.Normalize(o.Manifest)
	if err != nil {
		return nil, err
	}
	cast := o.Cast
	if len(cast) == 0 {
		cast = DefaultCast()
	}
	s := &Server{app: app, model0: app.Model()}
	s.fake = marketplace.New(marketplace.Options{Deadline: o.Deadline, HTTPClient: o.HTTPClient})
	now := reference.EpochClock()
	s.model = reference.New(reference.Pipedrive, func() time.Time { now = now.Add(time.Minute); return now })
	if err := s.fake.AddApp(app); err != nil {
		return nil, err
	}
	if r := s.model.Apply(reference.PublishApp{App: s.model0}); !r.OK() {
		return nil, fmt.Errorf("serve: the model refuses the app: %v", r.Refusal)
	}
	name := s.model0.Name
	s.feature.given = append(s.feature.given, castSteps(cast)...)
	s.feature.given = append(s.feature.given, modePhrase(name, s.model0.Mode))
	if !s.model0.AllowSpecificUsers && s.model0.Mode != reference.ModeNone {
		s.feature.given = append(s.feature.given, fmt.Sprintf("the app %s does not allow choosing specific users", quote(name)))
	}
	if len(s.model0.Scopes) == 0 {
		s.feature.given = append(s.feature.given, fmt.Sprintf("the app %s requests no scopes", quote(name)))
	} else {
		s.feature.given = append(s.feature.given, fmt.Sprintf("the app %s requests the scopes %s", quote(name), quote(strings.Join(s.model0.Scopes, ", "))))
	}
	seen := map[string]bool{}
	for ci, c := range cast {
		if c.Name == "" || seen["c:"+c.Name] {
			return nil, fmt.Errorf("serve: company %d needs a name of its own", ci+1)
		}
		seen["c:"+c.Name] = true
		co := &company{ID: reference.CompanyID(ci + 1), Name: c.Name}
		if err := s.fake.AddCompany(marketplace.Company{ID: int64(co.ID), Name: c.Name}); err != nil {
			return nil, err
		}
		if r := s.model.Apply(reference.AddCompany{Company: co.ID, Name: c.Name}); !r.OK() {
			return nil, fmt.Errorf("serve: company %s: %v", c.Name, r.Refusal)
		}
		s.companies = append(s.companies, co)
		for _, p := range c.People {
			if p.Name == "" || seen[p.Name] {
				return nil, fmt.Errorf("serve: %s needs people with names of their own", c.Name)
			}
			seen[p.Name] = true
			pp := &person{Person: p, ID: reference.UserID(1000 + len(s.people) + 1), Company: co}
			email := strings.ToLower(p.Name) + "@" + strings.ToLower(c.Name) + ".example"
			if err := s.fake.AddUser(marketplace.User{ID: int64(pp.ID), CompanyID: int64(co.ID), Name: p.Name, Email: email, Admin: p.Admin}); err != nil {
				return nil, err
			}
			if r := s.model.Apply(reference.JoinCompany{User: pp.ID, Company: co.ID, Name: p.Name, Email: email, Admin: p.Admin}); !r.OK() {
				return nil, fmt.Errorf("serve: %s: %v", p.Name, r.Refusal)
			}
			s.people = append(s.people, pp)
		}
	}
	if len(s.people) == 0 {
		return nil, errors.New("serve: the cast has nobody in it")
	}
	s.viewer = s.people[0]
	s.mux = http.NewServeMux()
	s.routes()
	return s, nil
}

// castSteps declares the cast as the steps do: one table per company.
func castSteps(cast []Company) []string {
	var out []string
	for _, c := range cast {
		w := len("name")
		for _, p := range c.People {
			w = max(w, len(p.Name))
		}
		out = append(out, fmt.Sprintf("the company %s with these people:", quote(c.Name)), fmt.Sprintf("  | %-*s | role  |", w, "name"))
		for _, p := range c.People {
			role := "user"
			if p.Admin {
				role = "admin"
			}
			out = append(out, fmt.Sprintf("  | %-*s | %-5s |", w, p.Name, role))
		}
	}
	return out
}

// Marketplace is the fake marketplace behind the page, for tests.
func (s *Server) Marketplace() *marketplace.Marketplace { return s.fake }

// Close drops the fake's idle connections to the app.
func (s *Server) Close() { s.fake.Close() }

// ServeHTTP serves the page, and the marketplace's OAuth and API to the app.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Feature is the recorded scenario so far, as a .feature file.
func (s *Server) Feature() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.feature.Text(s.model0.Name)
}

func (s *Server) byName(name string) *person {
	for _, p := range s.people {
		if p.Name == name {
			return p
		}
	}
	return nil
}

func (s *Server) byID(id reference.UserID) *person {
	for _, p := range s.people {
		if p.ID == id {
			return p
		}
	}
	return nil
}

func (s *Server) nameOf(id reference.UserID) string {
	if p := s.byID(id); p != nil {
		return p.Name
	}
	return fmt.Sprintf("user %d", id)
}

// apply runs a command in the model, records its phrase, and sends the app
// what the marketplace sends for it. A refusal is recorded too, as the
// steps expect it ("Then it is refused because ...").
func (s *Server) apply(ctx context.Context, phrase string, c reference.Command) {
	s.feature.when("%s", phrase)
	r := s.model.Apply(c)
	s.deliver(ctx, r.Effects)
	if !r.OK() {
		s.feature.then("it is refused because %s", quote(string(r.Refusal.Reason)))
		s.notice = fmt.Sprintf("Refused: %s (%s)", r.Refusal.Reason, r.Refusal.Rule)
		return
	}
	s.notice = "Done: " + phrase
}

// deliver sends the app the requests the effects stand for, through the
// fake marketplace, judges the answers, and puts emails and notices in the
// inboxes.
func (s *Server) deliver(ctx context.Context, effects []reference.Effect) {
	id := s.app.ClientID
	for _, e := range effects {
		switch e := e.(type) {
		case reference.Redirect:
			u := s.byID(e.User)
			if e.Denied {
				s.send(u, func() (marketplace.Exchange, error) { return s.fake.Deny(ctx, id, int64(e.User)) }, s.fake.JudgeAuthorize)
			} else {
				s.send(u, func() (marketplace.Exchange, error) { return s.fake.Authorize(ctx, id, int64(e.User)) }, s.fake.JudgeAuthorize)
			}
		case reference.SharingCallback:
			s.send(s.byID(e.User), func() (marketplace.Exchange, error) {
				return s.fake.SendSharing(ctx, id, marketplace.SharingRequest{CompanyID: int64(e.Company), UserID: int64(e.User), IsShared: e.IsShared})
			}, marketplace.JudgeSharing)
		case reference.UninstallCallback:
			s.send(s.byID(e.User), func() (marketplace.Exchange, error) {
				return s.fake.SendUninstall(ctx, id, marketplace.UninstallRequest{CompanyID: int64(e.Company), UserID: int64(e.User), Credentials: marketplace.CredentialsValid})
			}, marketplace.JudgeUninstall)
		case reference.Email:
			for _, p := range s.people {
				if e.To.Includes(p.Company.ID, p.ID) {
					p.inbox = append(p.inbox, "Email from "+e.From+": "+e.Subject)
				}
			}
		case reference.Notice:
			for _, p := range s.people {
				if e.To.Includes(p.Company.ID, p.ID) {
					text := string(e.Kind)
					if e.Kind == reference.NoticeAddedByAdmin {
						text = fmt.Sprintf("%s added %s for you", s.nameOf(e.By), s.model0.Name)
					}
					p.inbox = append(p.inbox, "In-app notification: "+text)
				}
			}
		}
	}
}

// send sends one request to the app, with the app's calls to the
// marketplace made meanwhile, and lists it with its findings.
func (s *Server) send(who *person, do func() (marketplace.Exchange, error), judge func(marketplace.Exchange) []marketplace.Finding) marketplace.Exchange {
	before := len(s.fake.Calls())
	ex, err := do()
	if err != nil {
		s.log.add(Entry{Who: nameOrEmpty(who), Kind: "not sent", Findings: []string{err.Error()}})
		return ex
	}
	calls := s.fake.Calls()[before:]
	s.log.add(entryOf(ex, nameOrEmpty(who), calls, judge(ex)))
	return ex
}

func nameOrEmpty(p *person) string {
	if p == nil {
		return ""
	}
	return p.Name
}

// status is the viewer's status for the app, in the marketplace's words.
func (s *Server) status(p *person) reference.Status { return s.model.Status(s.model0.ID, p.ID) }

// dockPhrase says where the app is in p's apps dock, in the steps' words.
func (s *Server) dockPhrase(p *person) string {
	d := s.model.Dock(p.ID)
	app := quote(s.model0.Name)
	switch {
	case slices.Contains(d.AddedByAdmin, s.model0.ID):
		return fmt.Sprintf(`%s sees %s in the "Added by Admin" section of the apps dock`, p.Name, app)
	case slices.Contains(d.Apps, s.model0.ID):
		return fmt.Sprintf("%s sees %s under quick access or other apps in the apps dock", p.Name, app)
	}
	return fmt.Sprintf("%s does not see %s in the apps dock", p.Name, app)
}

// statusPhrase says p's status for the app, in the steps' words.
func (s *Server) statusPhrase(p *person) string {
	st := s.status(p)
	if st == reference.StatusNone {
		return fmt.Sprintf("%s does not have %s", p.Name, quote(s.model0.Name))
	}
	return fmt.Sprintf("%s sees %s as %s", p.Name, quote(s.model0.Name), quote(st.Label()))
}
