package app

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strings"
	"time"
)

// ownAuthorization returns the viewer's own authorization. JSON modals and
// Custom UI pages are never shared: only a viewer who authorized the app
// may use them (PD-SHARE-16), whatever the sharing state.
func (a *App) ownAuthorization(v userKey) (authorization, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	au, ok := a.users[v]
	if !ok && a.has(FaultServeUnshared) {
		// The bug: anyone of a company where someone installed the app is
		// served on that installation.
		if owner, found := a.anyInstallation(v.CompanyID, false); found {
			au, ok = a.users[owner], true
		}
	}
	if !ok {
		return authorization{}, false
	}
	return *au, true
}

// hold waits d unless the request ends first; false when it ended.
func hold(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// handleModal serves the JSON modal "Create a task" for a deal: opening it
// (GET) shows the deal and the task's fields; submitting it (POST, the
// block values as JSON) answers with the documented success or error.
func (a *App) handleModal(w http.ResponseWriter, r *http.Request) {
	v, refuse := a.verify(r)
	if r.Method == http.MethodPost && a.has(FaultSubmitTrustsQueryUser) {
		v, refuse = a.verifyTrusting(r, true)
	}
	if refuse != nil {
		refuse(w)
		return
	}
	au, ok := a.ownAuthorization(v)
	if !ok {
		// A 401 shows the user Pipedrive's "reinstall" screen.
		jsonError(w, http.StatusUnauthorized, "Authorize the app", "to create tasks")
		return
	}
	if r.Method == http.MethodPost {
		a.submitModal(w, r)
		return
	}
	q := r.URL.Query()
	ids, err := parseIDs(q.Get("selectedIds"))
	if err != nil || len(ids) == 0 || q.Get("resource") != "deal" {
		jsonError(w, http.StatusBadRequest, "Bad request", "open the modal from a deal")
		return
	}
	if a.has(FaultSlowModal) && !hold(r, a.opts.SlowPanelDelay) {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), a.budget())
	defer cancel()
	deals, err := a.fetchDeals(ctx, v.CompanyID, v, &au, ids[:1])
	if err != nil {
		apiError(w, err)
		return
	}
	title := ""
	if len(deals) > 0 {
		title = deals[0].Title
	}
	if a.has(FaultBadModal) {
		// The bug: the modal answers as if it were a JSON panel.
		writeJSON(w, http.StatusOK, map[string]any{"data": []map[string]any{{"id": ids[0], "header": title}}})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{
		"blocks": map[string]any{
			"deal":  map[string]any{"value": title},
			"title": map[string]any{"value": "Follow up on " + title},
			"due":   map[string]any{"value": ""},
		},
		"actions": map[string]any{
			"submit": map[string]any{"label": "Create task"},
			"cancel": map[string]any{"label": "Cancel"},
		},
	}})
}

// maxSubmit bounds a modal submit's body.
const maxSubmit = 64 << 10

func (a *App) submitModal(w http.ResponseWriter, r *http.Request) {
	var values map[string]any
	body, err := io.ReadAll(io.LimitReader(r.Body, maxSubmit))
	if err != nil || json.Unmarshal(body, &values) != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]string{"message": "The form could not be read"}})
		return
	}
	if a.has(FaultBadModalSubmit) {
		writeJSON(w, http.StatusOK, map[string]any{"ok": true})
		return
	}
	title, _ := values["title"].(string)
	if strings.TrimSpace(title) == "" {
		// Block-level errors are shown beside the block in the modal.
		writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"blocks": map[string]any{
			"title": map[string]any{"error": "A task needs a title"},
		}}})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": map[string]any{
		"message": fmt.Sprintf("Task %q created", title),
		"type":    "snackbar",
	}})
}

// customUIPage is the Custom UI panel's page. It is deliberately small:
// it loads @pipedrive/app-extensions-sdk (the app serves the published
// build itself), initialises it with the extension instance id the
// marketplace sent (the SDK must be initialised within 10 s), asks the
// host for a signed token and calls the app's backend with it. Everything
// it shows comes from the verified token, never from the query alone.
var customUIPage = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Sample app</title>
<script src="/ui/sdk.js" data-package="@pipedrive/app-extensions-sdk@0.15.1"></script>
</head>
<body data-theme="{{.Theme}}">
<h1>Sample app</h1>
<p id="viewer">For user {{.UserID}} of company {{.CompanyID}}, {{.Resource}} {{.Selected}}</p>
{{with .Title}}<h2 id="record">{{.}}</h2>{{end}}
<ul id="deals"></ul>
<script>
  (async function () {
    // Initialising tells Pipedrive the page is ready; without it the
    // panel shows an error after 10 s.
    const sdk = await new AppExtensionsSDK({ identifier: {{.ID}} }).initialize({ size: { height: 200 } });
    // The backend believes the signed token, not the page's URL.
    const { token } = await sdk.execute('get_signed_token');
    const q = new URLSearchParams(location.search);
    const call = new URLSearchParams({ token: token, userId: q.get('userId'), companyId: q.get('companyId'), selectedIds: q.get('selectedIds') || '1' });
    const answer = await fetch('/ui/api/deals?' + call).then(function (r) { return r.json(); });
    const list = document.getElementById('deals');
    (answer.deals || []).forEach(function (d) {
      const li = document.createElement('li');
      li.textContent = d.title;
      list.appendChild(li);
    });
    if (answer.error) { list.textContent = answer.error.title || 'error'; }
  })().catch(function (e) { document.getElementById('deals').textContent = 'error: ' + e; });
</script>
</body>
</html>
`))

// handleCustomUI serves the Custom UI panel page to a viewer who
// authorized the app, titled with the deal it sits on; anyone else gets a
// 401 with no page.
func (a *App) handleCustomUI(w http.ResponseWriter, r *http.Request) {
	// An iframe cannot send Basic auth: the page is the token's alone.
	v, refuse := a.verifyToken(r.URL.Query(), r.URL.Query().Get("token"), a.has(FaultTrustQueryUser))
	var au authorization
	if refuse == nil {
		var ok bool
		if au, ok = a.ownAuthorization(v); !ok {
			refuse = refuseWith(http.StatusUnauthorized, "Authorize the app")
		}
	}
	q := r.URL.Query()
	if refuse != nil && a.has(FaultCustomUIRefusalPage) {
		// The bug: the status says no, and the page is served anyway.
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		a.renderPage(w, q, userKey{}, "")
		return
	}
	if refuse != nil {
		refuse(w)
		return
	}
	title := ""
	if ids, err := parseIDs(q.Get("selectedIds")); err == nil && len(ids) > 0 && q.Get("resource") == "deal" {
		ctx, cancel := context.WithTimeout(r.Context(), a.budget())
		defer cancel()
		deals, err := a.fetchDeals(ctx, v.CompanyID, v, &au, ids[:1])
		if err != nil {
			apiError(w, err)
			return
		}
		if len(deals) > 0 {
			title = deals[0].Title
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	a.renderPage(w, q, v, title)
}

func (a *App) renderPage(w io.Writer, q map[string][]string, v userKey, title string) {
	get := func(k string) string {
		if vs := q[k]; len(vs) > 0 {
			return vs[0]
		}
		return ""
	}
	_ = customUIPage.Execute(w, map[string]any{ // the client may be gone; nothing to do
		"ID": get("id"), "Theme": get("theme"), "Resource": get("resource"), "Selected": get("selectedIds"),
		"UserID": v.UserID, "CompanyID": v.CompanyID, "Title": title,
	})
}

// PanelDataSchema is the JSON panel's data structure as the app declares
// it in Developer Hub (examples/sampleapp.yaml's data_schema names the file):
// what one panel object may hold.
//
//go:embed deal-summary.json
var PanelDataSchema []byte
