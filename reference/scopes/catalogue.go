// Package scopes is the Pipedrive scope catalogue (seeds/002) and the matcher
// that decides which scopes grant an API call (PD-SCOPE-01, PD-SCOPE-02).
//
// The catalogue is data: catalogue.txt, embedded, one endpoint a line. It is
// parsed and indexed once, at package initialisation, and never changed
// afterwards; every exported function returns copies.
package scopes

import (
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"strings"
)

//go:embed catalogue.txt
var catalogueText string

// Endpoint is one API endpoint as the catalogue lists it. Path is the
// template, with {param} segments: /deals/{id}.
type Endpoint struct {
	Method string
	Path   string
}

// String gives "GET /deals/{id}".
func (e Endpoint) String() string { return e.Method + " " + e.Path }

// Scope is one scope of the catalogue: its name (deals:read), its title and
// description in the Developer Hub, and the endpoints it grants, in the
// seed's order.
type Scope struct {
	Name        string
	Title       string
	Description string
	Endpoints   []Endpoint
}

// Errors returned, wrapped with the offending value, by MatchCall, Check,
// Need and ParseSet.
var (
	ErrUnknownMethod   = errors.New("unknown method")
	ErrUnknownEndpoint = errors.New("unknown endpoint")
	ErrUnknownScope    = errors.New("unknown scope")
)

// methods are the HTTP methods the catalogue uses; any other is unknown.
// An array, not a slice, so that it cannot be changed.
var methods = [...]string{"GET", "POST", "PUT", "PATCH", "DELETE"}

// methodIndex finds m ignoring ASCII case only: strings.EqualFold would also
// take "POſT" (long s) for POST.
func methodIndex(m string) int {
	for i, k := range methods {
		if len(m) == len(k) && asciiUpperEqual(m, k) {
			return i
		}
	}
	return -1
}

func asciiUpperEqual(s, upper string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != upper[i] {
			return false
		}
	}
	return true
}

// cat is built once from the embedded data and only read afterwards.
var cat = mustBuild(catalogueText)

func mustBuild(text string) *catalogue {
	c, err := build(text)
	if err != nil {
		// The data is part of the binary: a bad file is a build error.
		panic("scopes: catalogue.txt: " + err.Error())
	}
	return c
}

// Catalogue returns every scope, in the seed's order (bit i of a Set is the
// i-th scope).
func Catalogue() []Scope {
	out := make([]Scope, len(cat.scopes))
	for i, s := range cat.scopes {
		out[i] = s
		out[i].Endpoints = slices.Clone(s.Endpoints)
	}
	return out
}

// Lookup returns the scope with the given name.
func Lookup(name string) (Scope, bool) {
	i, ok := cat.byName[name]
	if !ok {
		return Scope{}, false
	}
	s := cat.scopes[i]
	s.Endpoints = slices.Clone(s.Endpoints)
	return s, true
}

// parse reads the catalogue text format described at the top of
// catalogue.txt.
func parse(text string) ([]Scope, error) {
	var scopes []Scope
	seen := map[string]bool{}
	var listed map[Endpoint]bool
	for n, line := range strings.Split(text, "\n") {
		lineNo := n + 1
		line = strings.TrimRight(line, "\r")
		switch {
		case strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#"):
			continue
		case strings.HasPrefix(line, "scope "):
			if k := len(scopes); k > 0 && len(scopes[k-1].Endpoints) == 0 {
				return nil, fmt.Errorf("line %d: scope %q lists no endpoints", lineNo, scopes[k-1].Name)
			}
			parts := strings.Split(strings.TrimPrefix(line, "scope "), " | ")
			if len(parts) != 3 {
				return nil, fmt.Errorf("line %d: want \"scope NAME | TITLE | DESCRIPTION\", got %q", lineNo, line)
			}
			s := Scope{Name: parts[0], Title: parts[1], Description: parts[2]}
			if s.Name == "" || strings.ContainsAny(s.Name, " ,|") || s.Title == "" {
				return nil, fmt.Errorf("line %d: bad scope name or title in %q", lineNo, line)
			}
			if seen[s.Name] {
				return nil, fmt.Errorf("line %d: scope %q listed twice", lineNo, s.Name)
			}
			seen[s.Name] = true
			scopes = append(scopes, s)
			listed = map[Endpoint]bool{}
		default:
			if len(scopes) == 0 {
				return nil, fmt.Errorf("line %d: endpoint before the first scope line", lineNo)
			}
			method, path, ok := strings.Cut(line, " ")
			if !ok || strings.Contains(path, " ") {
				return nil, fmt.Errorf("line %d: want \"METHOD /path\", got %q", lineNo, line)
			}
			if i := methodIndex(method); i < 0 || methods[i] != method {
				return nil, fmt.Errorf("line %d: method %q is not one of %v", lineNo, method, methods)
			}
			if _, err := parseTemplate(path); err != nil {
				return nil, fmt.Errorf("line %d: %w", lineNo, err)
			}
			e := Endpoint{Method: method, Path: path}
			if listed[e] {
				return nil, fmt.Errorf("line %d: %s listed twice under %s", lineNo, e, scopes[len(scopes)-1].Name)
			}
			listed[e] = true
			s := &scopes[len(scopes)-1]
			s.Endpoints = append(s.Endpoints, e)
		}
	}
	if len(scopes) == 0 {
		return nil, errors.New("no scopes")
	}
	if last := scopes[len(scopes)-1]; len(last.Endpoints) == 0 {
		return nil, fmt.Errorf("scope %q lists no endpoints", last.Name)
	}
	if len(scopes) > maxScopes {
		return nil, fmt.Errorf("%d scopes; a Set holds at most %d", len(scopes), maxScopes)
	}
	return scopes, nil
}
