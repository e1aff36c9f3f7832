package app

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/appcert/appcert/internal/appsdk"
	"github.com/appcert/appcert/internal/jwt"
)

// serveSDK serves @pipedrive/app-extensions-sdk's published build to the
// app's own pages, as an app bundles it: the page works offline.
func (a *App) serveSDK(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Write(appsdk.ClientJS)
}

// handleCustomUIDeals is the Custom UI page's backend: the deals it shows,
// for the viewer the signed token names (from the SDK's get_signed_token,
// in the query's token or an Authorization: Bearer header). A query that
// names someone else than the token is refused.
func (a *App) handleCustomUIDeals(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	token := q.Get("token")
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		token = strings.TrimPrefix(h, "Bearer ")
	}
	if !q.Has("userId") || !q.Has("companyId") {
		// The page need not repeat whom it is for; the token says.
		if c, err := jwt.Verify(token, a.opts.JWTSecret, a.now()); err == nil {
			q.Set("userId", strconv.FormatInt(c.UserID, 10))
			q.Set("companyId", strconv.FormatInt(c.CompanyID, 10))
		}
	}
	// The fault's bug: the signature holds, so whoever the query names is
	// served.
	v, refuse := a.verifyToken(q, token, a.has(FaultCustomUITrustsQuery))
	if refuse != nil {
		refuse(w)
		return
	}
	au, ok := a.ownAuthorization(v)
	if !ok {
		jsonError(w, http.StatusUnauthorized, "Authorize the app", "")
		return
	}
	ids, err := parseIDs(q.Get("selectedIds"))
	if err != nil || len(ids) == 0 {
		ids = []int64{1}
	}
	ctx, cancel := context.WithTimeout(r.Context(), a.budget())
	defer cancel()
	deals, err := a.fetchDeals(ctx, v.CompanyID, v, &au, ids)
	if err != nil {
		apiError(w, err)
		return
	}
	out := make([]map[string]any, 0, len(deals))
	for _, d := range deals {
		out = append(out, map[string]any{"id": d.ID, "title": d.Title})
	}
	writeJSON(w, http.StatusOK, map[string]any{"userId": v.UserID, "companyId": v.CompanyID, "deals": out})
}
