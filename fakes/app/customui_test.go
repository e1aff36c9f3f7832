package app

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// pageCall is the Custom UI page's call to its backend: the token in the
// query (as the sample page sends it) or in an Authorization header, and
// the query naming whom the call is for (nil: nobody).
func (e *env) pageCall(token string, inHeader bool, named *userKey) *httptest.ResponseRecorder {
	q := url.Values{"selectedIds": {"2"}}
	if named != nil {
		q.Set("userId", fmt.Sprint(named.UserID))
		q.Set("companyId", fmt.Sprint(named.CompanyID))
	}
	if !inHeader {
		q.Set("token", token)
	}
	req := httptest.NewRequest(http.MethodGet, "/ui/api/deals?"+q.Encode(), nil)
	if inHeader {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return e.serve(req)
}

// PD-EXT-05: the Custom UI page's backend serves the company and user its
// signed token names: a call whose query names another company is
// refused, and so is one carrying another company's token with the
// viewer's ids.
func checkCustomUIBackendServesTheToken(e *env) error {
	e.authorize(admin1)
	e.authorize(admin2)
	own := e.pageCall(e.token(admin1), false, &admin1)
	if own.Code != http.StatusOK || !strings.Contains(own.Body.String(), `"companyId":1`) {
		return fmt.Errorf("the page's own call answered %d %s", own.Code, own.Body.String())
	}
	if rec := e.pageCall(e.token(admin1), true, nil); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"userId":100`) {
		return fmt.Errorf("the token in a header, no ids: %d %s", rec.Code, rec.Body.String())
	}
	for what, rec := range map[string]*httptest.ResponseRecorder{
		"admin1's token, admin2's ids": e.pageCall(e.token(admin1), false, &admin2),
		"admin2's token, admin1's ids": e.pageCall(e.token(admin2), false, &admin1),
		"admin1's token, user1's ids":  e.pageCall(e.token(admin1), true, &user1),
	} {
		if rec.Code == http.StatusOK {
			return fmt.Errorf("%s: served %s", what, rec.Body.String())
		}
	}
	return nil
}

func TestApp_CustomUIBackendServesTheTokensViewer(t *testing.T) {
	if err := checkCustomUIBackendServesTheToken(newEnv(t)); err != nil {
		t.Error(err)
	}
}
