// Package baseline reads and judges a file of known failures: a rule on a
// surface the team has accepted as failing for now, why, and until when.
// A listed failure is reported as expected and does not fail the run; an
// entry that no longer fails, or has expired, fails the run and says so,
// so a baseline cannot quietly outlive the defect it excused.
package baseline

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/appcert/appcert/rules"
)

// MaxSize is the largest baseline file read.
const MaxSize = 1 << 20

// dateLayout is how an expiry is written: the last day the entry holds.
const dateLayout = "2006-01-02"

// Entry is one expected failure.
type Entry struct {
	Rule    string `yaml:"rule"`
	Surface string `yaml:"surface"`
	Reason  string `yaml:"reason"`
	// Expires is the last day (YYYY-MM-DD, UTC) the entry holds; empty:
	// never.
	Expires string `yaml:"expires,omitempty"`
}

// File is a baseline file.
type File struct {
	Entries []Entry `yaml:"expected_failures"`
}

// Load reads and checks the baseline at path.
func Load(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, err
	}
	return Parse(data)
}

// Parse decodes and checks a baseline: every entry names a catalogue app
// rule, a surface and a reason, at most once, with a valid expiry.
func Parse(data []byte) (*File, error) {
	if len(data) > MaxSize {
		return nil, errors.New("the baseline is above 1 MiB")
	}
	var f File
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("not a baseline (expected_failures: a list of rule, surface, reason, expires): %v", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var errs []error
	seen := map[[2]string]int{}
	for i, e := range f.Entries {
		at := fmt.Sprintf("expected_failures[%d]", i)
		if r, ok := rules.Lookup(rules.ID(e.Rule)); !ok {
			errs = append(errs, fmt.Errorf("%s.rule: %q is not a rule of the catalogue", at, clip(e.Rule)))
		} else if r.Kind != rules.App {
			errs = append(errs, fmt.Errorf("%s.rule: %s is a marketplace rule; certification checks app rules", at, e.Rule))
		}
		if e.Surface == "" {
			errs = append(errs, fmt.Errorf("%s.surface is required (json_panel, link_action, ..., or app)", at))
		}
		if strings.TrimSpace(e.Reason) == "" {
			errs = append(errs, fmt.Errorf("%s.reason is required: say why the failure is accepted", at))
		}
		if e.Expires != "" {
			if _, err := time.Parse(dateLayout, e.Expires); err != nil {
				errs = append(errs, fmt.Errorf("%s.expires: %q is not a date (YYYY-MM-DD)", at, clip(e.Expires)))
			}
		}
		k := [2]string{e.Rule, e.Surface}
		if j, ok := seen[k]; ok {
			errs = append(errs, fmt.Errorf("%s: %s on %s is already expected_failures[%d]", at, e.Rule, e.Surface, j))
		} else {
			seen[k] = i
		}
		if len(errs) > 20 {
			errs = append(errs[:20], errors.New("… and more"))
			break
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &f, nil
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:60] + "…"
	}
	return s
}

// expired reports whether the entry no longer holds on day now.
func (e Entry) expired(now time.Time) bool {
	if e.Expires == "" {
		return false
	}
	last, err := time.Parse(dateLayout, e.Expires)
	return err == nil && now.UTC().After(last.Add(24*time.Hour-time.Nanosecond))
}

// Check is one rule on one surface as this run decided it.
type Check struct {
	Rule    string
	Surface string
	Failed  bool
	// Reason is the failure's reason, for Write.
	Reason string
}

// Expected is a failure the baseline accepts.
type Expected struct {
	Check Check
	Entry Entry
}

// Stale is an entry that fails the run: its check no longer fails, or it
// has expired (and its failure counts again).
type Stale struct {
	Entry Entry
	// Why says which, in words: "no longer fails: remove it" or "expired
	// on 2026-11-01".
	Why string
}

// Judgement is a baseline applied to a run.
type Judgement struct {
	Expected []Expected
	Stale    []Stale
	// Unchecked are entries about checks this run did not make (another
	// --rule or --tags selection, or a surface the manifest no longer
	// declares); they neither pass nor fail.
	Unchecked []Entry
}

// Accepts reports whether the failure of rule on surface is expected.
func (j Judgement) Accepts(rule, surface string) bool {
	for _, x := range j.Expected {
		if x.Check.Rule == rule && x.Check.Surface == surface {
			return true
		}
	}
	return false
}

// Judge applies the baseline to the run's checks on day now.
func (f *File) Judge(checks []Check, now time.Time) Judgement {
	var j Judgement
	if f == nil {
		return j
	}
	for _, e := range f.Entries {
		found := false
		for _, c := range checks {
			if c.Rule != e.Rule || c.Surface != e.Surface {
				continue
			}
			found = true
			switch {
			case e.expired(now):
				j.Stale = append(j.Stale, Stale{Entry: e, Why: "expired on " + e.Expires + ": the failure counts again; fix it or renew the entry"})
			case !c.Failed:
				j.Stale = append(j.Stale, Stale{Entry: e, Why: "no longer fails: remove the entry from the baseline"})
			default:
				j.Expected = append(j.Expected, Expected{Check: c, Entry: e})
			}
		}
		if !found {
			j.Unchecked = append(j.Unchecked, e)
		}
	}
	return j
}

// maxReason bounds a written reason, in characters: room for the longest
// finding (a Custom UI call replayed with another user's token, some 400),
// not for whatever an app's answer put into one.
const maxReason = 500

// shorten cuts s to at most n characters from its middle, keeping its
// start (what was sent) and its end (what the app did with it).
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	head := (n - 3) * 3 / 5
	tail := n - 3 - head
	return string(r[:head]) + " … " + string(r[len(r)-tail:])
}

// Write writes the failing checks as a baseline to start from, each with
// its finding's reason and no expiry.
func Write(w io.Writer, checks []Check) error {
	f := File{Entries: []Entry{}}
	for _, c := range checks {
		if !c.Failed {
			continue
		}
		reason := shorten(strings.Join(strings.Fields(c.Reason), " "), maxReason)
		if reason == "" {
			reason = "failing when the baseline was written"
		}
		f.Entries = append(f.Entries, Entry{Rule: c.Rule, Surface: c.Surface, Reason: reason})
	}
	var b bytes.Buffer
	b.WriteString("# appcert baseline: failures accepted for now. appcert certify --baseline FILE\n" +
		"# reports them as expected; an entry that no longer fails, or is past its\n" +
		"# expires date (YYYY-MM-DD), fails the run. Edit each reason to say why.\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(f); err != nil {
		return err
	}
	enc.Close()
	_, err := w.Write(b.Bytes())
	return err
}
