// Package junit writes JUnit XML reports in the shape CI test viewers
// read (junit.xsd, beside this file), and checks documents against that
// schema.
package junit

import (
	_ "embed"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"
)

// Suites is a whole report: <testsuites>.
type Suites struct {
	XMLName  xml.Name `xml:"testsuites"`
	Name     string   `xml:"name,attr,omitempty"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Time     Seconds  `xml:"time,attr"`
	Suites   []Suite  `xml:"testsuite"`
}

// Suite is one <testsuite>.
type Suite struct {
	Name      string  `xml:"name,attr"`
	Tests     int     `xml:"tests,attr"`
	Failures  int     `xml:"failures,attr"`
	Errors    int     `xml:"errors,attr"`
	Skipped   int     `xml:"skipped,attr"`
	Time      Seconds `xml:"time,attr"`
	Timestamp string  `xml:"timestamp,attr,omitempty"`
	Cases     []Case  `xml:"testcase"`
}

// Case is one <testcase>; at most one of Failure, Error and Skipped is set.
type Case struct {
	Name      string   `xml:"name,attr"`
	Classname string   `xml:"classname,attr"`
	Time      Seconds  `xml:"time,attr"`
	File      string   `xml:"file,attr,omitempty"`
	Skipped   *Outcome `xml:"skipped"`
	Error     *Outcome `xml:"error"`
	Failure   *Outcome `xml:"failure"`
	SystemOut string   `xml:"system-out,omitempty"`
}

// Outcome is a failure, error or skip: a one-line message and the detail.
type Outcome struct {
	Message string `xml:"message,attr,omitempty"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// Seconds is a duration written as non-negative decimal seconds.
type Seconds time.Duration

// MarshalXMLAttr writes the seconds with millisecond precision; a
// negative duration (a clock stepping back) is written as 0.
func (s Seconds) MarshalXMLAttr(name xml.Name) (xml.Attr, error) {
	d := max(time.Duration(s), 0)
	return xml.Attr{Name: name, Value: strconv.FormatFloat(d.Seconds(), 'f', 3, 64)}, nil
}

// UnmarshalXMLAttr reads decimal seconds.
func (s *Seconds) UnmarshalXMLAttr(a xml.Attr) error {
	f, err := strconv.ParseFloat(a.Value, 64)
	if err != nil {
		return fmt.Errorf("junit: time %q: %v", a.Value, err)
	}
	*s = Seconds(f * float64(time.Second))
	return nil
}

// Count sets every suite's and the whole report's counts from the cases:
// the counts a viewer shows always agree with what is listed.
func (r *Suites) Count() {
	r.Tests, r.Failures, r.Errors, r.Skipped = 0, 0, 0, 0
	for i := range r.Suites {
		s := &r.Suites[i]
		s.Tests, s.Failures, s.Errors, s.Skipped = len(s.Cases), 0, 0, 0
		for _, c := range s.Cases {
			switch {
			case c.Failure != nil:
				s.Failures++
			case c.Error != nil:
				s.Errors++
			case c.Skipped != nil:
				s.Skipped++
			}
		}
		r.Tests += s.Tests
		r.Failures += s.Failures
		r.Errors += s.Errors
		r.Skipped += s.Skipped
	}
}

// Marshal counts the cases and returns the document, XML header first.
func (r *Suites) Marshal() ([]byte, error) {
	r.Count()
	b, err := xml.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(append([]byte(xml.Header), b...), '\n'), nil
}

// Write writes the document to w.
func (r *Suites) Write(w io.Writer) error {
	b, err := r.Marshal()
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

//go:embed junit.xsd
var xsdText []byte

var loadSchema = sync.OnceValues(func() (*schema, error) { return parseSchema(xsdText) })

// Validate checks a JUnit document against junit.xsd.
func Validate(doc []byte) error {
	s, err := loadSchema()
	if err != nil {
		return err
	}
	return s.validate(doc)
}
