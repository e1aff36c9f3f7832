// Package appsdk is both sides of @pipedrive/app-extensions-sdk as appcert
// needs them: the host side (host.js), which a marketplace page runs to
// answer the Custom UI pages it shows in iframes, and the SDK's own
// published build (sdk/index.umd.js, MIT), which the sample app's page
// loads. It also builds a Custom UI page's URL as the marketplace loads
// it, so that `appcert serve` and certify's browser checks load the same
// page the same way.
package appsdk

import (
	"crypto/sha256"
	_ "embed"
	"fmt"
	"net/url"
	"strconv"

	"github.com/appcert/appcert/manifest"
)

// HostJS is the host side of the SDK (0.15). The page that runs it holds
// its Custom UI pages in iframes of class "customui" with data-id set to
// the extension's id, and answers POST /sdk/token with {"token": …} (or
// {"error": …}) for the iframe's id; it posts what the pages ask to POST
// /sdk/log. Elements #sdk-state, #sdk-log, #snackbar, #dialog and
// #dialog-body show what happens, where the page has them.
//
//go:embed host.js
var HostJS []byte

// ClientJS is @pipedrive/app-extensions-sdk 0.15.1's dist/index.umd.js as
// published on npm (sdk/README, sdk/LICENSE.md): what an app's page loads.
//
//go:embed sdk/index.umd.js
var ClientJS []byte

// InstanceID is a Custom UI extension's id (Developer Hub's UUID), the
// same for every load: derived from the app and the extension.
func InstanceID(clientID string, e manifest.Extension) string {
	h := sha256.Sum256([]byte(clientID + "\x00" + string(e.Type) + "\x00" + e.Name))
	h[6] = h[6]&0x0f | 0x50 // shaped as a version 5 UUID
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// PageURL is a Custom UI page's URL as the marketplace loads it in an
// iframe (protocol.md, item 7): id, userId, companyId, token and theme
// (light), and resource, view (details) and selectedIds for a panel or
// modal.
func PageURL(clientID string, e manifest.Extension, userID, companyID int64, token string, selectedIDs string) string {
	q := url.Values{}
	q.Set("id", InstanceID(clientID, e))
	q.Set("userId", strconv.FormatInt(userID, 10))
	q.Set("companyId", strconv.FormatInt(companyID, 10))
	q.Set("token", token)
	q.Set("theme", "light")
	if e.Type == manifest.CustomUIPanel || e.Type == manifest.CustomUIModal {
		res := e.Resource
		if res == "" {
			res = manifest.ResourceDeal
		}
		q.Set("resource", res)
		q.Set("view", "details")
		if selectedIDs == "" {
			selectedIDs = "1"
		}
		q.Set("selectedIds", selectedIDs)
	}
	u, err := url.Parse(e.URL)
	if err != nil || u.RawQuery == "" {
		return e.URL + "?" + q.Encode()
	}
	return e.URL + "&" + q.Encode()
}
