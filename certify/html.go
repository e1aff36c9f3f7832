package certify

import (
	"bytes"
	_ "embed"
	"html/template"
	"strings"
	"time"

	"github.com/appcert/appcert/certify/result"
	"github.com/appcert/appcert/rules"
)

//go:embed report.html.tmpl
var htmlText string

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"lower": func(v result.Verdict) string {
		return strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(string(v), "/", ""), " ", "-"))
	},
	"ms":       func(d time.Duration) string { return d.Round(time.Millisecond).String() },
	"exchange": exchangeText,
	"onSurface": func(fs []result.Finding, s result.Surface) []result.Finding {
		var out []result.Finding
		for _, f := range fs {
			if f.Surface == s || s == result.App || f.Surface == result.App {
				out = append(out, f)
			}
		}
		return out
	},
}).Parse(htmlText))

// HTML is report.html: one self-contained page (no script, no fetch, its
// style inline) with the verdict per rule and surface at a glance and,
// for each finding, its reason and the redacted request and answer.
func (r *Report) HTML() ([]byte, error) {
	var b bytes.Buffer
	if err := htmlTemplate.Execute(&b, htmlView{r}); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// htmlView is the report as the page reads it.
type htmlView struct{ *Report }

// Expected is the baseline's reason for expecting rule to fail on
// surface, or "".
func (v htmlView) Expected(rule rules.ID, surface result.Surface) string {
	e, _ := v.Baseline.expects(rule, surface)
	return e.Reason
}
