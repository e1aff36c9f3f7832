package app

import (
	"encoding/json"
	"io"
	"net/http"
)

// sharingState is the body of the sharing callback (protocol.md).
type sharingState struct {
	CompanyID *int64 `json:"company_id"`
	UserID    *int64 `json:"user_id"`
	IsShared  *bool  `json:"isShared"`
}

// handleSharing records the latest sharing state of an installation:
// POST /callback {"company_id":1,"user_id":100,"isShared":true}. The Basic
// auth the marketplace may send is not required (protocol.md: assumed,
// harmless to ignore); an isShared of true only ever widens access for
// viewers who also hold a token the marketplace signed.
func (a *App) handleSharing(w http.ResponseWriter, r *http.Request) {
	var s sharingState
	if err := decodeJSON(r, &s); err != nil || s.CompanyID == nil || s.UserID == nil || s.IsShared == nil {
		jsonError(w, http.StatusBadRequest, "Bad request", "expected {company_id, user_id, isShared}")
		return
	}
	k := userKey{*s.CompanyID, *s.UserID}
	a.mu.Lock()
	if !a.has(FaultIgnoreSharingCallback) || !a.sharingSeen[k] {
		a.shared[k] = *s.IsShared
		a.sharingSeen[k] = true
	}
	a.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// uninstall is the body of the uninstall request (protocol.md).
type uninstall struct {
	ClientID  string `json:"client_id"`
	CompanyID *int64 `json:"company_id"`
	UserID    *int64 `json:"user_id"`
	Timestamp string `json:"timestamp"`
}

// handleUninstall forgets a user: DELETE /callback with Basic auth
// client_id:client_secret. A request without those credentials could come
// from anyone, so it changes nothing.
func (a *App) handleUninstall(w http.ResponseWriter, r *http.Request) {
	if !a.has(FaultUnauthenticatedUninstall) && !basicAuthOK(r, a.opts.ClientID, a.opts.ClientSecret) {
		w.Header().Set("WWW-Authenticate", `Basic realm="uninstall"`)
		jsonError(w, http.StatusUnauthorized, "Unauthorized", "")
		return
	}
	var u uninstall
	if err := decodeJSON(r, &u); err != nil || u.CompanyID == nil || u.UserID == nil {
		jsonError(w, http.StatusBadRequest, "Bad request", "expected {client_id, company_id, user_id, timestamp}")
		return
	}
	if u.ClientID != "" && u.ClientID != a.opts.ClientID {
		jsonError(w, http.StatusBadRequest, "Bad request", "client_id is not this app's")
		return
	}
	if !a.has(FaultIgnoreUninstall) {
		k := userKey{*u.CompanyID, *u.UserID}
		a.mu.Lock()
		delete(a.users, k)
		delete(a.shared, k)
		delete(a.sharingSeen, k)
		a.mu.Unlock()
	}
	w.WriteHeader(http.StatusNoContent)
}

// decodeJSON decodes one JSON object from r's body, at most 64 KiB.
func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	return dec.Decode(v)
}
