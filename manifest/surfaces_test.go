package manifest

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/appcert/appcert/reference"
)

const surfacesHead = "client_id: c\nclient_secret: s\ncallback_url: http://x/cb\n"

func TestParse_EverySurfaceType(t *testing.T) {
	doc := surfacesHead + `extensions:
  - {type: json_panel, resource: organization, url: 'http://x/panel'}
  - {type: link_action, resource: product, view: list, url: 'http://x/a', login_url: 'http://x/login'}
  - {type: json_modal, resource: activity, url: 'http://x/modal'}
  - {type: custom_ui_panel, resource: person, url: 'http://x/ui'}
  - {type: custom_ui_modal, resource: deal, view: list, url: 'http://x/ui-modal'}
  - {type: custom_ui_floating_window, url: 'http://x/window'}
  - {type: custom_ui_settings, url: 'http://x/settings'}
`
	a, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	var got []reference.ExtensionKind
	for _, e := range a.Extensions {
		got = append(got, e.Type)
	}
	if !slices.Equal(got, Types()) {
		t.Errorf("types = %v, want %v", got, Types())
	}
	if v := a.Extensions[2].View; v != ViewDetails {
		t.Errorf("a JSON modal's view defaults to %q, want details", v)
	}
	if v := a.Extensions[1].View; v != ViewList {
		t.Errorf("link action view = %q, want list", v)
	}
	if v := a.Extensions[0].View; v != "" {
		t.Errorf("a JSON panel got view %q; it takes none", v)
	}
	for _, typ := range Types() {
		if IsCustomUI(typ) != strings.HasPrefix(string(typ), "custom_ui_") {
			t.Errorf("IsCustomUI(%s) = %v", typ, IsCustomUI(typ))
		}
	}
}

func TestParse_SurfaceErrorsNameTheKey(t *testing.T) {
	cases := []struct{ name, ext, want, key string }{
		{"panel on activity", "{type: json_panel, resource: activity, url: 'http://x/p'}",
			`extensions[0].resource: a json_panel must be on deal, person or organization, not "activity"`, "extensions[0].resource"},
		{"modal on lead", "{type: json_modal, resource: lead, url: 'http://x/p'}",
			`extensions[0].resource: a json_modal must be on deal, person, organization, activity or product, not "lead"`, "extensions[0].resource"},
		{"settings on a deal", "{type: custom_ui_settings, resource: deal, url: 'http://x/p'}",
			`extensions[0].resource: a custom_ui_settings sits on no record, so it takes no resource (got "deal")`, "extensions[0].resource"},
		{"custom panel without resource", "{type: custom_ui_panel, url: 'http://x/p'}",
			`extensions[0].resource is required`, "extensions[0].resource"},
		{"view of a panel", "{type: json_panel, resource: deal, view: list, url: 'http://x/p'}",
			`extensions[0].view: a json_panel opens from no view; only app actions take view`, "extensions[0].view"},
		{"unknown view", "{type: link_action, resource: deal, view: kanban, url: 'http://x/p'}",
			`extensions[0].view: must be details or list, not "kanban"`, "extensions[0].view"},
		{"login_url of a modal", "{type: json_modal, resource: deal, login_url: 'http://x/l', url: 'http://x/p'}",
			`extensions[0].login_url: only a link_action takes login_url`, "extensions[0].login_url"},
		{"login_url not http", "{type: link_action, resource: deal, login_url: 'javascript:x', url: 'http://x/p'}",
			`extensions[0].login_url: "javascript:x" is not an http(s) URL`, "extensions[0].login_url"},
		{"schema of a panel", "{type: json_panel, resource: deal, schema: s.json, url: 'http://x/p'}",
			`extensions[0].schema: a json_panel declares its schema under data_schema`, "extensions[0].schema"},
		{"data_schema of a link", "{type: link_action, resource: deal, data_schema: s.json, url: 'http://x/p'}",
			`extensions[0].data_schema: a link_action takes no declared schema`, "extensions[0].data_schema"},
		{"schema file missing", "{type: json_modal, resource: deal, schema: no-such.json, url: 'http://x/p'}",
			`extensions[0].schema: no-such.json cannot be read: no such file or directory`, "extensions[0].schema"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(surfacesHead + "extensions:\n  - " + tc.ext + "\n"))
			if err == nil {
				t.Fatalf("Parse succeeded, want %s", tc.want)
			}
			if err.Error() != "manifest: "+tc.want {
				t.Errorf("error =\n%s\nwant\nmanifest: %s", err, tc.want)
			}
			var me *Error
			if !errors.As(err, &me) || me.Key != tc.key {
				t.Errorf("Error.Key = %+v, want %q", me, tc.key)
			}
		})
	}
}

// writeManifest writes a manifest and its schema files into a fresh folder
// and returns the manifest's path.
func writeManifest(t *testing.T, manifest string, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(dir, "app.yaml")
	if err := os.WriteFile(p, []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const panelSchemaDoc = `{
  "type": "object",
  "properties": {
    "id": {"type": "integer"},
    "header": {"type": "string"},
    "stage": {"type": "string"},
    "amount": {"type": "object", "properties": {"code": {"type": "string"}, "value": {"type": "number"}}}
  },
  "required": ["id"]
}`

func TestLoad_SchemaRelativeToTheManifest(t *testing.T) {
	p := writeManifest(t, surfacesHead+"extensions:\n  - {type: json_panel, resource: deal, url: 'http://x/p', data_schema: schemas/panel.json}\n",
		map[string]string{"schemas/panel.json": panelSchemaDoc})
	wd, _ := os.Getwd()
	if filepath.Dir(p) == wd {
		t.Fatal("the manifest must not sit in the working directory, or this proves nothing")
	}
	a, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	s := a.Extensions[0].Declared
	if s == nil || s.Path != "schemas/panel.json" {
		t.Fatalf("Declared = %+v, want the compiled schemas/panel.json", s)
	}
	// Normalize again (as certify does) keeps it and reads nothing anew.
	if b, err := Normalize(a); err != nil || b.Extensions[0].Declared != s {
		t.Errorf("Normalize again: %v, declared %p want %p", err, b.Extensions[0].Declared, s)
	}
}

func TestLoad_SchemaErrorsNameThePlaceInTheFile(t *testing.T) {
	cases := []struct{ name, body, want string }{
		{"syntax", "{\n  \"type\": \"object\",\n  \"properties\": {,}\n}",
			`extensions[0].data_schema: schemas/panel.json is not JSON: line 3, column 18: invalid character ',' looking for beginning of object key string`},
		{"cut short", "{\"type\": \"object\"", `extensions[0].data_schema: schemas/panel.json is not JSON: line 1, column 18: the file ends early`},
		{"bad keyword", `{"type": "object", "properties": {"stage": {"type": "strin"}}}`,
			`extensions[0].data_schema: schemas/panel.json is not a JSON Schema: at /properties/stage/type: `},
		{"not an object", `[1, 2]`, `extensions[0].data_schema: schemas/panel.json is not a JSON Schema: want an object at the top`},
		{"trailing", `{"type": "object"} {}`, `extensions[0].data_schema: schemas/panel.json is not JSON: line 1, column 20: more follows the schema`},
		{"remote ref", `{"$ref": "http://203.0.113.9/evil.json"}`, `extensions[0].data_schema: schemas/panel.json is not a JSON Schema: `},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := writeManifest(t, surfacesHead+"extensions:\n  - {type: json_panel, resource: deal, url: 'http://x/p', data_schema: schemas/panel.json}\n",
				map[string]string{"schemas/panel.json": tc.body})
			_, err := Load(p)
			if err == nil {
				t.Fatal("Load succeeded")
			}
			if !strings.HasPrefix(err.Error(), "manifest: "+tc.want) {
				t.Errorf("error =\n%s\nwant it to start\nmanifest: %s", err, tc.want)
			}
			var me *Error
			if !errors.As(err, &me) || me.Key != "extensions[0].data_schema" {
				t.Errorf("Error.Key = %+v", me)
			}
		})
	}
}

func TestSchema_ValidateNamesTheUndeclaredProperty(t *testing.T) {
	s, err := CompileSchema([]byte(panelSchemaDoc))
	if err != nil {
		t.Fatal(err)
	}
	ok := map[string]any{"id": 1, "header": "Deal 1", "stage": "Won", "amount": map[string]any{"code": "EUR", "value": 5}}
	if v := s.Validate("data[0]", ok); len(v) != 0 {
		t.Errorf("a conforming object: %v", v)
	}
	bad := map[string]any{"id": 1, "secret_notes": "x", "amount": map[string]any{"code": "EUR", "value": 5, "rate": 1}}
	got := s.Validate("data[0]", bad)
	var paths []string
	for _, v := range got {
		paths = append(paths, v.Path)
	}
	if strings.Join(paths, " ") != "data[0].amount.rate data[0].secret_notes" {
		t.Errorf("violations = %v, want data[0].amount.rate and data[0].secret_notes", got)
	}
	wrongType := s.Validate("data", map[string]any{"id": "one"})
	if len(wrongType) != 1 || wrongType[0].Path != "data.id" {
		t.Errorf("a wrong type: %v, want one at data.id", wrongType)
	}
}

func TestSchema_KeepsWhatTheFileSaysOfAdditionalProperties(t *testing.T) {
	s, err := CompileSchema([]byte(`{"type":"object","properties":{"id":{}},"additionalProperties":{"type":"string"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if v := s.Validate("data", map[string]any{"id": 1, "extra": "fine"}); len(v) != 0 {
		t.Errorf("additionalProperties given by the file: %v", v)
	}
	if v := s.Validate("data", map[string]any{"id": 1, "extra": 2}); len(v) != 1 {
		t.Errorf("a non-string extra: %v, want one violation", v)
	}
}

// FuzzCompileSchema: no schema text makes compiling or validating panic,
// and a compiled schema validates any JSON value.
func FuzzCompileSchema(f *testing.F) {
	f.Add([]byte(panelSchemaDoc), []byte(`{"id":1,"x":2}`))
	f.Add([]byte(`{"$ref":"#/$defs/a","$defs":{"a":{"$ref":"#/$defs/a"}}}`), []byte(`[]`))
	f.Add([]byte(`{"pattern":"(a+)+$"}`), []byte(`"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!"`))
	f.Add([]byte(strings.Repeat(`{"items":`, 300)+`{}`+strings.Repeat(`}`, 300)), []byte(`[[[[1]]]]`))
	f.Fuzz(func(t *testing.T, schema, value []byte) {
		s, err := CompileSchema(schema)
		if err != nil {
			return
		}
		v, err := DecodeJSON(value)
		if err != nil {
			return
		}
		_ = s.Validate("data", v)
	})
}
