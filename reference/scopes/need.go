package scopes

import (
	"fmt"
	"math/bits"
)

// Call is one API call an app makes.
type Call struct {
	Method, Path string
}

// CallNeed is one call of a Need question, resolved: Match.Endpoint is its
// template and Match.Scopes every scope that grants it.
type CallNeed struct {
	Call  Call
	Match Match
}

// NeedResult is the smallest scope set granting every call, and each call
// resolved.
type NeedResult struct {
	Scopes Set
	Calls  []CallNeed
}

// Need returns the smallest set of scopes that grants every call: fewest
// scopes, then fewest endpoints granted in all (least privilege, as
// PD-SCOPE-08 asks of apps), then earliest in catalogue order. base is
// always in it and costs nothing. The answer is exact: the search only
// branches over scopes that grant some call, which is a handful.
//
// A call that does not resolve is an error naming it (1-based).
func Need(calls []Call) (NeedResult, error) {
	res := NeedResult{Scopes: Base, Calls: make([]CallNeed, len(calls))}
	var reqs []Set
	for i, c := range calls {
		m, err := MatchCall(c.Method, c.Path)
		if err != nil {
			return NeedResult{}, fmt.Errorf("call %d: %w", i+1, err)
		}
		res.Calls[i] = CallNeed{Call: c, Match: m}
		if m.Scopes&Base == 0 {
			reqs = append(reqs, m.Scopes)
		}
	}
	s := searcher{reqs: reduce(reqs), best: ^Set(0)}
	s.cover(0, 0)
	if s.best != ^Set(0) {
		res.Scopes |= s.best
	}
	return res, nil
}

// reduce drops duplicate requirements and those implied by a smaller one:
// a set that meets {a} also meets {a, b}.
func reduce(reqs []Set) []Set {
	var out []Set
	for i, r := range reqs {
		implied := false
		for j, q := range reqs {
			if q&r == q && (q != r || j < i) {
				implied = true
				break
			}
		}
		if !implied {
			out = append(out, r)
		}
	}
	return out
}

// searcher enumerates covers branching, at each step, over the scopes of
// the first requirement not yet met. Every inclusion-minimal cover is
// reached this way, so the best of them is the best of all.
type searcher struct {
	reqs     []Set
	best     Set
	bestSize int
	bestPriv int
}

func (s *searcher) cover(chosen Set, from int) {
	for from < len(s.reqs) && s.reqs[from]&chosen != 0 {
		from++
	}
	if s.best != ^Set(0) && chosen.Len() > s.bestSize {
		return
	}
	if from == len(s.reqs) {
		s.consider(chosen)
		return
	}
	if s.best != ^Set(0) && chosen.Len() == s.bestSize {
		return // one more scope is needed; that is already worse
	}
	for r := s.reqs[from]; r != 0; r &= r - 1 {
		s.cover(chosen|Set(1)<<bits.TrailingZeros32(uint32(r)), from+1)
	}
}

func (s *searcher) consider(c Set) {
	size, priv := c.Len(), privilege(c)
	switch {
	case s.best == ^Set(0):
	case size != s.bestSize:
		if size > s.bestSize {
			return
		}
	case priv != s.bestPriv:
		if priv > s.bestPriv {
			return
		}
	default:
		// Same size and privilege: the set holding the earliest scope
		// where the two differ comes first in catalogue order.
		diff := c ^ s.best
		if c&(diff&-diff) == 0 {
			return
		}
	}
	s.best, s.bestSize, s.bestPriv = c, size, priv
}

// privilege counts the distinct endpoints a set grants.
func privilege(c Set) int {
	words := len(cat.grants[0])
	n := 0
	for w := 0; w < words; w++ {
		var u uint64
		for t := c; t != 0; t &= t - 1 {
			u |= cat.grants[bits.TrailingZeros32(uint32(t))][w]
		}
		n += bits.OnesCount64(u)
	}
	return n
}
