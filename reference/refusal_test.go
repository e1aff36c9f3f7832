package reference

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"testing"
)

// Every Reason the model declares is listed for some marketplace, so
// `appcert steps --reasons` shows all of them.
func TestReasons_ListEveryDeclaredReason(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "refusal.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var all []Reason
	for _, p := range Profiles() {
		all = append(all, Reasons(p)...)
	}
	n := 0
	ast.Inspect(f, func(node ast.Node) bool {
		vs, ok := node.(*ast.ValueSpec)
		if !ok || vs.Type == nil || typeName(vs.Type) != "Reason" {
			return true
		}
		for i, name := range vs.Names {
			lit := vs.Values[i].(*ast.BasicLit).Value
			n++
			if !slices.Contains(all, Reason(lit[1:len(lit)-1])) {
				t.Errorf("%s (%s) is listed for no marketplace in reasonsBy or commonReasons", name.Name, lit)
			}
		}
		return true
	})
	if n < 40 {
		t.Fatalf("found %d Reason constants in refusal.go; has its layout changed?", n)
	}
}

func typeName(e ast.Expr) string {
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

func TestReasons_NoDuplicatesPerMarketplace(t *testing.T) {
	for _, p := range Profiles() {
		rs := Reasons(p)
		seen := map[Reason]bool{}
		for _, r := range rs {
			if seen[r] {
				t.Errorf("%s lists %q twice", p, r)
			}
			seen[r] = true
		}
	}
}

func TestStatuses_LabelsAreDistinct(t *testing.T) {
	for _, p := range Profiles() {
		seen := map[string]bool{}
		for _, s := range Statuses(p) {
			if seen[s.Label()] {
				t.Errorf("%s: label %q twice", p, s.Label())
			}
			seen[s.Label()] = true
		}
	}
	if slices.Contains(Statuses(Procore), StatusAuthorize) || !slices.Contains(Statuses(Zoom), StatusDisabled) {
		t.Errorf("statuses: procore %v, zoom %v", Statuses(Procore), Statuses(Zoom))
	}
}
