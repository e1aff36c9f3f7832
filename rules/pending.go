package rules

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"
)

// Pending is a catalogue rule that is not built yet, and what it lacks.
type Pending struct {
	ID      ID
	Missing string
}

//go:embed pending.txt
var pendingText string

var loadPending = sync.OnceValue(func() []Pending {
	ps, err := parsePending(pendingText)
	if err != nil {
		panic(fmt.Sprintf("rules: embedded pending.txt: %v", err)) // fixed at build time, parsed by the tests
	}
	return ps
})

// PendingRules returns the rules not built yet, in file order: the one
// place that says what the project does not do yet.
func PendingRules() []Pending { return append([]Pending(nil), loadPending()...) }

// IsPending reports whether the rule id is on the pending list.
func IsPending(id ID) bool {
	for _, p := range loadPending() {
		if p.ID == id {
			return true
		}
	}
	return false
}

func parsePending(text string) ([]Pending, error) {
	var out []Pending
	seen := map[ID]bool{}
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		raw, missing, ok := strings.Cut(line, "|")
		id, missing := ID(strings.TrimSpace(raw)), strings.TrimSpace(missing)
		if !ok || missing == "" {
			return nil, fmt.Errorf("line %d: want \"ID | what is missing\", got %q", n+1, line)
		}
		if !Valid(id) {
			return nil, fmt.Errorf("line %d: %s is not in the catalogue", n+1, id)
		}
		if seen[id] {
			return nil, fmt.Errorf("line %d: %s listed twice", n+1, id)
		}
		seen[id] = true
		out = append(out, Pending{ID: id, Missing: missing})
	}
	return out, nil
}
