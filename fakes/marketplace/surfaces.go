package marketplace

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/appcert/appcert/manifest"
	"github.com/appcert/appcert/reference"
)

// ModalRequest is a JSON modal request from viewer UserID in CompanyID:
// opening the modal (GET), or submitting it (POST with the block values).
type ModalRequest struct {
	Extension   string // the modal's name; empty: the app's first JSON modal
	UserID      int64
	CompanyID   int64  // 0: the viewer's company
	Resource    string // empty: the extension's resource
	View        string // empty: the extension's view
	SelectedIDs []int64
	Token       Token
	BasicAuth   Credentials
}

// SendModalOpen sends the request that opens a JSON modal (protocol.md,
// item 6): GET with resource, view, userId, companyId, selectedIds and
// token. The answer is the modal's content.
func (m *Marketplace) SendModalOpen(ctx context.Context, clientID string, r ModalRequest) (Exchange, error) {
	return m.sendExtension(ctx, clientID, r.ext(http.MethodGet, nil))
}

// SendModalSubmit submits a JSON modal: POST to its URL with the same query
// as its opening and a JSON body of the block values.
func (m *Marketplace) SendModalSubmit(ctx context.Context, clientID string, r ModalRequest, values map[string]any) (Exchange, error) {
	if values == nil {
		values = map[string]any{}
	}
	body, err := json.Marshal(values)
	if err != nil {
		return Exchange{}, fmt.Errorf("marketplace: the modal's values are not JSON: %w", err)
	}
	return m.sendExtension(ctx, clientID, r.ext(http.MethodPost, body))
}

func (r ModalRequest) ext(method string, body []byte) extRequest {
	return extRequest{
		typ: reference.JSONModal, name: r.Extension, userID: r.UserID, companyID: r.CompanyID,
		resource: r.Resource, view: r.View, selectedIDs: r.SelectedIDs, token: r.Token, creds: r.BasicAuth,
		method: method, body: body,
	}
}

// CustomUIRequest is a Custom UI page load from viewer UserID in CompanyID:
// the marketplace opening the app's page in an iframe.
type CustomUIRequest struct {
	Type        reference.ExtensionKind // custom_ui_panel, custom_ui_modal, custom_ui_floating_window or custom_ui_settings
	Extension   string                  // the extension's name; empty: the app's first of Type
	UserID      int64
	CompanyID   int64  // 0: the viewer's company
	Resource    string // panels and modals; empty: the extension's resource
	View        string // panels and modals; empty: details, or the modal's view
	SelectedIDs []int64
	Theme       string // light or dark; empty: light
	Token       Token
	BasicAuth   Credentials
}

// SendCustomUI loads a Custom UI page (protocol.md, item 7): GET with id,
// userId, companyId, theme and token, plus resource, view and selectedIds
// for a panel or modal.
func (m *Marketplace) SendCustomUI(ctx context.Context, clientID string, r CustomUIRequest) (Exchange, error) {
	if !manifest.IsCustomUI(r.Type) {
		return Exchange{}, fmt.Errorf("marketplace: %q is not a Custom UI extension type", r.Type)
	}
	return m.sendExtension(ctx, clientID, extRequest{
		typ: r.Type, name: r.Extension, userID: r.UserID, companyID: r.CompanyID,
		resource: r.Resource, view: r.View, selectedIDs: r.SelectedIDs, theme: r.Theme,
		token: r.Token, creds: r.BasicAuth,
	})
}

// instanceID is a Custom UI extension's id, the one Developer Hub gives it:
// a UUID, the same for every load, derived here from the app and the
// extension's name.
func instanceID(clientID string, e manifest.Extension) string {
	h := sha256.Sum256([]byte(clientID + "\x00" + string(e.Type) + "\x00" + e.Name))
	h[6] = h[6]&0x0f | 0x50 // shaped as a version 5 UUID
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}
