package certify

import (
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/appcert/appcert/certify/result"
)

// JUnit's shape, as CI systems read it: a test case per rule and surface,
// so that each sub-check shows on its own.
type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Errors   int          `xml:"errors,attr"`
		Skipped  int          `xml:"skipped,attr"`
		Time     string       `xml:"time,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name     string      `xml:"name,attr"`
		Tests    int         `xml:"tests,attr"`
		Failures int         `xml:"failures,attr"`
		Errors   int         `xml:"errors,attr"`
		Skipped  int         `xml:"skipped,attr"`
		Cases    []junitCase `xml:"testcase"`
	}
	junitCase struct {
		Name      string        `xml:"name,attr"`
		Classname string        `xml:"classname,attr"`
		Failure   *junitMessage `xml:"failure,omitempty"`
		Error     *junitMessage `xml:"error,omitempty"`
		Skipped   *junitMessage `xml:"skipped,omitempty"`
		SystemOut string        `xml:"system-out,omitempty"`
	}
	junitMessage struct {
		Message string `xml:"message,attr"`
		Text    string `xml:",chardata"`
	}
)

// junit is junit.xml: one suite per rule, one case per surface. FAIL is a
// failure; SKIP, which fails a run too, an error naming the prerequisite;
// N/A and NOT EXERCISED are skipped with their reason; WARN passes with
// the warning in its output.
func (r *Report) junit() ([]byte, error) {
	all := junitSuites{Name: "appcert certify", Time: fmt.Sprintf("%.3f", r.Duration.Seconds())}
	for _, rr := range r.Rules {
		s := junitSuite{Name: string(rr.ID)}
		surfaces := rr.Surfaces
		if len(surfaces) == 0 { // not applicable
			surfaces = []result.SurfaceResult{{Surface: result.App, Verdict: rr.Verdict, Reasons: rr.Reasons}}
		}
		for _, sr := range surfaces {
			c := junitCase{Name: fmt.Sprintf("%s on %s", rr.ID, sr.Surface), Classname: string(rr.ID)}
			why := strings.Join(sr.Reasons, "\n")
			var found []string
			for _, f := range rr.Findings {
				if f.Surface == sr.Surface || f.Surface == result.App || sr.Surface == result.App {
					found = append(found, f.Reason)
				}
			}
			switch sr.Verdict {
			case result.Fail:
				c.Failure = &junitMessage{Message: first(found, why), Text: strings.Join(found, "\n")}
				s.Failures++
			case result.Skip:
				c.Error = &junitMessage{Message: "SKIP: " + first(sr.Reasons, "a prerequisite failed"), Text: why}
				s.Errors++
			case result.NotApplicable, result.NotExercised:
				c.Skipped = &junitMessage{Message: string(sr.Verdict) + ": " + first(sr.Reasons, "")}
				s.Skipped++
			case result.Warn:
				c.SystemOut = "WARN: " + strings.Join(found, "\n")
			}
			s.Cases = append(s.Cases, c)
			s.Tests++
		}
		all.Tests += s.Tests
		all.Failures += s.Failures
		all.Errors += s.Errors
		all.Skipped += s.Skipped
		all.Suites = append(all.Suites, s)
	}
	b, err := xml.MarshalIndent(all, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(b, '\n')...), nil
}

func first(ss []string, otherwise string) string {
	if len(ss) > 0 {
		return ss[0]
	}
	return otherwise
}
