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

// renderings writes a Pattern the ways a step using it may read: lists
// and access choices have more than one shape.
func renderings(p string) [][]string {
	base := strings.NewReplacer("{app}", `"_"`, "{company}", `"_"`, "{text}", `"_"`, "{call}", `"_"`,
		"{person}", "Name", "{people}", "Name").Replace(p)
	base = altRE.ReplaceAllString(base, "$1") // [a|b]: the first wording
	var out [][]string
	for _, access := range []string{"Name", "all users", "only me"} {
		for _, email := range []string{"", " and emails them"} {
			r := strings.NewReplacer("{access}", access, "{email}", email).Replace(base)
			out = append(out, strings.Fields(r))
			if !strings.Contains(base, "{access}") && !strings.Contains(base, "{email}") {
				return out
			}
		}
	}
	return out
}

// Nearest returns up to n of the vocabulary's phrases closest to an
// undefined step's text, closest first, by edit distance over words (a
// misspelt word costs less than a different one).
func Nearest(text string, n int) []Phrase { return NearestIn(Phrases(), text, n) }

// NearestIn is Nearest among the phrases given, written with the
// vocabulary's placeholders.
func NearestIn(phrases []Phrase, text string, n int) []Phrase {
	tw := words(text)
	type scored struct {
		p Phrase
		d float64
	}
	var all []scored
	for _, p := range phrases {
		best := distance(tw, words(p.Example))
		for _, r := range renderings(p.Pattern) {
			best = min(best, distance(tw, r))
		}
		all = append(all, scored{p, best})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].d < all[j].d })
	var out []Phrase
	for i := 0; i < len(all) && i < n; i++ {
		out = append(out, all[i].p)
	}
	return out
}

// distance is the edit distance between two word lists: inserting or
// dropping a word costs 1, replacing one costs how different the two words
// are (0 for the same word, ignoring case, up to 1).
func distance(a, b []string) float64 {
	prev := make([]float64, len(b)+1)
	cur := make([]float64, len(b)+1)
	for j := range prev {
		prev[j] = float64(j)
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = float64(i)
		for j := 1; j <= len(b); j++ {
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+wordCost(a[i-1], b[j-1]))
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// wordCost is the letter edit distance of two words over the longer one's
// length.
func wordCost(a, b string) float64 {
	a, b = strings.ToLower(a), strings.ToLower(b)
	if a == b {
		return 0
	}
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			c := 1
			if ra[i-1] == rb[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return float64(prev[len(rb)]) / float64(max(len(ra), len(rb)))
}
