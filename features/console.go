package features

import (
	"bytes"
	"io"
	"regexp"
	"strings"

	"github.com/appcert/appcert/steps"
)

// console is the writer under godog's console formatter. It passes the
// report through a line at a time, naming each step's definition by its
// phrase (godog would name the reflect stub every step is bound through),
// and drops godog's Go snippets for undefined steps: users of the binary
// cannot add step definitions, and Report.Summary proposes the nearest
// defined steps instead.
type console struct {
	out     io.Writer
	match   func(string) []steps.Phrase
	buf     bytes.Buffer
	snippet bool // inside godog's snippet block, which runs to the end
}

// snippetStart is the line godog opens its snippets with.
const snippetStart = "You can implement step definitions for undefined steps with these snippets:"

var (
	// stubRE is a step line's definition comment: "# steps.go:187 ->
	// reflect.makeFuncStub", possibly coloured.
	stubRE = regexp.MustCompile(`#\s*\S+:\d+ -> reflect\.makeFuncStub`)
	ansiRE = regexp.MustCompile("\x1b\\[[0-9;]*m")
)

func (c *console) Write(p []byte) (int, error) {
	c.buf.Write(p)
	for {
		i := bytes.IndexByte(c.buf.Bytes(), '\n')
		if i < 0 {
			return len(p), nil
		}
		line := string(c.buf.Next(i + 1))
		if err := c.line(line); err != nil {
			return len(p), err
		}
	}
}

func (c *console) line(line string) error {
	if c.snippet {
		return nil
	}
	plain := ansiRE.ReplaceAllString(line, "")
	if strings.Contains(plain, snippetStart) {
		c.snippet = true
		return nil
	}
	if loc := stubRE.FindStringIndex(line); loc != nil {
		line = line[:loc[0]] + c.phrase(plain) + line[loc[1]:]
	}
	_, err := io.WriteString(c.out, line)
	return err
}

// phrase names the definition a step line runs: "# " and its pattern, or
// nothing when the text does not match exactly one phrase (an outline's
// step with <placeholders>).
func (c *console) phrase(plain string) string {
	text := strings.TrimSpace(plain)
	if i := strings.LastIndex(text, " # "); i >= 0 {
		text = strings.TrimSpace(text[:i])
	}
	if _, rest, ok := strings.Cut(text, " "); ok {
		text = rest // drop the keyword
	}
	if c.match != nil {
		if ps := c.match(text); len(ps) == 1 {
			return "# " + ps[0].Pattern
		}
	}
	return ""
}

// Flush writes a last line without a newline.
func (c *console) Flush() error {
	if c.buf.Len() == 0 {
		return nil
	}
	return c.line(c.buf.String())
}
