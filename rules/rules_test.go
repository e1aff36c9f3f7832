package rules

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"testing"
)

// baseFamilies is how many rules each family has in the shared rules.md;
// rules numbered above these are the project's own and must be assumed.
var baseFamilies = map[string]int{
	"PD-SHARE":  25,
	"PD-SCOPE":  8,
	"PD-EXT":    6,
	"PD-UNINST": 2,
	"PD-OAUTH":  6,
	"PD-API":    3,
	"PC":        10,
	"ZM":        24,
	"X":         3,
}

// family splits "PD-SHARE-13" into "PD-SHARE" and 13.
func family(id string) (string, int) {
	i := strings.LastIndex(id, "-")
	n, err := strconv.Atoi(id[i+1:])
	if i < 0 || err != nil {
		return "", 0
	}
	return id[:i], n
}

func TestCatalogue_Parses(t *testing.T) {
	rs, err := Parse(strings.NewReader(catalogueText))
	if err != nil {
		t.Fatalf("catalogue.txt: %v", err)
	}
	if len(rs) == 0 {
		t.Fatal("catalogue.txt has no rules")
	}
	if got := len(All()); got != len(rs) {
		t.Fatalf("All() has %d rules, the file %d", got, len(rs))
	}
}

func TestCatalogue_IDsAreUnique(t *testing.T) {
	seen := map[ID]bool{}
	for _, r := range All() {
		if seen[r.ID] {
			t.Errorf("%s appears twice", r.ID)
		}
		seen[r.ID] = true
	}
}

func TestCatalogue_FamilyCountsMatchRulesMD(t *testing.T) {
	have := map[string]map[int]Rule{}
	for _, r := range All() {
		f, n := family(string(r.ID))
		if have[f] == nil {
			have[f] = map[int]Rule{}
		}
		have[f][n] = r
	}
	kinds := map[Kind]int{}
	for f, want := range baseFamilies {
		for n := 1; n <= want; n++ {
			r, ok := have[f][n]
			if !ok {
				t.Errorf("%s-%02d is missing", f, n)
				continue
			}
			kinds[r.Kind]++
		}
	}
	for f, byNum := range have {
		for n, r := range byNum {
			if n > baseFamilies[f] && !r.Assumed {
				t.Errorf("%s is not in rules.md, so it must be marked assumed", r.ID)
			}
		}
	}
	// Kinds of the rules.md rules: 4 PD-SHARE, 2 PD-SCOPE, 5 PD-EXT,
	// 1 PD-UNINST, 5 PD-OAUTH and 1 PD-API rules are app rules.
	if kinds[Marketplace] != 69 || kinds[App] != 18 {
		t.Errorf("rules.md rules by kind: %d M, %d A; want 69 M, 18 A", kinds[Marketplace], kinds[App])
	}
}

func TestCatalogue_FamilyStaysInOneGroup(t *testing.T) {
	groupOf := map[string]string{}
	for _, r := range All() {
		if r.Group == "" {
			t.Errorf("%s has no group", r.ID)
		}
		f, _ := family(string(r.ID))
		if g, ok := groupOf[f]; ok && g != r.Group {
			t.Errorf("%s is in group %q, other %s rules in %q", r.ID, r.Group, f, g)
		}
		groupOf[f] = r.Group
	}
}

func TestCatalogue_AssumedOnlyWhereRulesMDSaysSo(t *testing.T) {
	var got []string
	for _, r := range All() {
		if f, n := family(string(r.ID)); r.Assumed && n <= baseFamilies[f] {
			got = append(got, string(r.ID))
		}
	}
	want := "PD-SHARE-20,PC-07,PC-08,PC-09,PC-10,ZM-15,ZM-16,ZM-17,ZM-18,ZM-19,ZM-20,ZM-21,ZM-22,ZM-23,ZM-24"
	if strings.Join(got, ",") != want {
		t.Errorf("assumed rules.md rules = %v, want %s", got, want)
	}
}

func TestCatalogue_MatchesSharedRules(t *testing.T) {
	const path = "../../shared/rules.md"
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("skipping: shared rules.md not found at %s (relative to rules/); the repository is checked out without the shared folder beside it", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	type row struct {
		kind, group string
		assumed     bool
		line        int
	}
	rows := map[string]row{}
	var order []string
	group := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if h, ok := strings.CutPrefix(line, "## "); ok {
			group = strings.TrimSpace(h)
			continue
		}
		cells := strings.Split(line, "|")
		if !strings.HasPrefix(line, "|") || len(cells) < 4 {
			continue
		}
		id, kind := strings.TrimSpace(cells[1]), strings.TrimSpace(cells[2])
		if id == "ID" || strings.Trim(id, "-") == "" {
			continue // header and separator rows
		}
		if _, dup := rows[id]; dup {
			t.Errorf("%s:%d: %s listed twice", path, n, id)
		}
		rows[id] = row{kind: kind, group: group, assumed: strings.Contains(line, "*(assumed"), line: n}
		order = append(order, id)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatalf("%s: no | ID | kind | rows found; has its format changed?", path)
	}

	for _, id := range order {
		want := rows[id]
		r, ok := Lookup(ID(id))
		if !ok {
			t.Errorf("%s:%d: %s is missing from catalogue.txt", path, want.line, id)
			continue
		}
		if string(r.Kind) != want.kind {
			t.Errorf("%s: kind %s in catalogue.txt, %s in rules.md", id, r.Kind, want.kind)
		}
		if r.Group != want.group {
			t.Errorf("%s: group %q in catalogue.txt, %q in rules.md", id, r.Group, want.group)
		}
		if r.Assumed != want.assumed {
			t.Errorf("%s: assumed %v in catalogue.txt, %v in rules.md", id, r.Assumed, want.assumed)
		}
	}
	for _, r := range All() {
		if _, ok := rows[string(r.ID)]; !ok && !r.Assumed {
			t.Errorf("%s is in catalogue.txt but not rules.md, and is not marked assumed", r.ID)
		}
	}
}

func TestAll_IsACopy(t *testing.T) {
	a := All()
	id, summary := a[0].ID, a[0].Summary
	a[0].ID, a[0].Summary = "ZZ-99", "changed"
	_ = append(a[:1], Rule{ID: "YY-99"})
	b := All()
	if b[0].ID != id || b[0].Summary != summary || b[1].ID == "YY-99" {
		t.Fatalf("All() shares storage with the catalogue: got %q, %q", b[0].ID, b[1].ID)
	}
	if Valid("ZZ-99") || Valid("YY-99") {
		t.Fatal("mutating All()'s result changed the catalogue")
	}
}

func TestAll_KeepsFileOrder(t *testing.T) {
	rs := All()
	if rs[0].ID != "PD-SHARE-01" || rs[12].ID != "PD-SHARE-13" {
		t.Fatalf("1st and 13th rules = %s, %s; want PD-SHARE-01, PD-SHARE-13", rs[0].ID, rs[12].ID)
	}
	lines := 0
	for _, l := range strings.Split(catalogueText, "\n") {
		if l = strings.TrimSpace(l); l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if id, _, _ := strings.Cut(l, " "); lines >= len(rs) || string(rs[lines].ID) != id {
			t.Fatalf("rule %d of the file is %s, All() has it out of place", lines+1, id)
		}
		lines++
	}
}

func TestLookup_FindsRuleByExactID(t *testing.T) {
	r, ok := Lookup("PD-SHARE-13")
	if !ok {
		t.Fatal("PD-SHARE-13 not found")
	}
	want := Rule{ID: "PD-SHARE-13", Kind: Marketplace, Group: "Pipedrive: app sharing (000, 001)", Source: "000"}
	r.Summary = ""
	if r != want {
		t.Errorf("got %+v, want %+v", r, want)
	}
	for _, id := range []ID{"", "@PD-SHARE-13", "pd-share-13", "PD-SHARE-13 ", "PD-SHARE-99", "PD-SHARE"} {
		if _, ok := Lookup(id); ok {
			t.Errorf("Lookup(%q) found a rule", id)
		}
	}
}

func TestLookup_AssumedRuleCarriesFlag(t *testing.T) {
	r, ok := Lookup("PD-SHARE-20")
	if !ok || !r.Assumed || r.Kind != Marketplace {
		t.Fatalf("PD-SHARE-20 = %+v, %v; want an assumed marketplace rule", r, ok)
	}
	if r, _ := Lookup("PD-EXT-02"); r.Source != "docs" || r.Kind != App {
		t.Errorf("PD-EXT-02 = %+v; want an app rule from docs", r)
	}
}

func TestValid_AgreesWithLookup(t *testing.T) {
	for _, id := range []ID{"X-01", "ZM-14", "PC-06", "PD-OAUTH-03"} {
		if !Valid(id) {
			t.Errorf("Valid(%q) = false", id)
		}
	}
	for _, id := range []ID{"X-04", "ZM-1", "PC-00", "@X-01", "x-01"} {
		if Valid(id) {
			t.Errorf("Valid(%q) = true", id)
		}
	}
}

func TestOfKind_PartitionsTheCatalogue(t *testing.T) {
	m, a := OfKind(Marketplace), OfKind(App)
	if len(m)+len(a) != len(All()) {
		t.Fatalf("%d M + %d A != %d rules", len(m), len(a), len(All()))
	}
	for _, r := range m {
		if r.Kind != Marketplace {
			t.Errorf("OfKind(M) returned %s of kind %s", r.ID, r.Kind)
		}
	}
	for _, r := range a {
		if r.Kind != App {
			t.Errorf("OfKind(A) returned %s of kind %s", r.ID, r.Kind)
		}
	}
	if len(OfKind("Q")) != 0 {
		t.Error("OfKind of an unknown kind returned rules")
	}
	if fmt.Sprint(MarketplaceRules()) != fmt.Sprint(m) || fmt.Sprint(AppRules()) != fmt.Sprint(a) {
		t.Error("MarketplaceRules/AppRules disagree with OfKind")
	}
	if a[0].ID != "PD-SHARE-21" {
		t.Errorf("first app rule = %s, want PD-SHARE-21 (catalogue order)", a[0].ID)
	}
}

func TestGroups_InFileOrderAndInGroupMatches(t *testing.T) {
	gs := Groups()
	if len(gs) < 6 || gs[0] != "Pipedrive: app sharing (000, 001)" || gs[5] != "Cross-cutting" {
		t.Fatalf("Groups() = %q", gs)
	}
	total := 0
	for _, g := range gs {
		rs := InGroup(g)
		if len(rs) == 0 {
			t.Errorf("group %q has no rules", g)
		}
		total += len(rs)
	}
	if total != len(All()) {
		t.Errorf("groups hold %d rules, catalogue %d", total, len(All()))
	}
	gs[0] = "changed"
	if Groups()[0] == "changed" {
		t.Error("Groups() shares storage with the catalogue")
	}
}

func TestRule_Sources(t *testing.T) {
	cases := map[string]string{"000,001": "[000 001]", "docs": "[docs]", "-": "[]", "004": "[004]"}
	for src, want := range cases {
		if got := fmt.Sprint(Rule{Source: src}.Sources()); got != want {
			t.Errorf("Sources of %q = %s, want %s", src, got, want)
		}
	}
}
