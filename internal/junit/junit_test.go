package junit

import (
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func sample() *Suites {
	return &Suites{Name: "appcert certify", Time: Seconds(1500 * time.Millisecond), Suites: []Suite{{
		Name: "PD-EXT-02", Time: Seconds(time.Second), Timestamp: "2026-11-30T04:00:00Z",
		Cases: []Case{
			{Name: "passes", Classname: "PD-EXT-02", Time: Seconds(time.Millisecond)},
			{Name: "fails", Classname: "PD-EXT-02", Failure: &Outcome{Message: "the app answered 200", Type: "FAIL", Text: "GET /panel?token=[redacted]\n200 <b>&amp;</b>"}},
			{Name: "skipped", Classname: "PD-EXT-02", Skipped: &Outcome{Message: "not exercised: no answer carried data"}},
			{Name: "broke", Classname: "PD-EXT-02", Error: &Outcome{Message: "step undefined"}, SystemOut: "details"},
			{Name: "clock stepped back", Classname: "PD-EXT-02", Time: Seconds(-time.Second)},
		},
	}}}
}

func TestSuites_MarshalIsValidAndCounted(t *testing.T) {
	b, err := sample().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(b); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	var back Suites
	if err := xml.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	s := back.Suites[0]
	if back.Tests != 5 || back.Failures != 1 || back.Errors != 1 || back.Skipped != 1 || s.Tests != 5 || s.Failures != 1 || s.Skipped != 1 || s.Errors != 1 {
		t.Errorf("counts: report %d/%d/%d/%d, suite %d/%d/%d/%d", back.Tests, back.Failures, back.Errors, back.Skipped, s.Tests, s.Failures, s.Errors, s.Skipped)
	}
	if s.Cases[4].Time != 0 || !strings.Contains(string(b), `time="0.000"`) {
		t.Errorf("a negative time is written as %v", s.Cases[4].Time)
	}
	if s.Cases[1].Failure.Text != "GET /panel?token=[redacted]\n200 <b>&amp;</b>" {
		t.Errorf("failure text %q", s.Cases[1].Failure.Text)
	}
}

// bad are documents the schema refuses, each for one reason.
var bad = map[string]string{
	"godog's status attribute":   `<testsuites><testsuite name="s" tests="1"><testcase name="a" classname="c" status="passed"/></testsuite></testsuites>`,
	"a negative time":            `<testsuites><testsuite name="s" tests="1" time="-0.5"><testcase name="a" classname="c"/></testsuite></testsuites>`,
	"no classname":               `<testsuites><testsuite name="s" tests="1"><testcase name="a"/></testsuite></testsuites>`,
	"no tests count":             `<testsuites><testsuite name="s"><testcase name="a" classname="c"/></testsuite></testsuites>`,
	"a negative count":           `<testsuites><testsuite name="s" tests="-1"/></testsuites>`,
	"a failure and a skip":       `<testsuites><testsuite name="s" tests="1"><testcase name="a" classname="c"><failure/><skipped/></testcase></testsuite></testsuites>`,
	"output before the failure":  `<testsuites><testsuite name="s" tests="1"><testcase name="a" classname="c"><system-out/><failure/></testcase></testsuite></testsuites>`,
	"text in a testcase":         `<testsuites><testsuite name="s" tests="1"><testcase name="a" classname="c">hello</testcase></testsuite></testsuites>`,
	"an undeclared element":      `<testsuites><testsuite name="s" tests="1"><testcase name="a" classname="c"><passed/></testcase></testsuite></testsuites>`,
	"a bad timestamp":            `<testsuites><testsuite name="s" tests="0" timestamp="yesterday"/></testsuites>`,
	"a time that is not decimal": `<testsuites><testsuite name="s" tests="0" time="1e3"/></testsuites>`,
	"not well-formed":            `<testsuites><testsuite name="s" tests="0"></testsuites>`,
}

func TestValidate_RefusesWhatTheSchemaForbids(t *testing.T) {
	for name, doc := range bad {
		if err := Validate([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// The validator must never skip what it does not understand.
func TestParseSchema_RefusesUnsupportedConstructs(t *testing.T) {
	for _, xsd := range []string{
		`<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="a"><xs:complexType><xs:sequence><xs:any/></xs:sequence></xs:complexType></xs:element></xs:schema>`,
		`<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="a" type="t"/></xs:schema>`,
		`<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="a"><xs:complexType><xs:sequence><xs:element ref="b"/></xs:sequence></xs:complexType></xs:element></xs:schema>`,
		`<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:simpleType name="t"><xs:restriction base="xs:int"/></xs:simpleType></xs:schema>`,
	} {
		if _, err := parseSchema([]byte(xsd)); err == nil {
			t.Errorf("accepted %s", xsd)
		}
	}
}

// Where xmllint (libxml2) is installed, it must agree with Validate on
// junit.xsd: the Go validator is checked against a complete one.
func TestValidate_AgreesWithXmllint(t *testing.T) {
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint not installed (apt-get install libxml2-utils); the Go validator is checked by the other tests only")
	}
	good, err := sample().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]string{"good": string(good)}
	for k, v := range bad {
		docs[k] = v
	}
	dir := t.TempDir()
	for name, doc := range docs {
		path := filepath.Join(dir, "doc.xml")
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(xmllint, "--noout", "--schema", "junit.xsd", path).CombinedOutput()
		lintOK := err == nil
		goErr := Validate([]byte(doc))
		if lintOK != (goErr == nil) {
			t.Errorf("%s: xmllint valid=%v (%s), Validate: %v", name, lintOK, strings.TrimSpace(string(out)), goErr)
		}
	}
}
