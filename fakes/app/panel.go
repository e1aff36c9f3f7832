package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/appcert/appcert/internal/jwt"
)

// Limits of a JSON panel answer (protocol.md).
const maxPanelObjects = 10

// authenticate checks an extension request's Basic auth and token and
// returns the viewer they name. On failure it has answered the request.
func (a *App) authenticate(w http.ResponseWriter, r *http.Request) (userKey, bool) {
	v, refuse := a.verify(r)
	if refuse != nil {
		refuse(w)
		return userKey{}, false
	}
	return v, true
}

// refusal answers a request the app refuses.
type refusal func(http.ResponseWriter)

func refuseWith(status int, title string) refusal {
	return func(w http.ResponseWriter) { jsonError(w, status, title, "") }
}

// verify checks an extension request's Basic auth and token and returns
// the viewer they name, or how to refuse the request.
func (a *App) verify(r *http.Request) (userKey, refusal) {
	return a.verifyTrusting(r, a.has(FaultTrustQueryUser))
}

// verifyTrusting is verify, trusting the query's viewer over the token's
// when trustQuery is set: the bug of FaultTrustQueryUser and
// FaultSubmitTrustsQueryUser.
func (a *App) verifyTrusting(r *http.Request, trustQuery bool) (userKey, refusal) {
	if a.opts.HTTPAuthUser != "" || a.opts.HTTPAuthPassword != "" {
		if !a.has(FaultIgnoreBasicAuth) && !basicAuthOK(r, a.opts.HTTPAuthUser, a.opts.HTTPAuthPassword) {
			return userKey{}, func(w http.ResponseWriter) {
				w.Header().Set("WWW-Authenticate", `Basic realm="extensions"`)
				jsonError(w, http.StatusUnauthorized, "Unauthorized", "")
			}
		}
	}
	q := r.URL.Query()
	return a.verifyToken(q, q.Get("token"), trustQuery)
}

// verifyToken checks an extension token against the viewer the query
// names and returns the viewer, or how to refuse the request; trustQuery
// as for verifyTrusting.
func (a *App) verifyToken(q url.Values, token string, trustQuery bool) (userKey, refusal) {
	qUser, errU := strconv.ParseInt(q.Get("userId"), 10, 64)
	qCompany, errC := strconv.ParseInt(q.Get("companyId"), 10, 64)
	queryOK := errU == nil && errC == nil
	if a.has(FaultSkipJWT) {
		if !queryOK {
			return userKey{}, refuseWith(http.StatusUnauthorized, "Unauthorized")
		}
		return userKey{qCompany, qUser}, nil
	}
	c, err := jwt.Verify(token, a.opts.JWTSecret, a.now())
	if err != nil {
		return userKey{}, a.refuseToken(err)
	}
	if trustQuery {
		if !queryOK {
			return userKey{}, refuseWith(http.StatusUnauthorized, "Unauthorized")
		}
		return userKey{qCompany, qUser}, nil
	}
	// The query is what the marketplace shows the app; the token is what it
	// vouches for. Both must name the same viewer.
	if !queryOK || c.UserID != qUser || c.CompanyID != qCompany {
		return userKey{}, a.refuseToken(errors.New("token names another user or company than the query"))
	}
	return userKey{c.CompanyID, c.UserID}, nil
}

// refuseToken refuses a request whose token does not hold.
func (a *App) refuseToken(err error) refusal {
	if a.has(FaultBadToken500) {
		return func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(w, "panic: %v\n\n%s", err, debug.Stack())
		}
	}
	return refuseWith(http.StatusUnauthorized, "Unauthorized")
}

// entitled decides, by what the app knows, whether viewer v may use an
// extension, and on whose behalf (protocol.md, "Who is entitled"). A panel
// says in isShared whether the viewer has the app through sharing; a link
// action carries no isShared, so for it the sharing state alone decides,
// unless the request does say isShared=false.
func (a *App) entitled(v userKey, q url.Values, panel bool) (userKey, authorization, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if au, ok := a.users[v]; ok {
		return v, *au, true
	}
	claimsShared := !panel
	if s := q.Get("isShared"); s != "" || panel {
		claimsShared, _ = strconv.ParseBool(s)
	}
	if claimsShared {
		if owner, ok := a.sharedInstallation(v.CompanyID); ok {
			return owner, *a.users[owner], true
		}
	}
	if panel && a.has(FaultServeUnshared) {
		if owner, ok := a.anyInstallation(v.CompanyID, false); ok {
			return owner, *a.users[owner], true
		}
	}
	return userKey{}, authorization{}, false
}

// sharedInstallation returns an installing user of company c who is still
// authorized and whose latest sharing callback said isShared: true. Callers
// hold a.mu.
func (a *App) sharedInstallation(c int64) (userKey, bool) {
	return a.anyInstallation(c, true)
}

// anyInstallation returns the authorized user of company c with the lowest
// ID, so that the choice does not depend on map order; with onlyShared,
// only among shared installations. Callers hold a.mu.
func (a *App) anyInstallation(c int64, onlyShared bool) (userKey, bool) {
	var keys []userKey
	for k := range a.users {
		if k.CompanyID == c && (!onlyShared || a.shared[k]) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return userKey{}, false
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].UserID < keys[j].UserID })
	return keys[0], true
}

// handlePanel serves the JSON panel: the selected deals, as the entitled
// user's token lets the app read them.
func (a *App) handlePanel(w http.ResponseWriter, r *http.Request) {
	v, ok := a.authenticate(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	owner, au, ok := a.entitled(v, q, true)
	if !ok {
		jsonError(w, http.StatusForbidden, "App not available", "Install the app to use it")
		return
	}
	if q.Get("resource") != "deal" {
		jsonError(w, http.StatusBadRequest, "Unsupported resource", "This panel shows deals")
		return
	}
	ids, err := parseIDs(q.Get("selectedIds"))
	if err != nil {
		jsonError(w, http.StatusBadRequest, "Bad request", "selectedIds is not a list of IDs")
		return
	}
	if a.has(FaultSlowPanel) {
		t := time.NewTimer(a.opts.SlowPanelDelay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), a.budget())
	defer cancel()
	deals, err := a.fetchDeals(ctx, v.CompanyID, owner, &au, ids)
	if err != nil {
		apiError(w, err)
		return
	}
	if v != owner && !a.has(FaultIgnoreVisibility) {
		// A shared viewer sees through the installing user's token; hide
		// what the installing user's settings keep from the viewer.
		kept := deals[:0]
		for _, d := range deals {
			if d.VisibleTo == visibleOwner && d.UserID != v.UserID {
				continue
			}
			kept = append(kept, d)
		}
		deals = kept
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": a.panelObjects(deals)})
}

// panelObjects turns deals into panel objects of the documented schema.
func (a *App) panelObjects(deals []panelDeal) []panelObject {
	objs := make([]panelObject, 0, len(deals))
	for _, d := range deals {
		o := panelObject{ID: d.ID, Header: d.Title, Owner: d.UserID, Visibility: visibilityLabel(d.VisibleTo)}
		if a.has(FaultUndeclaredPanelField) {
			o.InternalNotes = "imported from the CRM" // the bug: a field the data_schema never declared
		}
		if d.Currency != "" {
			o.Value = &currency{Code: d.Currency, Value: d.Value}
		}
		objs = append(objs, o)
	}
	if a.has(FaultBadPanelSchema) {
		// The bug: "more deals" rows padding the answer past the limit,
		// and without the header every object needs.
		for i := int64(1); len(objs) <= maxPanelObjects; i++ {
			objs = append(objs, panelObject{ID: 1000 + i, Visibility: label{"grey", "More deals"}})
		}
	}
	return objs
}

type panelObject struct {
	ID         int64     `json:"id"`
	Header     string    `json:"header,omitempty"`
	Value      *currency `json:"value,omitempty"`
	Owner      int64     `json:"owner"`
	Visibility label     `json:"visibility"`
	// InternalNotes is only set by FaultUndeclaredPanelField.
	InternalNotes string `json:"internal_notes,omitempty"`
}

type currency struct {
	Code  string  `json:"code"`
	Value float64 `json:"value"`
}

type label struct {
	Color string `json:"color"`
	Label string `json:"label"`
}

func visibilityLabel(v string) label {
	switch v {
	case visibleOwner:
		return label{"grey", "Owner only"}
	case "3":
		return label{"green", "Entire company"}
	default:
		return label{"blue", "Shared"}
	}
}

// handleAction serves the link action. The action reads nothing from the
// API; it acknowledges the selection as JSON (2xx, not a redirect).
func (a *App) handleAction(w http.ResponseWriter, r *http.Request) {
	v, ok := a.authenticate(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	if !a.has(FaultActionAfterRemoval) {
		if _, _, ok := a.entitled(v, q, false); !ok {
			jsonError(w, http.StatusForbidden, "App not available", "Install the app to use it")
			return
		}
	}
	ids, err := parseIDs(q.Get("selectedIds"))
	if err != nil {
		jsonError(w, http.StatusBadRequest, "Bad request", "selectedIds is not a list of IDs")
		return
	}
	answer := map[string]any{
		"success":     true,
		"resource":    q.Get("resource"),
		"selectedIds": ids,
		"message":     fmt.Sprintf("Opened %d item(s)", len(ids)),
	}
	if q.Get("view") == "list" {
		// In a list view, no selectedIds means every record the filter
		// shows, but those in excludedIds.
		excluded, err := parseIDs(q.Get("excludedIds"))
		if err != nil {
			jsonError(w, http.StatusBadRequest, "Bad request", "excludedIds is not a list of IDs")
			return
		}
		var filter map[string]any
		if f := q.Get("filter"); f != "" && json.Unmarshal([]byte(f), &filter) != nil {
			jsonError(w, http.StatusBadRequest, "Bad request", "filter is not a JSON object")
			return
		}
		answer["excludedIds"] = excluded
		if len(ids) == 0 {
			answer["message"] = fmt.Sprintf("Opened every item but %d", len(excluded))
		}
	}
	writeJSON(w, http.StatusOK, answer)
}

// parseIDs parses "1,2,3"; an empty list is valid.
func parseIDs(s string) ([]int64, error) {
	ids := []int64{}
	if s == "" {
		return ids, nil
	}
	for _, f := range strings.Split(s, ",") {
		id, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("bad id %q", f)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// jsonError answers with the panel error object protocol.md recommends.
// Titles stay within 30 characters (PD-EXT-04).
func jsonError(w http.ResponseWriter, status int, title, subtitle string) {
	e := map[string]string{"title": title}
	if subtitle != "" {
		e["subtitle"] = subtitle
	}
	writeJSON(w, status, map[string]any{"error": e})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client may be gone; nothing to do
}
