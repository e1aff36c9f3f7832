package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/appcert/appcert/internal/jwt"
)

// PD-EXT-03: the JSON modal opens within the deadline.
func checkModalInTime(e *env) error {
	e.authorize(admin1)
	ctx, cancel := context.WithTimeout(context.Background(), panelDeadline)
	defer cancel()
	start := time.Now()
	rec := e.ext(extReq{path: "/modal", viewer: admin1, ids: "2", ctx: ctx})
	if took := time.Since(start); took >= panelDeadline || ctx.Err() != nil {
		return fmt.Errorf("modal took %v, deadline %v", took, panelDeadline)
	}
	if rec.Code != http.StatusOK {
		return fmt.Errorf("modal answered %d", rec.Code)
	}
	return nil
}

// PD-EXT-06: the modal's content is {"data":{"blocks":{…},"actions":{…}}}.
func checkModalContent(e *env) error {
	e.authorize(admin1)
	rec := e.ext(extReq{path: "/modal", viewer: admin1, ids: "2"})
	var m struct {
		Data struct {
			Blocks  map[string]map[string]any `json:"blocks"`
			Actions map[string]map[string]any `json:"actions"`
		} `json:"data"`
	}
	if rec.Code != http.StatusOK {
		return fmt.Errorf("modal answered %d", rec.Code)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil || len(m.Data.Blocks) == 0 {
		return fmt.Errorf("modal content is not blocks and actions: %s", rec.Body.String())
	}
	// A viewer who has the app only through sharing may not open it.
	e.share(admin1, true)
	if rec := e.ext(extReq{path: "/modal", viewer: user1, ids: "2"}); !refused(rec.Code) {
		return fmt.Errorf("modal for a viewer who never authorized answered %d", rec.Code)
	}
	return nil
}

// submit posts the modal's values for viewer.
func (e *env) submit(viewer userKey, values string) *httptest.ResponseRecorder {
	return e.submitAs(viewer, viewer, values)
}

// submitAs posts the modal's values for viewer with a token naming signer.
func (e *env) submitAs(viewer, signer userKey, values string) *httptest.ResponseRecorder {
	q := fmt.Sprintf("/modal?resource=deal&view=details&userId=%d&companyId=%d&selectedIds=2&token=%s",
		viewer.UserID, viewer.CompanyID, e.token(signer))
	req := httptest.NewRequest(http.MethodPost, q, strings.NewReader(values))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(testHTTPUser, testHTTPPass)
	return e.serve(req)
}

// PD-EXT-06: a submit is answered with the success or the error shape.
func checkModalSubmit(e *env) error {
	e.authorize(admin1)
	var ok struct {
		Success struct {
			Message string `json:"message"`
			Type    string `json:"type"`
		} `json:"success"`
	}
	rec := e.submit(admin1, `{"title":"Call back"}`)
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &ok) != nil || ok.Success.Type != "snackbar" || ok.Success.Message == "" {
		return fmt.Errorf("submit answered %d %s, want a snackbar success", rec.Code, rec.Body.String())
	}
	var blockErr struct {
		Data struct {
			Blocks map[string]struct {
				Error string `json:"error"`
			} `json:"blocks"`
		} `json:"data"`
	}
	rec = e.submit(admin1, `{"title":""}`)
	if json.Unmarshal(rec.Body.Bytes(), &blockErr) != nil || blockErr.Data.Blocks["title"].Error == "" {
		return fmt.Errorf("an empty title answered %d %s, want a block error", rec.Code, rec.Body.String())
	}
	return nil
}

// PD-EXT-06: a submit whose token names another user or company than the
// query is refused, though it is signed well.
func checkModalSubmitToken(e *env) error {
	e.authorize(admin1)
	e.authorize(user1)
	for _, signer := range []userKey{user1, admin2} {
		if rec := e.submitAs(admin1, signer, `{"title":"Call back"}`); !refused(rec.Code) {
			return fmt.Errorf("a submit for %v with a token naming %v answered %d %s", admin1, signer, rec.Code, rec.Body.String())
		}
	}
	return nil
}

// PD-EXT-02: a Custom UI page load with a bad token is refused with 401
// or 403 and none of the page.
func checkCustomUIRefused(e *env) error {
	e.authorize(admin1)
	ok := e.ext(extReq{path: "/ui/panel", viewer: admin1, ids: "2"})
	if ok.Code != http.StatusOK || !strings.Contains(ok.Body.String(), "app-extensions-sdk") {
		return fmt.Errorf("the page for its user answered %d", ok.Code)
	}
	if !strings.Contains(ok.Body.String(), "For user 100 of company 1") {
		return fmt.Errorf("the page does not show whom it is for: %s", ok.Body.String())
	}
	now := e.now().Unix()
	bad := jwt.Sign(jwt.Claims{UserID: 100, CompanyID: 1, IssuedAt: now, ExpiresAt: now + 300}, "not-the-secret")
	rec := e.ext(extReq{path: "/ui/panel", viewer: admin1, ids: "2", token: &bad})
	if !refused(rec.Code) || strings.Contains(rec.Body.String(), "app-extensions-sdk") {
		return fmt.Errorf("a forged token got %d and %d bytes of page", rec.Code, rec.Body.Len())
	}
	// Only the viewer's own authorization opens a Custom UI page.
	if rec := e.ext(extReq{path: "/ui/panel", viewer: user1, ids: "2"}); !refused(rec.Code) {
		return fmt.Errorf("a viewer who never authorized got %d", rec.Code)
	}
	return nil
}

// PD-EXT-04: every panel object holds only what the declared data
// structure allows.
func checkPanelDeclaredSchema(e *env) error {
	var declared struct {
		Properties map[string]any `json:"properties"`
	}
	if err := json.Unmarshal(PanelDataSchema, &declared); err != nil {
		return err
	}
	e.authorize(admin1)
	rec := e.panel(admin1, "2,4", false)
	p, err := decodePanel(rec)
	if err != nil {
		return err
	}
	for i, o := range p.Data {
		for k := range o {
			if _, ok := declared.Properties[k]; !ok {
				return fmt.Errorf("data[%d].%s is not in the declared data_schema", i, k)
			}
		}
	}
	return nil
}
