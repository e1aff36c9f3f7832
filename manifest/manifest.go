// Package manifest reads and checks an app's manifest: the fields an app
// creator fills in the marketplace's developer settings (protocol.md, "The
// app's manifest"). Every error names the key it is about, so a bad manifest
// is fixed before anything is sent to the app.
package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/appcert/appcert/reference"
	"github.com/appcert/appcert/reference/scopes"
)

// Sharing modes (PD-SHARE-02): the reference model's type, whose values
// are the manifest's words.
const (
	ModeNone             = reference.ModeNone
	ModeAddToAccount     = reference.ModeAddToAccount
	ModeSharedExtensions = reference.ModeSharedExtensions
)

// Extension types: the surfaces an app can have (protocol.md, "The app's
// manifest"). Each is also the reference model's extension kind of the same
// name: the type is the model's one extension kind.
const (
	JSONPanel              = reference.JSONPanel
	LinkAction             = reference.LinkAction
	JSONModal              = reference.JSONModal
	CustomUIPanel          = reference.CustomUIPanel
	CustomUIModal          = reference.CustomUIModal
	CustomUIFloatingWindow = reference.CustomUIFloatingWindow
	CustomUISettings       = reference.CustomUISettings
)

// Resources an extension can sit on.
const (
	ResourceDeal         = "deal"
	ResourcePerson       = "person"
	ResourceOrganization = "organization"
	ResourceActivity     = "activity"
	ResourceProduct      = "product"
)

// Views an app action (link action, JSON modal, custom modal) opens from.
const (
	ViewDetails = "details"
	ViewList    = "list"
)

// surface says what each extension type takes (Pipedrive's docs:
// app-extensions-json-panels, app-extensions-actions,
// app-extensions-json-modals, custom-ui-extensions).
type surface struct {
	resources []string // none: the type sits on no record
	view      bool     // opens from a details or list view
	loginURL  bool
	schemaKey string // the key of its declared schema, if it takes one
}

var recordResources = []string{ResourceDeal, ResourcePerson, ResourceOrganization}
var actionResources = []string{ResourceDeal, ResourcePerson, ResourceOrganization, ResourceActivity, ResourceProduct}

var surfaces = map[reference.ExtensionKind]surface{
	JSONPanel:              {resources: recordResources, schemaKey: "data_schema"},
	LinkAction:             {resources: actionResources, view: true, loginURL: true},
	JSONModal:              {resources: actionResources, view: true, schemaKey: "schema"},
	CustomUIPanel:          {resources: recordResources},
	CustomUIModal:          {resources: actionResources, view: true},
	CustomUIFloatingWindow: {},
	CustomUISettings:       {},
}

// Types lists every extension type, in the order the README shows them.
func Types() []reference.ExtensionKind {
	return []reference.ExtensionKind{JSONPanel, LinkAction, JSONModal, CustomUIPanel, CustomUIModal, CustomUIFloatingWindow, CustomUISettings}
}

// IsCustomUI reports whether typ is a Custom UI extension: a page the
// marketplace loads in an iframe.
func IsCustomUI(typ reference.ExtensionKind) bool {
	switch typ {
	case CustomUIPanel, CustomUIModal, CustomUIFloatingWindow, CustomUISettings:
		return true
	}
	return false
}

// Resources lists the resources an extension of type typ may sit on; none
// for a type that sits on no record, or an unknown one.
func Resources(typ reference.ExtensionKind) []string {
	return append([]string(nil), surfaces[typ].resources...)
}

// App is an app's manifest, with defaults applied once it has been through
// Parse or Normalize.
type App struct {
	Name               string                `yaml:"name"`
	ClientID           string                `yaml:"client_id"`
	ClientSecret       string                `yaml:"client_secret"`
	CallbackURL        string                `yaml:"callback_url"`
	InstallationURL    string                `yaml:"installation_url"`
	SharingMode        reference.SharingMode `yaml:"sharing_mode"`
	AllowSpecificUsers bool                  `yaml:"allow_specific_users"`
	Scopes             []string              `yaml:"scopes"`
	Extensions         []Extension           `yaml:"extensions"`

	// Dir is where relative schema paths start: the manifest's folder
	// when it was loaded from a file, else the working directory.
	Dir string `yaml:"-"`
}

// Extension is one of the app's surfaces: a JSON panel, link action, JSON
// modal or Custom UI page.
type Extension struct {
	Type      reference.ExtensionKind `yaml:"type"`
	Name      string                  `yaml:"name"`
	Resource  string                  `yaml:"resource"`
	URL       string                  `yaml:"url"`
	JWTSecret string                  `yaml:"jwt_secret"`
	HTTPAuth  BasicAuth               `yaml:"http_auth"`
	// View is where an app action opens: details (the default) or list.
	View string `yaml:"view"`
	// LoginURL is where a link action may send a viewer it refuses
	// instead of answering 401 or 403 (a redirect to its path on the host
	// the request went to counts too); an entitled viewer sent there is
	// refused.
	LoginURL string `yaml:"login_url"`
	// DataSchema (JSON panels) and Schema (JSON modals) are the JSON Schema
	// files uploaded in Developer Hub, relative to the manifest.
	DataSchema string `yaml:"data_schema"`
	Schema     string `yaml:"schema"`
	// Declared is the compiled DataSchema or Schema, nil when none is
	// declared; Parse, Load and Normalize fill it in.
	Declared *Schema `yaml:"-"`
}

// BasicAuth is an extension's optional HTTP auth; empty means none.
type BasicAuth struct {
	Username string `yaml:"username"`
	Password string `yaml:"password"`
}

// Set reports whether HTTP auth is configured.
func (b BasicAuth) Set() bool { return b.Username != "" || b.Password != "" }

// Secret is the key that signs this extension's request tokens: its JWT
// secret, or else the app's client secret (PD-EXT-01).
func (a App) Secret(e Extension) string {
	if e.JWTSecret != "" {
		return e.JWTSecret
	}
	return a.ClientSecret
}

// Extension returns the app's first extension of type typ whose name is
// name; an empty name matches any.
func (a App) Extension(typ reference.ExtensionKind, name string) (Extension, bool) {
	for _, e := range a.Extensions {
		if e.Type == typ && (name == "" || e.Name == name) {
			return e, true
		}
	}
	return Extension{}, false
}

// Secrets lists every secret the manifest holds (client secret, JWT
// secrets, HTTP auth passwords), for checks that no answer leaks one.
func (a App) Secrets() []string {
	out := []string{a.ClientSecret}
	for _, e := range a.Extensions {
		if e.JWTSecret != "" {
			out = append(out, e.JWTSecret)
		}
		if e.HTTPAuth.Password != "" {
			out = append(out, e.HTTPAuth.Password)
		}
	}
	return out
}

// Error is one problem with a manifest. Key is the path of the key it is
// about ("extensions[1].url"), empty for the document as a whole.
type Error struct {
	Key  string
	Line int
	msg  string
}

func (e *Error) Error() string { return "manifest: " + e.msg }

func keyErr(key, format string, args ...any) *Error {
	return &Error{Key: key, msg: key + ": " + fmt.Sprintf(format, args...)}
}

// MaxSize is the largest manifest read: a real one is a few kilobytes, and
// a runaway one must not cost minutes and gigabytes before it is refused.
const MaxSize = 1 << 20

// MaxErrors is how many problems an error lists; the rest are counted.
const MaxErrors = 20

// maxEcho is how much of a value an error message quotes.
const maxEcho = 64

// Load reads and parses the manifest at path.
func Load(path string) (App, error) {
	f, err := os.Open(path)
	if err != nil {
		return App{}, fmt.Errorf("manifest: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > MaxSize {
		return App{}, tooBig(fi.Size())
	}
	// A pipe or a file still growing is cut one byte past the cap.
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return App{}, fmt.Errorf("manifest: %w", err)
	}
	return parse(data, filepath.Dir(path))
}

func tooBig(size int64) error {
	return &Error{msg: fmt.Sprintf("the manifest is %s; a manifest is at most 1 MiB", byteSize(size))}
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// clip shortens a value quoted in an error: a manifest value is never
// echoed in full, however long it is.
func clip(v string) string {
	if len(v) <= maxEcho {
		return v
	}
	cut := maxEcho - 4
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%s)", v[:cut], byteSize(int64(len(v))))
}

// joinErrors joins at most MaxErrors problems and counts the others.
func joinErrors(errs []error) error {
	if len(errs) > MaxErrors {
		more := len(errs) - MaxErrors
		errs = append(errs[:MaxErrors:MaxErrors], &Error{msg: fmt.Sprintf("… and %d more problems", more)})
	}
	return errors.Join(errs...)
}

// Parse decodes a YAML (or JSON) manifest, applies the defaults and checks
// it. An error lists every problem found, one a line. Schema files are
// read relative to the working directory.
func Parse(data []byte) (App, error) { return parse(data, "") }

func parse(data []byte, dir string) (App, error) {
	if len(data) > MaxSize {
		return App{}, tooBig(int64(len(data)))
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return App{}, &Error{msg: strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if len(doc.Content) == 0 {
		return App{}, &Error{msg: "the manifest is empty"}
	}
	if root := doc.Content[0]; root.Kind != yaml.MappingNode {
		return App{}, &Error{Line: root.Line, msg: fmt.Sprintf("line %d: the manifest must be a mapping of keys to values", root.Line)}
	}
	var a App
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&a); err != nil && !errors.Is(err, io.EOF) {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return App{}, &Error{msg: strings.TrimPrefix(err.Error(), "yaml: ")}
		}
		errs := make([]error, 0, len(te.Errors))
		for _, m := range te.Errors {
			errs = append(errs, typeError(doc.Content[0], m))
		}
		return App{}, joinErrors(errs)
	}
	a.Dir = dir
	return Normalize(a)
}

var (
	unknownField = regexp.MustCompile(`^line (\d+): field (.+) not found in type`)
	lineMsg      = regexp.MustCompile(`^line (\d+): (.*)$`)
)

// typeError turns one of yaml's messages into an Error naming the key, which
// yaml's own message doesn't (it names Go types instead).
func typeError(root *yaml.Node, m string) *Error {
	if sm := unknownField.FindStringSubmatch(m); sm != nil {
		line, _ := strconv.Atoi(sm[1])
		parent := keyAt(root, "", line, sm[2], true)
		e := &Error{Key: sm[2], Line: line, msg: fmt.Sprintf("unknown key %q (line %d)", clip(sm[2]), line)}
		if parent != "" {
			e.Key = parent + "." + sm[2]
			e.msg = parent + ": " + e.msg
		}
		return e
	}
	if sm := lineMsg.FindStringSubmatch(m); sm != nil {
		line, _ := strconv.Atoi(sm[1])
		detail := sm[2]
		collection := false
		if tm := cannotUnmarshal.FindStringSubmatch(detail); tm != nil {
			got := yamlKinds[tm[1]]
			if got == "" {
				got = "a " + strings.TrimPrefix(tm[1], "!!") + " value"
			}
			if tm[2] != "" {
				got += " " + strconv.Quote(clip(tm[2]))
			}
			detail = fmt.Sprintf("want %s, not %s", goKind(tm[3]), got)
			collection = tm[1] == "!!seq" || tm[1] == "!!map"
		}
		key := keyAt(root, "", line, "", false)
		if collection {
			key = collectionAt(root, "", line)
		}
		if key == "" {
			return &Error{Line: line, msg: fmt.Sprintf("line %d: %s", line, detail)}
		}
		return &Error{Key: key, Line: line, msg: fmt.Sprintf("%s: %s (line %d)", key, detail, line)}
	}
	return &Error{msg: m}
}

// cannotUnmarshal is yaml's message for a value of the wrong kind:
// "cannot unmarshal !!str `base` into []string".
var cannotUnmarshal = regexp.MustCompile("^cannot unmarshal (!!\\w+)(?: `(.*)`)? into (.+)$")

// yamlKinds name yaml's tags as a manifest's author knows them.
var yamlKinds = map[string]string{
	"!!str": "the text", "!!int": "the number", "!!float": "the number", "!!bool": "the boolean",
	"!!seq": "a list", "!!map": "a mapping", "!!null": "an empty value", "!!timestamp": "the date",
}

// goKind names a field's Go type as a manifest's author knows it.
func goKind(t string) string {
	switch {
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map["):
		return "a mapping"
	case t == "bool":
		return "true or false"
	case t == "string" || strings.HasSuffix(t, "Mode") || strings.HasSuffix(t, "Kind"):
		return "a single value"
	case strings.HasPrefix(t, "int") || strings.HasPrefix(t, "uint") || strings.HasPrefix(t, "float"):
		return "a number"
	}
	return "a mapping" // a struct of the manifest's
}

// collectionAt finds the path of the deepest list or mapping that begins
// at line: where yaml met a list or a mapping it could not take.
func collectionAt(n *yaml.Node, path string, line int) string {
	var children []*yaml.Node
	var paths []string
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			p := n.Content[i].Value
			if path != "" {
				p = path + "." + p
			}
			children, paths = append(children, n.Content[i+1]), append(paths, p)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			children, paths = append(children, c), append(paths, fmt.Sprintf("%s[%d]", path, i))
		}
	}
	for i, c := range children {
		if got := collectionAt(c, paths[i], line); got != "" {
			return got
		}
		if c.Kind != yaml.ScalarNode && c.Line == line {
			return paths[i]
		}
	}
	return ""
}

// keyAt finds the key path for a yaml message at line. With unknown set it
// returns the path of the mapping holding the key named name at that line;
// otherwise the path of the value at that line.
func keyAt(n *yaml.Node, path string, line int, name string, unknown bool) string {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if unknown && k.Line == line && k.Value == name {
				return path
			}
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			if !unknown && v.Line == line && v.Kind == yaml.ScalarNode {
				return p
			}
			if got := keyAt(v, p, line, name, unknown); got != "" {
				return got
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			if !unknown && c.Line == line && c.Kind == yaml.ScalarNode {
				return p
			}
			if got := keyAt(c, p, line, name, unknown); got != "" {
				return got
			}
		}
	}
	return ""
}

// Normalize applies the defaults (sharing_mode add_to_account; base among
// the scopes) and checks a. It serves apps built in Go as well as parsed
// ones.
func Normalize(a App) (App, error) {
	if a.SharingMode == "" {
		a.SharingMode = ModeAddToAccount
	}
	scs := make([]string, 0, len(a.Scopes)+1)
	hasBase := false
	for _, s := range a.Scopes {
		hasBase = hasBase || s == "base"
	}
	if !hasBase {
		// base is always granted (PD-SCOPE-01), so the manifest says so too.
		scs = append(scs, "base")
	}
	a.Scopes = append(scs, a.Scopes...)
	a.Extensions = append([]Extension(nil), a.Extensions...)

	var errs []error
	for _, k := range []struct{ key, val string }{
		{"client_id", a.ClientID}, {"client_secret", a.ClientSecret}, {"callback_url", a.CallbackURL},
	} {
		if k.val == "" {
			errs = append(errs, &Error{Key: k.key, msg: k.key + " is required"})
		}
	}
	if a.CallbackURL != "" {
		if err := checkURL("callback_url", a.CallbackURL); err != nil {
			errs = append(errs, err)
		}
	}
	if a.InstallationURL != "" {
		if err := checkURL("installation_url", a.InstallationURL); err != nil {
			errs = append(errs, err)
		}
	}
	switch a.SharingMode {
	case ModeNone, ModeAddToAccount, ModeSharedExtensions:
	default:
		errs = append(errs, keyErr("sharing_mode", "must be none, add_to_account or add_to_account_with_shared_extensions, not %q", clip(string(a.SharingMode))))
	}
	offset := len(scs) // index in the manifest as written, not after base was added
	seen := map[string]bool{}
	for i, s := range a.Scopes[offset:] {
		key := fmt.Sprintf("scopes[%d]", i)
		if _, ok := scopes.Lookup(s); !ok {
			errs = append(errs, keyErr(key, "unknown scope %q", clip(s)))
		} else if seen[s] {
			errs = append(errs, keyErr(key, "scope %q is listed twice", clip(s)))
		}
		seen[s] = true
	}
	names := map[string]int{}
	for i, e := range a.Extensions {
		p := fmt.Sprintf("extensions[%d]", i)
		sf, known := surfaces[e.Type]
		switch {
		case known:
		case e.Type == "":
			errs = append(errs, &Error{Key: p + ".type", msg: p + ".type is required"})
		default:
			errs = append(errs, keyErr(p+".type", "must be one of %s, not %q", typeList(), clip(string(e.Type))))
		}
		switch {
		case !known:
		case len(sf.resources) == 0 && e.Resource != "":
			errs = append(errs, keyErr(p+".resource", "a %s sits on no record, so it takes no resource (got %q)", e.Type, clip(e.Resource)))
		case len(sf.resources) > 0 && e.Resource == "":
			errs = append(errs, &Error{Key: p + ".resource", msg: p + ".resource is required"})
		case len(sf.resources) > 0 && !slices.Contains(sf.resources, e.Resource):
			errs = append(errs, keyErr(p+".resource", "a %s must be on %s, not %q", e.Type, orList(sf.resources), clip(e.Resource)))
		}
		if e.URL == "" {
			errs = append(errs, &Error{Key: p + ".url", msg: p + ".url is required"})
		} else if err := checkURL(p+".url", e.URL); err != nil {
			errs = append(errs, err)
		}
		if known && sf.view && e.View == "" {
			a.Extensions[i].View = ViewDetails
		}
		switch {
		case !known || e.View == "":
		case !sf.view:
			errs = append(errs, keyErr(p+".view", "a %s opens from no view; only app actions take view", e.Type))
		case e.View != ViewDetails && e.View != ViewList:
			errs = append(errs, keyErr(p+".view", "must be details or list, not %q", clip(e.View)))
		}
		if e.LoginURL != "" {
			if known && !sf.loginURL {
				errs = append(errs, keyErr(p+".login_url", "only a link_action takes login_url"))
			} else if err := checkURL(p+".login_url", e.LoginURL); err != nil {
				errs = append(errs, err)
			}
		}
		for _, k := range []struct{ key, path string }{{"data_schema", e.DataSchema}, {"schema", e.Schema}} {
			if k.path == "" {
				continue
			}
			if known && sf.schemaKey != k.key {
				want := "takes no declared schema"
				if sf.schemaKey != "" {
					want = "declares its schema under " + sf.schemaKey
				}
				errs = append(errs, keyErr(p+"."+k.key, "a %s %s", e.Type, want))
				continue
			}
			if e.Declared != nil && e.Declared.Path == k.path {
				continue // loaded already
			}
			sc, err := LoadSchema(a.Dir, k.path)
			if err != nil {
				errs = append(errs, keyErr(p+"."+k.key, "%v", err))
				continue
			}
			a.Extensions[i].Declared = sc
		}
		// Checks pick an extension by type and name, so two of the same
		// type must not share one.
		id := string(e.Type) + "\x00" + e.Name
		if j, ok := names[id]; ok {
			errs = append(errs, keyErr(p+".name", "%q is already the name of extensions[%d], of the same type", clip(e.Name), j))
		} else {
			names[id] = i
		}
	}
	if len(errs) > 0 {
		return App{}, joinErrors(errs)
	}
	return a, nil
}

// orList words a list as "a, b or c".
func orList(xs []string) string {
	if len(xs) < 2 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}

func checkURL(key, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return keyErr(key, "%q is not an http(s) URL", clip(raw))
	}
	return nil
}

func typeList() string {
	var ts []string
	for _, t := range Types() {
		ts = append(ts, string(t))
	}
	return strings.Join(ts, ", ")
}

// Declares reports whether the app declares an extension of kind k.
func (a App) Declares(k reference.ExtensionKind) bool {
	_, ok := a.Extension(k, "")
	return ok
}
