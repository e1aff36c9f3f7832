// Package tagexpr checks godog tag expressions before godog sees them:
// godog accepts anything and panics on an empty term.
package tagexpr

import (
	"fmt"
	"regexp"
	"strings"
)

var tagRE = regexp.MustCompile(`^~?@?[A-Za-z0-9_.:-]+$`)

// Validate checks a tag expression: terms joined by "&&" (and), each a
// list of tags joined by "," (or), a tag written @name or ~@name (not).
// The empty expression selects everything.
func Validate(expr string) error {
	if strings.TrimSpace(expr) == "" {
		if expr != "" {
			return fmt.Errorf("the tag expression is blank")
		}
		return nil
	}
	for _, and := range strings.Split(expr, "&&") {
		for _, tag := range strings.Split(and, ",") {
			tag = strings.TrimSpace(tag)
			if tag == "" {
				return fmt.Errorf("bad tag expression %q: an empty tag around \"&&\" or \",\"", expr)
			}
			if !tagRE.MatchString(tag) {
				return fmt.Errorf("bad tag expression %q: %q is not a tag (write @name, ~@name for not, \",\" for or, \"&&\" for and)", expr, tag)
			}
		}
	}
	return nil
}
