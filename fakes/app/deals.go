package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// visibleOwner is the visible_to value of a deal only its owner may see;
// "3" is the entire company.
const visibleOwner = "1"

// deal is what the panel reads of GET /api/v2/deals/{id} (owner_id, a
// number) or of v1 (user_id, an object).
type deal struct {
	ID        int64    `json:"id"`
	Title     string   `json:"title"`
	Value     float64  `json:"value"`
	Currency  string   `json:"currency"`
	OwnerID   ownerID  `json:"owner_id"`
	UserID    ownerID  `json:"user_id"`
	VisibleTo flexText `json:"visible_to"`
}

// ownerID is a deal's user_id: a number, or, as Pipedrive's v1 API sends
// it, an object with an id.
type ownerID int64

func (o *ownerID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var v struct {
			ID int64 `json:"id"`
		}
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*o = ownerID(v.ID)
		return nil
	}
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*o = ownerID(n)
	return nil
}

// flexText is visible_to: a string in the API, tolerated as a number.
type flexText string

func (t *flexText) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*t = flexText(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*t = flexText(n.String())
	return nil
}

// apiStatusError is an API answer the panel cannot use.
type apiStatusError struct{ Status int }

func (e apiStatusError) Error() string { return fmt.Sprintf("API status %d", e.Status) }

// fetchDeals reads the selected deals (at most maxPanelObjects) with au,
// the token of owner. Deals the API does not know are left out.
func (a *App) fetchDeals(ctx context.Context, company int64, owner userKey, au *authorization, ids []int64) ([]panelDeal, error) {
	if len(ids) > maxPanelObjects {
		ids = ids[:maxPanelObjects]
	}
	if a.has(FaultCallOutsideScopes) {
		// The bug: an extra read the granted scopes do not cover; its
		// result is not even used.
		_, _, _ = a.callAPI(ctx, owner, au, "/api/v2/activities")
	}
	out := make([]panelDeal, 0, len(ids))
	for _, id := range ids {
		if a.has(FaultLeakOtherCompany) {
			a.mu.Lock()
			d, ok := a.dealCache[id]
			a.mu.Unlock()
			if ok {
				out = append(out, toPanelDeal(d))
				continue
			}
		}
		status, body, err := a.callAPI(ctx, owner, au, "/api/v2/deals/"+strconv.FormatInt(id, 10))
		if err != nil {
			return nil, err
		}
		if status == http.StatusNotFound {
			continue
		}
		if status != http.StatusOK {
			return nil, apiStatusError{status}
		}
		var d deal
		if err := unwrapData(body, &d); err != nil {
			return nil, fmt.Errorf("deal %d: %w", id, err)
		}
		if a.has(FaultLeakOtherCompany) {
			a.mu.Lock()
			a.dealCache[id] = d
			a.mu.Unlock()
		}
		out = append(out, toPanelDeal(d))
	}
	return out, nil
}

// panelDeal is a deal with its loosely typed fields settled.
type panelDeal struct {
	ID        int64
	Title     string
	Value     float64
	Currency  string
	UserID    int64
	VisibleTo string
}

func toPanelDeal(d deal) panelDeal {
	owner := d.OwnerID
	if owner == 0 {
		owner = d.UserID
	}
	return panelDeal{d.ID, d.Title, d.Value, d.Currency, int64(owner), string(d.VisibleTo)}
}

// callAPI calls GET path with owner's token au. An access token that has
// expired, by the app's clock or by the API's 401, is refreshed and the
// call made once more (PD-OAUTH-03); au is updated to the fresh token.
func (a *App) callAPI(ctx context.Context, owner userKey, au *authorization, path string) (int, []byte, error) {
	refreshing := !a.has(FaultNoRefresh)
	if refreshing && !au.Expiry.IsZero() && !a.now().Before(au.Expiry) {
		fresh, err := a.refresh(ctx, owner, au.AccessToken)
		if err != nil {
			return 0, nil, err
		}
		*au = fresh
	}
	status, body, err := a.apiGet(ctx, au.APIDomain, au.AccessToken, path)
	if err != nil || status != http.StatusUnauthorized || !refreshing {
		return status, body, err
	}
	fresh, err := a.refresh(ctx, owner, au.AccessToken)
	if err != nil {
		return 0, nil, err
	}
	*au = fresh
	return a.apiGet(ctx, au.APIDomain, au.AccessToken, path)
}

// apiError answers a panel whose API calls failed, without internals.
func apiError(w http.ResponseWriter, err error) {
	var se apiStatusError
	switch {
	case errors.Is(err, errNotAuthorized), errors.Is(err, errTokenRejected),
		errors.As(err, &se) && se.Status == http.StatusUnauthorized:
		jsonError(w, http.StatusUnauthorized, "Authorization expired", "Reauthorize the app")
	case errors.As(err, &se) && se.Status == http.StatusTooManyRequests:
		// Still over the rate limit after waiting: the user may retry; it
		// is not the app failing (PD-API-03).
		jsonError(w, http.StatusTooManyRequests, "Pipedrive is busy", "Try again in a moment")
	case errors.As(err, &se) && se.Status == http.StatusForbidden:
		jsonError(w, http.StatusForbidden, "Missing permissions", "The app may not read this")
	case errors.Is(err, context.DeadlineExceeded):
		jsonError(w, http.StatusGatewayTimeout, "Pipedrive is too slow", "Try again later")
	default:
		jsonError(w, http.StatusBadGateway, "Pipedrive unavailable", "Try again later")
	}
}
