package serve

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/appcert/appcert/fakes/marketplace"
	"github.com/appcert/appcert/internal/appsdk"
	"github.com/appcert/appcert/manifest"
	"github.com/appcert/appcert/reference"
	"github.com/appcert/appcert/steps"
)

func (s *Server) routes() {
	s.mux.HandleFunc("GET /{$}", s.servePage)
	s.mux.HandleFunc("POST /do", s.serveAction)
	s.mux.HandleFunc("GET /exchanges", s.serveExchanges)
	s.mux.HandleFunc("POST /sdk/token", s.serveSDKToken)
	s.mux.HandleFunc("POST /sdk/log", s.serveSDKLog)
	s.mux.HandleFunc("GET /sdk/host.js", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Write(appsdk.HostJS)
	})
	s.mux.HandleFunc("GET /feature", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if r.URL.Query().Has("download") {
			w.Header().Set("Content-Disposition", `attachment; filename="recorded.feature"`)
		}
		fmt.Fprint(w, s.Feature())
	})
	// Everything else is what the marketplace serves to apps (OAuth, the
	// API): the same handler as certify's.
	s.mux.Handle("/", s.fake)
}

// serveAction runs one of the page's forms, then shows the page again
// (post, redirect, get: a reload never repeats an action).
func (s *Server) serveAction(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	err := s.act(r.Context(), r.Form)
	s.mu.Unlock()
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// act runs one action as the viewer. The error is a malformed form only;
// what the model refuses is shown on the page and recorded.
func (s *Server) act(ctx context.Context, f map[string][]string) error {
	get := func(k string) string {
		if v := f[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	v, app, appQ := s.viewer, s.model0.ID, quote(s.model0.Name)
	s.notice = ""
	switch get("action") {
	case "switch":
		p := s.byName(get("who"))
		if p == nil {
			return fmt.Errorf("nobody called %q is in the cast", get("who"))
		}
		s.viewer, s.panel, s.manage, s.openUI = p, nil, nil, ""
		s.feature.then("%s", s.statusPhrase(p))
		s.feature.then("%s", s.dockPhrase(p))
		s.notice = "You are " + p.Name + " now"
	case "install":
		if get("scopes") == "deny" {
			s.apply(ctx, fmt.Sprintf("%s installs %s and denies the scopes", v.Name, appQ),
				reference.Install{App: app, By: v.ID, Access: reference.OnlyMe})
			break
		}
		access := reference.Access(get("access"))
		c := reference.Install{App: app, By: v.ID, Access: access, Email: get("email") != "", Accept: true}
		phrase := fmt.Sprintf("%s installs %s", v.Name, appQ)
		switch access {
		case "", reference.OnlyMe:
			c.Access, c.Email = reference.OnlyMe, false
		case reference.AllUsers:
			phrase += " for all users"
		case reference.SpecificUsers:
			people, ids, err := s.chosen(f["users"])
			if err != nil {
				return err
			}
			if len(ids) == 0 {
				s.notice = "Choose the users to add the app for"
				return nil
			}
			c.Users = ids
			phrase += " for " + steps.JoinNames(people)
		default:
			return fmt.Errorf("unknown access %q", access)
		}
		if c.Email {
			phrase += " and emails them"
		}
		s.apply(ctx, phrase, c)
		s.thenStatus(v)
	case "authorize":
		accept := get("scopes") != "deny"
		verb := "authorizes"
		if s.status(v) == reference.StatusReauthorize {
			verb = "re-authorizes"
		}
		phrase := fmt.Sprintf("%s %s %s", v.Name, verb, appQ)
		if !accept {
			phrase = fmt.Sprintf("%s denies the scopes of %s", v.Name, appQ)
		}
		s.apply(ctx, phrase, reference.Authorize{App: app, By: v.ID, Accept: accept})
		s.thenStatus(v)
	case "uninstall":
		s.apply(ctx, fmt.Sprintf("%s uninstalls %s", v.Name, appQ), reference.Uninstall{App: app, By: v.ID, Confirmed: true})
		s.panel = nil
		s.thenStatus(v)
	case "open-apps":
		s.apply(ctx, v.Name+" opens Pipedrive", reference.OpenApps{User: v.ID})
	case "manage-open":
		s.openManage()
	case "manage-save":
		return s.saveManage(ctx, f)
	case "customui":
		for _, e := range s.app.Extensions {
			if manifest.IsCustomUI(e.Type) && appsdk.InstanceID(s.app.ClientID, e) == get("id") {
				s.openUI, s.panel = get("id"), nil
				s.openCustomUI(e)
				return nil
			}
		}
		return fmt.Errorf("no Custom UI extension has the id %q", get("id"))
	case "extension":
		ext, ok := s.app.Extension(reference.ExtensionKind(get("type")), get("name"))
		if !ok {
			return fmt.Errorf("the app has no %s called %q", get("type"), get("name"))
		}
		s.openUI, s.modal = "", nil
		s.useExtension(ctx, ext)
	case "modal-submit":
		return s.submitModal(ctx, f)
	case "modal-cancel":
		s.modal = nil
	default:
		return fmt.Errorf("unknown action %q", get("action"))
	}
	return nil
}

// thenStatus records what the page shows p after an action, when the
// action was not refused.
func (s *Server) thenStatus(p *person) {
	if n := len(s.feature.steps); n > 0 && strings.HasPrefix(s.feature.steps[n-1].text, "it is refused") {
		return
	}
	s.feature.then("%s", s.statusPhrase(p))
}

// chosen reads the people a form names, in the cast's order.
func (s *Server) chosen(list []string) ([]string, []reference.UserID, error) {
	var people []string
	var ids []reference.UserID
	for _, p := range s.people {
		if slices.Contains(list, p.Name) {
			people, ids = append(people, p.Name), append(ids, p.ID)
		}
	}
	for _, n := range list {
		if s.byName(n) == nil {
			return nil, nil, fmt.Errorf("nobody called %q is in the cast", n)
		}
	}
	return people, ids, nil
}

// manageView is the "Manage users" view as the model gives it to the viewer.
type manageView struct {
	Access  string
	AddedBy string
	CanEdit bool
	Rows    []manageRow
	// Others are the viewer's colleagues not in the list, to add.
	Others   []string
	AllUsers bool
}

type manageRow struct{ Name, Status string }

func (s *Server) openManage() {
	v, appQ := s.viewer, quote(s.model0.Name)
	s.feature.when("%s opens \"Manage users\" for %s", v.Name, appQ)
	mv, err := s.model.ManageUsersView(s.model0.ID, v.ID)
	if err != nil {
		ref, _ := err.(*reference.Refusal)
		reason := err.Error()
		if ref != nil {
			reason = string(ref.Reason)
		}
		s.feature.then("it is refused because %s", quote(reason))
		s.notice = "Refused: " + reason
		s.manage = nil
		return
	}
	view := s.manageViewOf(mv)
	var listed []string
	for _, r := range view.Rows {
		listed = append(listed, r.Name)
	}
	s.feature.then(`the "Manage users" view lists %s`, steps.JoinNames(listed)) // "nobody" for none
	if view.AddedBy != "" {
		s.feature.then(`the "Manage users" view shows the app was added by %s`, view.AddedBy)
	} else {
		s.feature.then(`the "Manage users" view does not show who added the app`)
	}
	can := "can"
	if !view.CanEdit {
		can = "cannot"
	}
	s.feature.then(`%s %s make changes in the "Manage users" view`, v.Name, can)
	s.manage = &view
}

func (s *Server) manageViewOf(mv reference.ManageView) manageView {
	view := manageView{Access: accessLabel(mv.Access), CanEdit: mv.CanEdit, AllUsers: mv.Access == reference.AllUsers}
	if mv.AddedBy != 0 {
		view.AddedBy = s.nameOf(mv.AddedBy)
	}
	in := map[reference.UserID]bool{}
	for _, r := range mv.Users {
		in[r.User] = true
		view.Rows = append(view.Rows, manageRow{r.Name, r.Status.Label()})
	}
	for _, p := range s.people {
		if p.Company == s.viewer.Company && !in[p.ID] && p != s.viewer {
			view.Others = append(view.Others, p.Name)
		}
	}
	return view
}

// saveManage saves the "Manage users" view: make private, switch to all
// users, or add and remove people, each in the steps' phrase for it.
func (s *Server) saveManage(ctx context.Context, f map[string][]string) error {
	v, app, appQ := s.viewer, s.model0.ID, quote(s.model0.Name)
	email := len(f["email"]) > 0 && f["email"][0] != ""
	emails := ""
	if email {
		emails = " and emails them"
	}
	switch first(f["access"]) {
	case string(reference.OnlyMe):
		s.apply(ctx, fmt.Sprintf("%s makes %s private", v.Name, appQ), reference.ManageUsers{App: app, By: v.ID, Access: reference.OnlyMe})
	case string(reference.AllUsers):
		s.apply(ctx, fmt.Sprintf("%s adds %s to all users%s", v.Name, appQ, emails), reference.ManageUsers{App: app, By: v.ID, Access: reference.AllUsers, Email: email})
	default:
		add, addIDs, err := s.chosen(f["add"])
		if err != nil {
			return err
		}
		remove, removeIDs, err := s.chosen(f["remove"])
		if err != nil {
			return err
		}
		c := reference.ManageUsers{App: app, By: v.ID, Add: addIDs, Remove: removeIDs, Email: email}
		switch {
		case len(add) > 0 && len(remove) > 0:
			s.apply(ctx, fmt.Sprintf(`%s saves "Manage users" for %s adding %s and removing %s%s`, v.Name, appQ, steps.JoinNames(add), steps.JoinNames(remove), emails), c)
		case len(add) > 0:
			s.apply(ctx, fmt.Sprintf("%s adds %s to %s%s", v.Name, appQ, steps.JoinNames(add), emails), c)
		case len(remove) > 0:
			s.apply(ctx, fmt.Sprintf("%s removes %s from %s", v.Name, appQ, steps.JoinNames(remove)), reference.ManageUsers{App: app, By: v.ID, Remove: removeIDs})
		default:
			s.notice = "Nothing to save: tick people to add or remove"
			return nil
		}
	}
	if mv, err := s.model.ManageUsersView(app, v.ID); err == nil {
		view := s.manageViewOf(mv)
		s.manage = &view
	} else {
		s.manage = nil
	}
	return nil
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

func accessLabel(a reference.Access) string {
	switch a {
	case reference.AllUsers:
		return "All users"
	case reference.SpecificUsers:
		return "Specific users"
	}
	return "Only me"
}

// panelView is the last extension the viewer opened: what the model says
// of it and, when the marketplace sent the request, the app's answer.
type panelView struct {
	Name, Kind string
	Use        string
	OnBehalfOf string
	IsShared   bool
	Sent       bool
	Status     int
	Objects    []panelObject
	Location   string
	Problem    string
	Findings   []string
}

type panelObject struct {
	Header string
	Fields []panelField
}

type panelField struct{ Name, Value string }

// useExtension opens a JSON panel or a JSON modal, or follows a link
// action, as the viewer:
// the model decides whether it works and on whose behalf, the fake sends
// the request with the isShared the model gives.
func (s *Server) useExtension(ctx context.Context, ext manifest.Extension) {
	v, appQ := s.viewer, quote(s.model0.Name)
	kind := ext.Type
	use := s.model.Extension(s.model0.ID, v.ID, kind)
	word := steps.ExtensionWord(kind)
	pv := &panelView{Name: ext.Name, Kind: string(ext.Type), Use: steps.UseWords(use)}
	s.panel = pv
	s.feature.then("%s's %s of %s %s", v.Name, word, appQ, pv.Use)
	if !use.Allowed {
		return
	}
	pv.OnBehalfOf, pv.IsShared = s.nameOf(use.OnBehalfOf), use.IsShared
	s.feature.then("%s's %s of %s acts on behalf of %s", v.Name, word, appQ, pv.OnBehalfOf)
	if ext.Type == manifest.JSONModal {
		s.panel = nil // the modal is the form, shown on its own
		s.openModal(ctx, ext)
		return
	}
	var ex marketplace.Exchange
	if ext.Type == manifest.JSONPanel {
		s.feature.then("%s's JSON panel request for %s carries isShared %t", v.Name, appQ, use.IsShared)
		ex = s.send(v, func() (marketplace.Exchange, error) {
			return s.fake.SendPanel(ctx, s.app.ClientID, marketplace.PanelRequest{Extension: ext.Name, UserID: int64(v.ID), IsShared: use.IsShared})
		}, func(ex marketplace.Exchange) []marketplace.Finding {
			return s.fake.JudgePanel(ex, marketplace.Answer(""))
		})
	} else {
		ex = s.send(v, func() (marketplace.Exchange, error) {
			return s.fake.SendLinkAction(ctx, s.app.ClientID, marketplace.LinkRequest{Extension: ext.Name, UserID: int64(v.ID)})
		}, func(ex marketplace.Exchange) []marketplace.Finding {
			return s.fake.JudgeLinkAction(ex, marketplace.Answer(""))
		})
	}
	pv.Sent, pv.Status = true, ex.Status
	if ex.Err != nil {
		pv.Problem = "The app did not answer: " + ex.Err.Error()
		return
	}
	pv.Location = redactURL(ex.Header.Get("Location"))
	if ext.Type == manifest.JSONPanel {
		pv.Objects, pv.Problem = panelObjects(ex.Body)
		if ex.Status != http.StatusOK {
			pv.Problem = fmt.Sprintf("The app answered %d: %s", ex.Status, excerpt(string(ex.Body), 200))
		}
	}
}

// panelObjects reads a JSON panel answer (data: an object or a list of
// objects) into what the page shows. The judges say whether it follows
// the schema; this only lays it out.
func panelObjects(body []byte) ([]panelObject, string) {
	var doc struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &doc); err != nil || len(doc.Data) == 0 {
		return nil, "The answer is not a JSON panel: " + excerpt(string(body), 200)
	}
	var list []map[string]any
	if err := json.Unmarshal(doc.Data, &list); err != nil {
		var one map[string]any
		if err := json.Unmarshal(doc.Data, &one); err != nil {
			return nil, "data is neither an object nor a list of objects"
		}
		list = []map[string]any{one}
	}
	var out []panelObject
	for _, o := range list {
		po := panelObject{Header: fmt.Sprint(o["header"])}
		if _, ok := o["header"]; !ok {
			po.Header = fmt.Sprintf("#%v", o["id"])
		}
		keys := make([]string, 0, len(o))
		for k := range o {
			if k != "id" && k != "header" {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			po.Fields = append(po.Fields, panelField{k, fieldText(o[k])})
		}
		out = append(out, po)
	}
	return out, ""
}

// fieldText shows a panel field: a plain value, or the label or value of
// a typed one ({"value": 10, "code": "EUR"}).
func fieldText(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Sprint(v)
	}
	for _, k := range []string{"label", "value", "markdown", "url"} {
		if x, ok := m[k]; ok {
			s := fmt.Sprint(x)
			if c, ok := m["code"]; ok {
				s += " " + fmt.Sprint(c)
			}
			return s
		}
	}
	b, _ := json.Marshal(m)
	return string(b)
}
