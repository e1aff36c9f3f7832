package serve

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"slices"

	"github.com/appcert/appcert/manifest"
	"github.com/appcert/appcert/reference"
)

//go:embed page.html
var pageFS embed.FS

var pageTemplate = template.Must(template.New("page.html").ParseFS(pageFS, "page.html"))

// pageData is everything the page shows, read from the model as the
// viewer sees it.
type pageData struct {
	App       string
	Viewer    *person
	Companies []companyView
	Notice    string

	Status      string
	StatusClass string
	Install     bool // not installed: the install flow
	Authorize   bool // added by an admin, or needing re-authorization
	Reauthorize bool
	Uninstall   bool
	ShowAccess  bool // an admin of an app with sharing chooses who gets it
	Specific    bool // the app allows choosing specific users
	Colleagues  []string
	Scopes      []string

	AddedByAdmin, InApps, Bubble bool
	Inbox                        []string

	CanManage bool
	Manage    *manageView

	DealTitle  string
	Extensions []extensionView
	Panel      *panelView
	CustomUI   []customUIView
	OpenUI     *customUIView // the Custom UI page open, hosted in an iframe
	Modal      *modalView    // the JSON modal open, as a form
	// Modals are the Custom UI modals the viewer may open from a page,
	// their URLs by id, for the host script.
	Modals map[string]string

	Exchanges []Entry
	Feature   string
}

type companyView struct {
	Name   string
	People []personView
}

type personView struct {
	Name, Role, Status string
	Current            bool
}

type extensionView struct{ Type, Name, Label string }

func (s *Server) servePage(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	d := s.pageData()
	s.mu.Unlock()
	var b bytes.Buffer
	if err := pageTemplate.Execute(&b, d); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(b.Bytes())
}

// serveExchanges is the live list, which the page's script polls.
func (s *Server) serveExchanges(w http.ResponseWriter, _ *http.Request) {
	var b bytes.Buffer
	if err := pageTemplate.ExecuteTemplate(&b, "exchanges", s.log.Entries()); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(b.Bytes())
}

func (s *Server) pageData() pageData {
	v, app := s.viewer, s.model0
	st := s.status(v)
	d := pageData{
		App: app.Name, Viewer: v, Notice: s.notice,
		Status: st.Label(), StatusClass: string(st),
		Install:     st == reference.StatusNone,
		Authorize:   st == reference.StatusAuthorize || st == reference.StatusReauthorize,
		Reauthorize: st == reference.StatusReauthorize,
		Uninstall:   st == reference.StatusAuthorized,
		ShowAccess:  v.Admin && app.Mode != reference.ModeNone,
		Specific:    app.AllowSpecificUsers,
		Scopes:      app.Scopes,
		Inbox:       slices.Clone(v.inbox),
		Manage:      s.manage,
		Panel:       s.panel,
		Modal:       s.modal,
		Exchanges:   s.log.Entries(),
		Feature:     s.feature.Text(app.Name),
	}
	if st == reference.StatusNone {
		d.StatusClass = "none"
	}
	slices.Reverse(d.Inbox)
	for _, c := range s.companies {
		cv := companyView{Name: c.Name}
		for _, p := range s.people {
			if p.Company != c {
				continue
			}
			role := "user"
			if p.Admin {
				role = "admin"
			}
			cv.People = append(cv.People, personView{p.Name, role, s.status(p).Label(), p == v})
			if c == v.Company && p != v {
				d.Colleagues = append(d.Colleagues, p.Name)
			}
		}
		d.Companies = append(d.Companies, cv)
	}
	dock := s.model.Dock(v.ID)
	d.AddedByAdmin = slices.Contains(dock.AddedByAdmin, app.ID)
	d.InApps = slices.Contains(dock.Apps, app.ID)
	d.Bubble = dock.Bubble
	if _, err := s.model.ManageUsersView(app.ID, v.ID); err == nil {
		d.CanManage = true
	}
	if deals := s.fake.Deals(int64(v.Company.ID)); len(deals) > 0 {
		d.DealTitle = deals[0].Title
	}
	for _, e := range s.app.Extensions {
		if e.Type == manifest.JSONPanel || e.Type == manifest.LinkAction || e.Type == manifest.JSONModal {
			label := map[reference.ExtensionKind]string{manifest.JSONPanel: "Open panel", manifest.LinkAction: "Link action", manifest.JSONModal: "Open modal"}[e.Type]
			d.Extensions = append(d.Extensions, extensionView{string(e.Type), e.Name, label})
		}
	}
	d.CustomUI = s.customUIViews()
	d.Modals = map[string]string{}
	for _, v := range d.CustomUI {
		if v.Src != "" && v.Type == string(manifest.CustomUIModal) {
			d.Modals[v.ID] = v.Src
		}
	}
	for i, v := range d.CustomUI {
		if v.ID == s.openUI {
			d.OpenUI = &d.CustomUI[i]
		}
	}
	return d
}
