package marketplace

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/appcert/appcert/manifest"
)

// Limits of a JSON panel answer (protocol.md, PD-EXT-04).
const (
	maxPanelObjects = 10
	maxPanelFields  = 20 // besides header; protocol.md counts id among them
)

// panelSchema lists, as sentences, how a 200 answer to a JSON panel request
// departs from the documented schema and from the app's declared
// data_schema (nil: none declared); none means it conforms. Each departure
// from the declared schema names the JSON path of the value.
func panelSchema(body []byte, declared *manifest.Schema) []string {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var top any
	if err := dec.Decode(&top); err != nil {
		return []string{"the answer is not JSON: " + err.Error()}
	}
	if dec.More() {
		return []string{"the answer is not one JSON value: more follows it"}
	}
	obj, ok := top.(map[string]any)
	if !ok {
		return []string{fmt.Sprintf("the answer is a JSON %s; want an object with data", kind(top))}
	}
	data, ok := obj["data"]
	if !ok {
		return []string{`the answer has no "data"`}
	}
	var p []string
	checkDeclared := func(at string, o map[string]any) {
		for _, v := range declared.Validate(at, o) {
			p = append(p, fmt.Sprintf("%s: %s (the declared data_schema %s)", v.Path, v.Message, declared.Path))
		}
	}
	switch d := data.(type) {
	case map[string]any:
		p = item("data", d, false)
		checkDeclared("data", d)
	case []any:
		if len(d) > maxPanelObjects {
			p = append(p, fmt.Sprintf("data holds %d objects; at most %d", len(d), maxPanelObjects))
		}
		for i, v := range d {
			at := fmt.Sprintf("data[%d]", i)
			o, ok := v.(map[string]any)
			if !ok {
				p = append(p, fmt.Sprintf("%s is a JSON %s; want an object", at, kind(v)))
				continue
			}
			p = append(p, item(at, o, len(d) > 1)...)
			checkDeclared(at, o)
		}
	default:
		p = append(p, fmt.Sprintf("data is a JSON %s; want an object or an array of objects", kind(data)))
	}
	return p
}

// item checks one panel object; a header is needed only when the panel
// shows several (json-panels: "header" may be left out of a single object).
func item(at string, o map[string]any, several bool) []string {
	var p []string
	switch id := o["id"].(type) {
	case json.Number:
	case string:
		if id == "" {
			p = append(p, at+".id is empty")
		}
	case nil:
		p = append(p, at+" has no id")
	default:
		p = append(p, fmt.Sprintf("%s.id is a JSON %s; want a number or string", at, kind(id)))
	}
	h, isString := o["header"].(string)
	_, has := o["header"]
	switch {
	case has && !isString:
		p = append(p, fmt.Sprintf("%s.header is a JSON %s; want a string", at, kind(o["header"])))
	case several && h == "":
		p = append(p, at+" has no header (a non-empty string), which each of several objects needs")
	}
	n := len(o)
	if _, ok := o["header"]; ok {
		n--
	}
	if n > maxPanelFields {
		p = append(p, fmt.Sprintf("%s has %d fields besides header; at most %d", at, n, maxPanelFields))
	}
	keys := make([]string, 0, len(o))
	for k := range o {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "id" || k == "header" {
			continue
		}
		if msg := field(o[k]); msg != "" {
			p = append(p, fmt.Sprintf("%s.%s %s", at, k, msg))
		}
	}
	return p
}

func labelColor(c string) bool {
	switch c {
	case "green", "red", "blue", "yellow", "purple", "grey":
		return true
	}
	return false
}

// field checks one value against the documented field types; null stands
// for an empty field (assumed).
func field(v any) string {
	switch f := v.(type) {
	case nil, string, json.Number:
		return ""
	case []any: // tags
		for _, t := range f {
			if _, ok := t.(string); !ok {
				return "is an array with a non-string element; tags are an array of strings"
			}
		}
		return ""
	case map[string]any:
		return object(f)
	}
	return fmt.Sprintf("is a JSON %s, which is no documented field type", kind(v))
}

func object(f map[string]any) string {
	only := func(keys ...string) bool {
		allowed := map[string]bool{}
		for _, k := range keys {
			allowed[k] = true
		}
		for k := range f {
			if !allowed[k] {
				return false
			}
		}
		return true
	}
	_, hasMarkdown := f["markdown"]
	_, hasColor := f["color"]
	_, hasCode := f["code"]
	switch {
	case hasMarkdown:
		if _, ok := f["value"].(string); f["markdown"] != true || !ok || !only("markdown", "value") {
			return `is not markdown text: want {"markdown":true,"value":"…"}`
		}
	case hasColor:
		// A label longer than 40 characters is truncated by the
		// marketplace, not refused (protocol.md).
		c, _ := f["color"].(string)
		_, ok := f["label"].(string)
		if !labelColor(c) || !ok || !only("color", "label") {
			return `is not a label: want {"color":"green|red|blue|yellow|purple|grey","label":"…"}`
		}
	case hasCode:
		_, okc := f["code"].(string)
		_, okv := f["value"].(json.Number)
		if !okc || !okv || !only("code", "value") {
			return `is not a currency: want {"code":"USD","value":2000}`
		}
	default:
		_, okv := f["value"].(string)
		_, okl := f["label"]
		if lbl, isStr := f["label"].(string); okl && (!isStr || lbl == "") {
			okv = false
		}
		if e, has := f["external"]; has {
			if _, isBool := e.(bool); !isBool {
				okv = false
			}
		}
		if !okv || !only("label", "value", "external") {
			return "is an object of no documented field type (text, link, currency or label)"
		}
	}
	return ""
}

func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}
