package scopes

import (
	"fmt"
	"math/bits"
	"strings"
)

// Set is a set of scopes: bit i is the i-th scope of Catalogue(). It is a
// value, so the model can copy and compare grants freely.
type Set uint32

const maxScopes = 32

// The bits of the two scopes that rules name. init checks them against the
// catalogue, so a reordered catalogue.txt cannot silently move them.
const (
	Base  Set = 1 << 0  // always granted (PD-SCOPE-01)
	Admin Set = 1 << 14 // needs an admin user (PD-SCOPE-05)
)

func init() {
	if cat.bit("base") != Base || cat.bit("admin") != Admin {
		panic("scopes: Base or Admin does not match catalogue.txt")
	}
}

// ParseSet returns the set of the named scopes. An unknown name is an error
// that names it and wraps ErrUnknownScope.
func ParseSet(names []string) (Set, error) {
	var s Set
	for _, n := range names {
		b := cat.bit(n)
		if b == 0 {
			return 0, fmt.Errorf("scopes: %w %q", ErrUnknownScope, n)
		}
		s |= b
	}
	return s, nil
}

// Has reports whether the named scope is in s; an unknown name is not.
func (s Set) Has(name string) bool {
	b := cat.bit(name)
	return b != 0 && s&b != 0
}

// With returns s plus the named scope. It panics on an unknown name: the
// names in code are constants, and a typo there is a programming error.
func (s Set) With(name string) Set {
	b := cat.bit(name)
	if b == 0 {
		panic(fmt.Sprintf("scopes: Set.With(%q): unknown scope", name))
	}
	return s | b
}

// Len is the number of scopes in s.
func (s Set) Len() int { return bits.OnesCount32(uint32(s)) }

// Names returns the scope names in catalogue order. Bits beyond the
// catalogue are ignored.
func (s Set) Names() []string {
	s &= cat.all
	out := make([]string, 0, s.Len())
	for s != 0 {
		i := bits.TrailingZeros32(uint32(s))
		out = append(out, cat.scopes[i].Name)
		s &^= 1 << i
	}
	return out
}

// String gives the names joined by ", ", or "(none)".
func (s Set) String() string {
	if s&cat.all == 0 {
		return "(none)"
	}
	return strings.Join(s.Names(), ", ")
}
