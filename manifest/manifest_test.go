package manifest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const good = `name: Acme Deal Panel
client_id: acme-client
client_secret: acme-secret
callback_url: http://127.0.0.1:8080/callback
installation_url: ""
sharing_mode: add_to_account_with_shared_extensions
allow_specific_users: true
scopes: [deals:read]
extensions:
  - type: json_panel
    name: Deal summary
    resource: deal
    url: http://127.0.0.1:8080/panel
    jwt_secret: ""
    http_auth: {username: "u", password: "p4ssword"}
  - type: link_action
    name: Open in Acme
    resource: deal
    url: https://127.0.0.1:8080/action
    jwt_secret: jwt-key
`

func TestParse_Good(t *testing.T) {
	a, err := Parse([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	want := App{
		Name: "Acme Deal Panel", ClientID: "acme-client", ClientSecret: "acme-secret",
		CallbackURL: "http://127.0.0.1:8080/callback", SharingMode: ModeSharedExtensions,
		AllowSpecificUsers: true, Scopes: []string{"base", "deals:read"},
		Extensions: []Extension{
			{Type: JSONPanel, Name: "Deal summary", Resource: "deal", URL: "http://127.0.0.1:8080/panel", HTTPAuth: BasicAuth{"u", "p4ssword"}},
			{Type: LinkAction, Name: "Open in Acme", Resource: "deal", URL: "https://127.0.0.1:8080/action", JWTSecret: "jwt-key", View: ViewDetails},
		},
	}
	if !reflect.DeepEqual(a, want) {
		t.Fatalf("Parse =\n%+v\nwant\n%+v", a, want)
	}
	if got := a.Secret(a.Extensions[0]); got != "acme-secret" {
		t.Errorf("panel secret = %q, want the client secret", got)
	}
	if got := a.Secret(a.Extensions[1]); got != "jwt-key" {
		t.Errorf("link secret = %q, want the jwt secret", got)
	}
	if !a.Extensions[0].HTTPAuth.Set() || a.Extensions[1].HTTPAuth.Set() {
		t.Error("HTTPAuth.Set wrong")
	}
	if got := a.Secrets(); !reflect.DeepEqual(got, []string{"acme-secret", "p4ssword", "jwt-key"}) {
		t.Errorf("Secrets = %q", got)
	}
	if e, ok := a.Extension(LinkAction, ""); !ok || e.Name != "Open in Acme" {
		t.Errorf("Extension(link_action) = %+v, %v", e, ok)
	}
	if _, ok := a.Extension(JSONPanel, "nope"); ok {
		t.Error("Extension found a name that isn't there")
	}
}

func TestParse_Defaults(t *testing.T) {
	a, err := Parse([]byte(`{"client_id":"c","client_secret":"s","callback_url":"http://x/cb","scopes":["deals:read","base"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if a.SharingMode != ModeAddToAccount {
		t.Errorf("sharing_mode = %q, want the default add_to_account", a.SharingMode)
	}
	if !reflect.DeepEqual(a.Scopes, []string{"deals:read", "base"}) {
		t.Errorf("scopes = %q: base was there and must not be added twice", a.Scopes)
	}
	b, err := Parse([]byte("client_id: c\nclient_secret: s\ncallback_url: http://x/cb\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(b.Scopes, []string{"base"}) {
		t.Errorf("scopes = %q, want [base]", b.Scopes)
	}
}

func TestParse_Errors(t *testing.T) {
	const head = "client_id: c\nclient_secret: s\ncallback_url: http://x/cb\n"
	const ext = "extensions:\n  - {type: json_panel, resource: deal, url: 'http://x/p'}\n"
	cases := []struct {
		name, doc, want, key string
	}{
		{"unknown top key", "client_id: c\nclient_secret: s\nclient_sekret: s\ncallback_url: http://x/cb\n",
			`manifest: unknown key "client_sekret" (line 3)`, "client_sekret"},
		{"unknown extension key", head + ext + "  - {type: link_action, resource: deal, url: 'http://x/a', jwt_secrett: k}\n",
			`manifest: extensions[1]: unknown key "jwt_secrett" (line 6)`, "extensions[1].jwt_secrett"},
		{"unknown http_auth key", head + "extensions:\n  - type: json_panel\n    resource: deal\n    url: http://x/p\n    http_auth: {user: u}\n",
			`manifest: extensions[0].http_auth: unknown key "user" (line 8)`, "extensions[0].http_auth.user"},
		{"missing client_id", "client_secret: s\ncallback_url: http://x/cb\n", "manifest: client_id is required", "client_id"},
		{"missing client_secret", "client_id: c\ncallback_url: http://x/cb\n", "manifest: client_secret is required", "client_secret"},
		{"missing callback_url", "client_id: c\nclient_secret: s\n", "manifest: callback_url is required", "callback_url"},
		{"callback not http", "client_id: c\nclient_secret: s\ncallback_url: ftp://x/cb\n",
			`manifest: callback_url: "ftp://x/cb" is not an http(s) URL`, "callback_url"},
		{"callback no host", "client_id: c\nclient_secret: s\ncallback_url: 'http:///cb'\n",
			`manifest: callback_url: "http:///cb" is not an http(s) URL`, "callback_url"},
		{"installation url", head + "installation_url: mailto:a@b\n",
			`manifest: installation_url: "mailto:a@b" is not an http(s) URL`, "installation_url"},
		{"sharing mode", head + "sharing_mode: everyone\n",
			`manifest: sharing_mode: must be none, add_to_account or add_to_account_with_shared_extensions, not "everyone"`, "sharing_mode"},
		{"unknown scope", head + "scopes: [base, deals:read, deals:write]\n",
			`manifest: scopes[2]: unknown scope "deals:write"`, "scopes[2]"},
		{"duplicate scope", head + "scopes: [deals:read, deals:read]\n",
			`manifest: scopes[1]: scope "deals:read" is listed twice`, "scopes[1]"},
		{"extension type", head + "extensions:\n  - {type: modal, resource: deal, url: 'http://x/p'}\n",
			`manifest: extensions[0].type: must be one of json_panel, link_action, json_modal, custom_ui_panel, custom_ui_modal, custom_ui_floating_window, custom_ui_settings, not "modal"`, "extensions[0].type"},
		{"extension type missing", head + "extensions:\n  - {resource: deal, url: 'http://x/p'}\n",
			`manifest: extensions[0].type is required`, "extensions[0].type"},
		{"extension resource", head + "extensions:\n  - {type: json_panel, resource: lead, url: 'http://x/p'}\n",
			`manifest: extensions[0].resource: a json_panel must be on deal, person or organization, not "lead"`, "extensions[0].resource"},
		{"extension resource missing", head + "extensions:\n  - {type: json_panel, url: 'http://x/p'}\n",
			`manifest: extensions[0].resource is required`, "extensions[0].resource"},
		{"extension url", head + ext + "  - {type: link_action, resource: deal, url: 'ftp://x'}\n",
			`manifest: extensions[1].url: "ftp://x" is not an http(s) URL`, "extensions[1].url"},
		{"extension url missing", head + "extensions:\n  - {type: json_panel, resource: deal}\n",
			`manifest: extensions[0].url is required`, "extensions[0].url"},
		{"extension name twice", head + ext + ext[len("extensions:\n"):],
			`manifest: extensions[1].name: "" is already the name of extensions[0], of the same type`, "extensions[1].name"},
		{"wrong type", head + "allow_specific_users: sometimes\n",
			`manifest: allow_specific_users: want true or false, not the text "sometimes" (line 4)`, "allow_specific_users"},
		{"scopes not a list", head + "scopes: deals:read\n",
			`manifest: scopes: want a list, not the text "deals:read" (line 4)`, "scopes"},
		{"list for one value", head + "extensions:\n  - type: json_panel\n    resource: [deal]\n    url: http://x/p\n",
			`manifest: extensions[0].resource: want a single value, not a list (line 6)`, "extensions[0].resource"},
		{"mapping for a list", head + "scopes: {a: b}\n",
			`manifest: scopes: want a list, not a mapping (line 4)`, "scopes"},
		{"not yaml", "client_id: [\n", "manifest: line 1: did not find expected node content", ""},
		{"empty", "", "manifest: the manifest is empty", ""},
		{"not a mapping", "- a\n- b\n", "manifest: line 1: the manifest must be a mapping of keys to values", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.doc))
			if err == nil {
				t.Fatalf("Parse succeeded, want %s", tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("error =\n%s\nwant\n%s", err, tc.want)
			}
			var me *Error
			if !errors.As(err, &me) || me.Key != tc.key {
				t.Errorf("Error.Key = %+v, want %q", me, tc.key)
			}
		})
	}
}

func TestParse_ListsEveryProblem(t *testing.T) {
	_, err := Parse([]byte("callback_url: gopher://x\nscopes: [nope]\n"))
	if err == nil {
		t.Fatal("Parse succeeded")
	}
	lines := strings.Split(err.Error(), "\n")
	want := []string{
		"manifest: client_id is required",
		"manifest: client_secret is required",
		`manifest: callback_url: "gopher://x" is not an http(s) URL`,
		`manifest: scopes[0]: unknown scope "nope"`,
	}
	if !reflect.DeepEqual(lines, want) {
		t.Errorf("errors =\n%s\nwant\n%s", err, strings.Join(want, "\n"))
	}
}

func TestNormalize_GoBuiltApp(t *testing.T) {
	a, err := Normalize(App{ClientID: "c", ClientSecret: "s", CallbackURL: "https://x/cb"})
	if err != nil {
		t.Fatal(err)
	}
	if a.SharingMode != ModeAddToAccount || !reflect.DeepEqual(a.Scopes, []string{"base"}) {
		t.Errorf("Normalize = %+v", a)
	}
	if _, err := Normalize(App{ClientID: "c"}); err == nil {
		t.Error("Normalize accepted an app without a secret")
	}
}

func TestLoad_File(t *testing.T) {
	p := filepath.Join(t.TempDir(), "app.yaml")
	if err := os.WriteFile(p, []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	if a, err := Load(p); err != nil || a.ClientID != "acme-client" {
		t.Fatalf("Load = %+v, %v", a, err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml")); err == nil || !strings.HasPrefix(err.Error(), "manifest: ") {
		t.Errorf("Load of a missing file: %v", err)
	}
}

// A manifest above 1 MiB is refused with one line, before it is parsed;
// one at the cap is read.
func TestLoad_RefusesAManifestAbove1MiB(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString(good)
	b.WriteString("# ")
	for b.Len() < MaxSize-1 {
		b.WriteString("padding ")
	}
	atCap := b.String()[:MaxSize-1] + "\n"
	path := filepath.Join(dir, "at-cap.yaml")
	if err := os.WriteFile(path, []byte(atCap), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err != nil {
		t.Fatalf("a manifest of exactly 1 MiB: %v", err)
	}
	var scopes strings.Builder
	scopes.WriteString(strings.Replace(good, "scopes: [deals:read]\n", "scopes:\n", 1))
	for scopes.Len() <= 3*MaxSize {
		scopes.WriteString("  - no-such-scope\n")
	}
	path = filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(path, []byte(scopes.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if err == nil || err.Error() != "manifest: the manifest is 3.0 MiB; a manifest is at most 1 MiB" {
		t.Fatalf("Load: %v", err)
	}
	if _, err := Parse([]byte(scopes.String())); err == nil || !strings.Contains(err.Error(), "at most 1 MiB") {
		t.Fatalf("Parse: %v", err)
	}
}

// Many problems give the first MaxErrors and a count of the others.
func TestParse_CapsTheErrorList(t *testing.T) {
	doc := strings.Replace(good, "scopes: [deals:read]\n", "scopes:\n"+strings.Repeat("  - no-such-scope\n", 100), 1)
	_, err := Parse([]byte(doc))
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != MaxErrors+1 || lines[MaxErrors] != "manifest: … and 80 more problems" || !strings.Contains(lines[0], `scopes[0]: unknown scope "no-such-scope"`) {
		t.Fatalf("%d lines:\n%s", len(lines), err)
	}
}

// A long value is quoted in part, with its size, never in full.
func TestParse_NeverEchoesALongValue(t *testing.T) {
	long := strings.Repeat("x", 100_000)
	for _, doc := range []string{
		strings.Replace(good, "sharing_mode: add_to_account_with_shared_extensions", "sharing_mode: "+long, 1),
		strings.Replace(good, "scopes: [deals:read]", "scopes: ["+long+"]", 1),
		strings.Replace(good, "callback_url: http://127.0.0.1:8080/callback", "callback_url: "+long, 1),
	} {
		_, err := Parse([]byte(doc))
		if err == nil || len(err.Error()) > 200 || !strings.Contains(err.Error(), "xxxx… (97.7 KiB)") {
			t.Errorf("error of %d bytes: %.300v", len(fmt.Sprint(err)), err)
		}
	}
	// YAML keys are at most 1024 characters; an unknown one is clipped too.
	_, err := Parse([]byte(strings.Replace(good, "client_id: acme-client", "client_id: acme-client\n"+long[:1000]+": 1", 1)))
	if err == nil || len(err.Error()) > 200 || !strings.Contains(err.Error(), "xxxx… (1000 bytes)") {
		t.Errorf("unknown long key: %.300v", err)
	}
}
