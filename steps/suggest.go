package steps

import (
	"regexp"
	"sort"
	"strings"
)

var (
	quotedRE = regexp.MustCompile(`"[^"]*"`)
	altRE    = regexp.MustCompile(`\[([^|\]]*)[^\]]*\]`)
)

// words splits a step for comparison: quoted values all count as one and
// the same word, since they are the step's arguments, not its phrase.
func words(s string) []string {
	return strings.Fields(quotedRE.ReplaceAllString(s, ` "_" `))
}

// patternWords writes a Pattern the way a step using it reads.
func patternWords(p string) []string {
	r := strings.NewReplacer("{app}", `"_"`, "{company}", `"_"`, "{text}", `"_"`, "{call}", `"_"`,
		"{person}", "Name", "{people}", "Name", "{access}", "Name", "{email}", "")
	p = r.Replace(p)
	// [a|b] alternatives: keep the first.
	p = altRE.ReplaceAllString(p, "$1")
	return strings.Fields(p)
}

// Nearest returns up to n phrases closest to an undefined step's text,
// closest first, by edit distance over words.
func Nearest(text string, n int) []Phrase {
	tw := words(text)
	type scored struct {
		p Phrase
		d int
	}
	var all []scored
	for _, d := range table {
		dist := min(distance(tw, words(d.Example)), distance(tw, patternWords(d.Pattern)))
		all = append(all, scored{d.Phrase, dist})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].d < all[j].d })
	var out []Phrase
	for i := 0; i < len(all) && i < n; i++ {
		out = append(out, all[i].p)
	}
	return out
}

// distance is the Levenshtein distance between two word lists, ignoring
// case.
func distance(a, b []string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if strings.EqualFold(a[i-1], b[j-1]) {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
