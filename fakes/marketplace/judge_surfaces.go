package marketplace

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"

	"github.com/appcert/appcert/manifest"
	"github.com/appcert/appcert/reference"
	"github.com/appcert/appcert/rules"
)

// SurfaceName is how reports name an extension type: "JSON modal",
// "Custom UI panel".
func SurfaceName(typ reference.ExtensionKind) string {
	switch typ {
	case manifest.JSONPanel:
		return "JSON panel"
	case manifest.LinkAction:
		return "link action"
	case manifest.JSONModal:
		return "JSON modal"
	case manifest.CustomUIPanel:
		return "Custom UI panel"
	case manifest.CustomUIModal:
		return "Custom UI modal"
	case manifest.CustomUIFloatingWindow:
		return "Custom UI floating window"
	case manifest.CustomUISettings:
		return "Custom UI settings page"
	}
	return string(typ)
}

// extensionOf finds the manifest entry an exchange went to.
func (m *Marketplace) extensionOf(ex Exchange) (manifest.Extension, bool) {
	m.mu.Lock()
	a, ok := m.apps[ex.App]
	m.mu.Unlock()
	if !ok {
		return manifest.Extension{}, false
	}
	return a.m.Extension(reference.ExtensionKind(ex.Kind), ex.Extension)
}

// toLogin reports whether a redirect answer goes to the extension's
// login_url (its query may differ: apps add where to return to). A
// Location on the host the request went to, with the login_url's path, is
// the app's own login page too: an app served elsewhere than its manifest
// says (certifytest serves a handler on a port of its own) redirects to
// its login relatively, or on the host it was asked on.
func (m *Marketplace) toLogin(ex Exchange) bool {
	ext, ok := m.extensionOf(ex)
	if !ok || ext.LoginURL == "" {
		return false
	}
	loc, err1 := url.Parse(ex.Header.Get("Location"))
	login, err2 := url.Parse(ext.LoginURL)
	req, err3 := url.Parse(ex.Request.URL)
	if err1 != nil || err2 != nil || err3 != nil {
		return false
	}
	loc = req.ResolveReference(loc) // a relative Location is relative to the request
	if loc.Path != login.Path {
		return false
	}
	return loc.Scheme == login.Scheme && loc.Host == login.Host || loc.Scheme == req.Scheme && loc.Host == req.Host
}

// JudgeModalOpen judges the answer to a JSON modal's opening request: for
// an entitled viewer, 200 within the deadline (PD-EXT-03) with the modal's
// content {"data":{"blocks":{…},"actions":{…}}}, which the app's declared
// schema, if any, allows (PD-EXT-06); for a viewer to refuse, 401 or 403
// (PD-EXT-02, or want.Rule). Stack traces, secrets and other companies'
// records are never allowed (PD-EXT-02, PD-EXT-05).
func (m *Marketplace) JudgeModalOpen(ex Exchange, want Expectation) []Finding {
	return m.judgeModal(ex, want, false)
}

// JudgeModalSubmit judges the answer to a JSON modal's submit: for an
// entitled viewer, the documented success ({"success":{"message","type":
// "snackbar"}}) or error ({"error":{"message"}}, or block errors under
// data.blocks) shape within the deadline (PD-EXT-06, PD-EXT-03); for a
// viewer to refuse, 401 or 403 (want.Rule; PD-EXT-06 names a submit whose
// token names someone else).
func (m *Marketplace) JudgeModalSubmit(ex Exchange, want Expectation) []Finding {
	return m.judgeModal(ex, want, true)
}

func (m *Marketplace) judgeModal(ex Exchange, want Expectation, submit bool) []Finding {
	j := judgement{ex: ex, what: describe(ex)}
	rule := want.Rule
	if rule == "" {
		rule = rules.PDExt02
		if !want.Refuse {
			rule = rules.PDExt06
		}
	}
	if !j.answered(rules.PDExt03, m.deadline) {
		return j.out
	}
	if ex.Duration > ex.Deadline {
		j.fail(rules.PDExt03, "answered in %v, after the %v deadline", ex.Duration.Round(1e6), ex.Deadline)
	}
	if ex.Oversize {
		j.unreadable(!want.Refuse, rules.PDExt06, "the answer is larger than %d bytes; reading stopped there", len(ex.Body))
	}
	m.leaks(&j)
	echoes(&j, want)
	st := ex.Status
	switch {
	case want.Refuse && (st == 401 || st == 403):
	case want.Refuse && st >= 500:
		j.fail(rule, "answered %s; a refusal is 401 or 403, never a 5xx", statusText(ex))
	case want.Refuse:
		j.fail(rule, "answered %s; want a refusal, 401 or 403", statusText(ex))
	case submit && (st >= 500 || st < 200 || st >= 300 && st < 400):
		j.fail(rule, "answered %s; a submit is answered with 200 and its success, or its error", statusText(ex))
	case ex.Oversize:
	case submit:
		for _, p := range submitShape(st, ex.Body) {
			j.unreadable(true, rules.PDExt06, "%s", p)
		}
	case st != 200:
		j.fail(rule, "answered %s; an entitled viewer gets 200 with the modal's JSON", statusText(ex))
	default:
		ext, _ := m.extensionOf(ex)
		for _, p := range modalSchema(ex.Body, ext.Declared) {
			j.unreadable(true, rules.PDExt06, "%s", p)
		}
	}
	return j.out
}

// decodeAnswer decodes an answer body as one JSON object, or says why not.
func decodeAnswer(body []byte) (map[string]any, string) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var top any
	if err := dec.Decode(&top); err != nil {
		return nil, "the answer is not JSON: " + err.Error()
	}
	if dec.More() {
		return nil, "the answer is not one JSON value: more follows it"
	}
	obj, ok := top.(map[string]any)
	if !ok {
		return nil, fmt.Sprintf("the answer is a JSON %s; want an object", kind(top))
	}
	return obj, ""
}

// modalSchema lists how a JSON modal's opening answer departs from the
// modal format and the declared schema (which describes its data).
func modalSchema(body []byte, declared *manifest.Schema) []string {
	obj, bad := decodeAnswer(body)
	if bad != "" {
		return []string{bad}
	}
	data, ok := obj["data"].(map[string]any)
	if !ok {
		if _, has := obj["data"]; has {
			return []string{fmt.Sprintf("data is a JSON %s; want the modal's object {\"blocks\",\"actions\"}", kind(obj["data"]))}
		}
		return []string{`the answer has no "data" with the modal's blocks`}
	}
	var p []string
	blocks, ok := data["blocks"].(map[string]any)
	if !ok {
		p = append(p, fmt.Sprintf("data.blocks is a JSON %s; want an object of blocks by key", kind(data["blocks"])))
	}
	for _, k := range sortedKeys(blocks) {
		if _, ok := blocks[k].(map[string]any); !ok {
			p = append(p, fmt.Sprintf("data.blocks.%s is a JSON %s; want an object", k, kind(blocks[k])))
		}
	}
	if a, has := data["actions"]; has {
		if _, ok := a.(map[string]any); !ok {
			p = append(p, fmt.Sprintf("data.actions is a JSON %s; want an object of actions by key", kind(a)))
		}
	}
	for _, v := range declared.Validate("data", data) {
		p = append(p, fmt.Sprintf("%s: %s (the declared schema %s)", v.Path, v.Message, declared.Path))
	}
	return p
}

// submitShape lists how a JSON modal's submit answer, a 2xx or 4xx,
// departs from the documented success and error shapes
// (json-modals-user-interaction-handling).
func submitShape(status int, body []byte) []string {
	obj, bad := decodeAnswer(body)
	if bad != "" {
		return []string{bad}
	}
	if s, has := obj["success"]; has {
		if status != 200 {
			return []string{fmt.Sprintf("answered %d with a success; a success is 200", status)}
		}
		o, ok := s.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("success is a JSON %s; want {\"message\",\"type\":\"snackbar\"}", kind(s))}
		}
		var p []string
		if msg, _ := o["message"].(string); msg == "" {
			p = append(p, "success.message is missing or not a non-empty string")
		}
		if t, _ := o["type"].(string); t != "snackbar" {
			p = append(p, fmt.Sprintf("success.type is %v; want \"snackbar\"", o["type"]))
		}
		if l, has := o["link"]; has {
			lo, ok := l.(map[string]any)
			u, _ := lo["url"].(string)
			if !ok || u == "" {
				p = append(p, `success.link is not {"url","label"}`)
			}
		}
		return p
	}
	if e, has := obj["error"]; has {
		o, ok := e.(map[string]any)
		if msg, _ := o["message"].(string); !ok || msg == "" {
			return []string{`error is not {"message":"…"}`}
		}
		return nil
	}
	if d, ok := obj["data"].(map[string]any); ok {
		if _, ok := d["blocks"].(map[string]any); ok {
			return nil // block-level errors, shown in the modal
		}
	}
	return []string{`the answer is neither {"success":{…}} nor {"error":{…}} nor block errors under data.blocks`}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// sdkMarkers are what a Custom UI page that starts up carries: it loads
// and initialises @pipedrive/app-extensions-sdk. A refusal that carries
// one served the app's page after all.
var sdkMarkers = [][]byte{[]byte("app-extensions-sdk"), []byte("AppExtensionsSDK")}

// JudgeCustomUI judges a Custom UI page load: an entitled viewer gets the
// page (2xx, or a 3xx within the app); a viewer to refuse gets 401 or 403
// with none of the app's content (nothing that starts the SDK), never a
// 2xx page, a redirect or a 5xx (PD-EXT-02, or want.Rule). Stack traces,
// secrets and other companies' records are never allowed.
func (m *Marketplace) JudgeCustomUI(ex Exchange, want Expectation) []Finding {
	j := judgement{ex: ex, what: describe(ex)}
	rule := want.Rule
	if rule == "" {
		rule = rules.PDExt02
	}
	if !j.answered(rule, m.deadline) {
		return j.out
	}
	if ex.Oversize {
		j.fail(rule, "the answer is larger than %d bytes; reading stopped there", len(ex.Body))
	}
	m.leaks(&j)
	echoes(&j, want)
	st := ex.Status
	switch {
	case want.Refuse && (st == 401 || st == 403):
		for _, mk := range sdkMarkers {
			if i := bytes.Index(ex.Body, mk); i >= 0 {
				j.fail(rule, "refused with %d but the body is the app's page (it starts the SDK: %q)", st, excerpt(ex.Body, i, i+len(mk)))
				break
			}
		}
	case want.Refuse && st >= 500:
		j.fail(rule, "answered %s; a refusal is 401 or 403, never a 5xx", statusText(ex))
	case want.Refuse && st >= 200 && st < 300:
		j.fail(rule, "answered %s: served the page; want a refusal, 401 or 403", statusText(ex))
	case want.Refuse:
		j.fail(rule, "answered %s; want a refusal, 401 or 403", statusText(ex))
	case st >= 200 && st < 400:
	default:
		j.fail(rule, "answered %s; an entitled viewer gets the page", statusText(ex))
	}
	return j.out
}
