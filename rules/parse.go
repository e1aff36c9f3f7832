package rules

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// What can be wrong with a line; a *ParseError wraps one of these so callers
// can tell them apart with errors.Is.
var (
	ErrMissingField = errors.New("missing field")
	ErrMalformedID  = errors.New("malformed ID")
	ErrDuplicateID  = errors.New("duplicate ID")
	ErrBadKind      = errors.New("bad kind")
	ErrBadSource    = errors.New("bad source")
	ErrBadAssumed   = errors.New("bad assumed marker")
	ErrNoGroup      = errors.New("rule before any group header")
)

// ParseError names the line of the catalogue that is wrong and why.
type ParseError struct {
	Line   int    // 1-based
	Err    error  // one of the Err… values above
	Detail string // what was found, for the message
}

func (e *ParseError) Error() string {
	if e.Detail == "" {
		return fmt.Sprintf("line %d: %v", e.Line, e.Err)
	}
	return fmt.Sprintf("line %d: %v: %s", e.Line, e.Err, e.Detail)
}

func (e *ParseError) Unwrap() error { return e.Err }

var (
	// Upper-case words joined by hyphens, then a number of at least two
	// digits, so IDs sort and read the same everywhere ("PD-SHARE-07").
	idPattern   = regexp.MustCompile(`^[A-Z]+(?:-[A-Z]+)*-[0-9]{2,}$`)
	seedPattern = regexp.MustCompile(`^[0-9]{3}$`)
)

var fieldNames = [...]string{"ID", "kind", "source", "assumed", "summary"}

// Parse reads a catalogue in the format described in the package comment.
// It stops at the first wrong line.
func Parse(r io.Reader) ([]Rule, error) {
	var (
		out   []Rule
		group string
		seen  = map[ID]int{} // ID -> line first seen
		sc    = bufio.NewScanner(r)
		n     int
	)
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "##"):
			continue
		case strings.HasPrefix(line, "#"):
			group = strings.TrimSpace(strings.TrimPrefix(line, "#"))
			continue
		}
		rule, err := parseLine(line)
		if err != nil {
			err.Line = n
			return nil, err
		}
		if group == "" {
			return nil, &ParseError{Line: n, Err: ErrNoGroup, Detail: string(rule.ID)}
		}
		if first, dup := seen[rule.ID]; dup {
			return nil, &ParseError{Line: n, Err: ErrDuplicateID,
				Detail: fmt.Sprintf("%s (first on line %d)", rule.ID, first)}
		}
		seen[rule.ID] = n
		rule.Group = group
		out = append(out, rule)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", n+1, err)
	}
	return out, nil
}

// parseLine checks one rule line; the caller fills in the line number.
func parseLine(line string) (Rule, *ParseError) {
	// The summary is the last field, so it may itself contain "|".
	f := strings.SplitN(line, "|", len(fieldNames))
	for i := range f {
		f[i] = strings.TrimSpace(f[i])
	}
	for i, name := range fieldNames {
		if i >= len(f) || f[i] == "" {
			return Rule{}, &ParseError{Err: ErrMissingField, Detail: name}
		}
	}
	id, kind, source, assumed, summary := f[0], f[1], f[2], f[3], f[4]

	if !idPattern.MatchString(id) {
		return Rule{}, &ParseError{Err: ErrMalformedID,
			Detail: fmt.Sprintf("%q (want upper-case words and a two-digit number, like PD-SHARE-07)", id)}
	}
	k := Kind(kind)
	if k != Marketplace && k != App {
		return Rule{}, &ParseError{Err: ErrBadKind,
			Detail: fmt.Sprintf("%q for %s (want M or A)", kind, id)}
	}
	if !validSource(source) {
		return Rule{}, &ParseError{Err: ErrBadSource,
			Detail: fmt.Sprintf("%q for %s (want seed numbers like 000,001, docs or -)", source, id)}
	}
	if assumed != "assumed" && assumed != "-" {
		return Rule{}, &ParseError{Err: ErrBadAssumed,
			Detail: fmt.Sprintf("%q for %s (want assumed or -)", assumed, id)}
	}
	return Rule{ID: ID(id), Kind: k, Source: source, Assumed: assumed == "assumed", Summary: summary}, nil
}

func validSource(s string) bool {
	if s == "-" || s == "docs" {
		return true
	}
	for _, p := range strings.Split(s, ",") {
		if !seedPattern.MatchString(p) {
			return false
		}
	}
	return true
}
