package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// english words the validator's messages.
var english = message.NewPrinter(language.English)

// MaxSchemaSize bounds a declared schema file: Developer Hub takes small
// files, and a hostile one must not take the harness's memory (assumed).
const MaxSchemaSize = 1 << 20

// Schema is a JSON Schema an app declared for an extension's answers: a
// JSON panel's data_schema or a JSON modal's schema, uploaded in Developer
// Hub. Objects it describes take no property it does not declare, as the
// marketplace enforces (protocol.md): where the file leaves
// additionalProperties out, it is false.
type Schema struct {
	Path string // as the manifest names it
	s    *jsonschema.Schema
}

// Violation is one way a value departs from a Schema. Path is the JSON path
// of the offending value ("data[0].notes"), Message says what is wrong.
type Violation struct {
	Path    string
	Message string
}

func (v Violation) String() string { return v.Path + ": " + v.Message }

// LoadSchema reads and compiles the schema file at path (relative paths
// against dir). A file that is not JSON or not a JSON Schema is an error
// naming the place in the file: the line and column of a syntax error, the
// JSON pointer of a bad keyword.
func LoadSchema(dir, path string) (*Schema, error) {
	full := path
	if !filepath.IsAbs(full) {
		full = filepath.Join(dir, path)
	}
	f, err := os.Open(full)
	if err != nil {
		return nil, fmt.Errorf("%s cannot be read: %w", path, unwrapPathError(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSchemaSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s cannot be read: %w", path, err)
	}
	if len(data) > MaxSchemaSize {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, MaxSchemaSize)
	}
	s, err := CompileSchema(data)
	if err != nil {
		return nil, fmt.Errorf("%s %w", path, err)
	}
	s.Path = path
	return s, nil
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// schemaURL names the one schema a compiler holds; nothing else loads.
const schemaURL = "mem:///declared.json"

// refuseLoader refuses every URL, so a schema's $ref reaches no file or
// network address: a declared schema must stand alone.
type refuseLoader struct{}

func (refuseLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("refers to %s; a declared schema must stand alone", url)
}

// CompileSchema compiles a schema from its JSON text. Its error starts with
// where in the text the problem is.
func CompileSchema(data []byte) (*Schema, error) {
	// encoding/json first: it says where a syntax error is.
	dec := json.NewDecoder(bytes.NewReader(data))
	var skip json.RawMessage
	if err := dec.Decode(&skip); err != nil {
		return nil, fmt.Errorf("is not JSON: %s", syntaxPlace(data, err))
	}
	end := int(dec.InputOffset())
	if rest := bytes.TrimLeft(data[end:], " \t\r\n"); len(rest) > 0 {
		line, col := lineCol(data, len(data)-len(rest))
		return nil, fmt.Errorf("is not JSON: line %d, column %d: more follows the schema", line, col)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("is not JSON: %v", err)
	}
	if _, ok := doc.(map[string]any); !ok {
		if _, isBool := doc.(bool); !isBool {
			return nil, errors.New("is not a JSON Schema: want an object at the top")
		}
	}
	closeObjects(doc, 0)
	c := jsonschema.NewCompiler()
	c.UseLoader(refuseLoader{})
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, fmt.Errorf("is not a JSON Schema: %v", err)
	}
	s, err := c.Compile(schemaURL)
	if err != nil {
		return nil, fmt.Errorf("is not a JSON Schema: %s", compileReason(err))
	}
	return &Schema{s: s}, nil
}

// maxSchemaDepth bounds closeObjects' recursion on hostile nesting; the
// compiler refuses what is deeper than it can hold anyway.
const maxSchemaDepth = 200

// closeObjects sets additionalProperties false on every subschema that
// declares properties and leaves additionalProperties (and
// patternProperties) out: the marketplace takes no undeclared property.
func closeObjects(v any, depth int) {
	if depth > maxSchemaDepth {
		return
	}
	switch n := v.(type) {
	case map[string]any:
		_, props := n["properties"]
		_, addl := n["additionalProperties"]
		_, pattern := n["patternProperties"]
		_, unevaluated := n["unevaluatedProperties"]
		if props && !addl && !pattern && !unevaluated {
			n["additionalProperties"] = false
		}
		for k, c := range n {
			if k == "enum" || k == "const" || k == "examples" || k == "default" {
				continue // values, not schemas
			}
			closeObjects(c, depth+1)
		}
	case []any:
		for _, c := range n {
			closeObjects(c, depth+1)
		}
	}
}

// Validate checks v, a value decoded as jsonschema.UnmarshalJSON or
// encoding/json with UseNumber does, against s; at is the JSON path of v
// in the answer ("data[0]"). No violations means v conforms.
func (s *Schema) Validate(at string, v any) []Violation {
	if s == nil || s.s == nil {
		return nil
	}
	err := s.s.Validate(v)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []Violation{{Path: at, Message: err.Error()}}
	}
	var out []Violation
	leaves(ve, at, &out)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// leaves collects the innermost errors, each with the JSON path of the
// value it is about; an undeclared property is named by its own path.
func leaves(e *jsonschema.ValidationError, at string, out *[]Violation) {
	if len(e.Causes) > 0 {
		for _, c := range e.Causes {
			leaves(c, at, out)
		}
		return
	}
	path := jsonPath(at, e.InstanceLocation)
	if ap, ok := e.ErrorKind.(*kind.AdditionalProperties); ok {
		for _, p := range ap.Properties {
			*out = append(*out, Violation{Path: jsonPath(path, []string{p}), Message: "the declared schema does not allow this property"})
		}
		return
	}
	*out = append(*out, Violation{Path: path, Message: e.ErrorKind.LocalizedString(english)})
}

// jsonPath appends a JSON pointer's tokens to a path in the dotted form
// the judges print: data[0].notes, data["odd key"].
func jsonPath(at string, tokens []string) string {
	var b strings.Builder
	b.WriteString(at)
	for _, t := range tokens {
		if _, err := strconv.Atoi(t); err == nil {
			b.WriteString("[" + t + "]")
			continue
		}
		if plainKey(t) {
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(t)
			continue
		}
		b.WriteString("[" + strconv.Quote(t) + "]")
	}
	if b.Len() == 0 {
		return "(the whole value)"
	}
	return b.String()
}

func plainKey(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9' {
			continue
		}
		return false
	}
	return true
}

func syntaxPlace(data []byte, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := lineCol(data, int(se.Offset)-1) // Offset is just past the bad byte
		return fmt.Sprintf("line %d, column %d: %s", line, col, se.Error())
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		line, col := lineCol(data, len(data))
		return fmt.Sprintf("line %d, column %d: the file ends early", line, col)
	}
	return err.Error()
}

func lineCol(data []byte, off int) (line, col int) {
	off = min(max(off, 0), len(data))
	line = 1 + bytes.Count(data[:off], []byte("\n"))
	col = off - bytes.LastIndexByte(data[:off], '\n')
	return line, col
}

// compileReason words a compile error with the JSON pointer of each bad
// keyword: the place in the file.
func compileReason(err error) string {
	var sve *jsonschema.SchemaValidationError
	var ve *jsonschema.ValidationError
	if errors.As(err, &sve) && errors.As(sve.Err, &ve) {
		var parts []string
		var walk func(e *jsonschema.ValidationError)
		walk = func(e *jsonschema.ValidationError) {
			if len(e.Causes) > 0 {
				for _, c := range e.Causes {
					walk(c)
				}
				return
			}
			ptr := ""
			for _, t := range e.InstanceLocation {
				ptr += "/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(t)
			}
			if ptr == "" {
				ptr = "/"
			}
			parts = append(parts, "at "+ptr+": "+e.ErrorKind.LocalizedString(english))
		}
		walk(ve)
		sort.Strings(parts)
		return strings.Join(parts, "; ")
	}
	return strings.ReplaceAll(err.Error(), schemaURL, "the file")
}

// DecodeJSON decodes an answer the way Validate reads it: numbers kept
// exact.
func DecodeJSON(data []byte) (any, error) { return jsonschema.UnmarshalJSON(bytes.NewReader(data)) }
