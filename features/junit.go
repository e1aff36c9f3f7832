package features

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"github.com/appcert/appcert/internal/junit"
	"github.com/appcert/appcert/rules"
)

// pickleInfo is a scenario to run, known before the run starts, so that
// one never started still has its testcase.
type pickleInfo struct {
	id      string
	feature string
	p       *godog.Scenario
}

// junit is the run as a JUnit report: a testsuite per feature, a testcase
// per scenario (classname its first rule ID, or its feature without one),
// with what failed and why, and each scenario's own time.
func (r *recorder) junit(name string, pickles []pickleInfo, start time.Time, elapsed time.Duration) *junit.Suites {
	r.mu.Lock()
	defer r.mu.Unlock()
	doc := &junit.Suites{Name: name, Time: junit.Seconds(elapsed)}
	index := map[string]int{}
	for _, pk := range pickles {
		i, ok := index[pk.p.Uri]
		if !ok {
			i = len(doc.Suites)
			index[pk.p.Uri] = i
			doc.Suites = append(doc.Suites, junit.Suite{Name: pk.feature, Timestamp: start.UTC().Format(time.RFC3339)})
		}
		where := r.where(pk.p)
		c := junit.Case{Name: pk.p.Name + " (" + where + ")", Classname: pk.feature, File: pk.p.Uri}
		if rs := ruleTags(pk.p); len(rs) > 0 {
			c.Classname = string(rs[0])
		}
		began, ranIt := r.started[pk.id]
		end, endedIt := r.ended[pk.id]
		switch {
		case !ranIt:
			c.Skipped = &junit.Outcome{Message: "not run: the run stopped before this scenario started"}
		case !endedIt || end.at.IsZero():
			c.Skipped = &junit.Outcome{Message: "not finished: the run stopped during this scenario"}
		case end.undefined || errors.Is(end.err, godog.ErrUndefined):
			c.Error = &junit.Outcome{Type: "undefined", Message: "undefined step: " + end.step,
				Text: "No step definition matches \"" + end.step + "\"; appcert steps lists every step with an example."}
		case end.err != nil:
			step := end.step
			if step == "" {
				step = lastStep(pk.p)
			}
			msg := strings.SplitN(end.err.Error(), "\n", 2)[0]
			c.Failure = &junit.Outcome{Type: "failed", Message: msg,
				Text: fmt.Sprintf("%s\nrules: %s\nstep:  %s\nwhy:   %s\n", where, joinIDs(ruleTags(pk.p)), step, end.err)}
		}
		if ranIt && endedIt && !end.at.IsZero() {
			c.Time = junit.Seconds(end.at.Sub(began))
		}
		s := &doc.Suites[i]
		s.Cases = append(s.Cases, c)
		s.Time += c.Time
	}
	return doc
}

func joinIDs(ids []rules.ID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = string(id)
	}
	return strings.Join(s, ", ")
}
