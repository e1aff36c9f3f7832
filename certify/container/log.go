package container

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/testcontainers/testcontainers-go"
)

// Line is one line the app wrote, with the time appcert received it (or,
// read back from the engine, the time the app wrote it).
type Line struct {
	At     time.Time `json:"at"`
	Stream string    `json:"stream"` // "stdout" or "stderr"
	Text   string    `json:"text"`
}

// String is the line as container.log shows it.
func (l Line) String() string {
	return fmt.Sprintf("%s %s %s", l.At.UTC().Format("15:04:05.000"), l.Stream, l.Text)
}

// Log keeps what the app writes, in order, and copies it to a file as it
// comes. It is a testcontainers.LogConsumer.
type Log struct {
	file io.Writer

	mu    sync.Mutex
	lines []Line
	// now is the clock lines are stamped with; tests set it.
	now func() time.Time
}

// maxLines caps what is kept in memory; the file has everything.
const maxLines = 100_000

// Accept takes one chunk of the app's output.
func (l *Log) Accept(entry testcontainers.Log) {
	stream := "stdout"
	if entry.LogType == testcontainers.StderrLog {
		stream = "stderr"
	}
	l.add(stream, string(entry.Content))
}

func (l *Log) add(stream, text string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now
	if l.now != nil {
		now = l.now
	}
	at := now()
	for _, s := range splitLines(text) {
		line := Line{At: at, Stream: stream, Text: s}
		if l.file != nil {
			_, _ = io.WriteString(l.file, line.String()+"\n")
		}
		if len(l.lines) == maxLines {
			l.lines = append(l.lines[:0], l.lines[maxLines/2:]...)
		}
		l.lines = append(l.lines, line)
	}
}

// Lines returns every line kept so far.
func (l *Log) Lines() []Line {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Line(nil), l.lines...)
}

// Last returns the last n lines.
func (l *Log) Last(n int) []Line {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.lines) > n {
		return append([]Line(nil), l.lines[len(l.lines)-n:]...)
	}
	return append([]Line(nil), l.lines...)
}

// Between returns the lines received from from to to, both included, at
// most max of them (the first ones).
func (l *Log) Between(from, to time.Time, max int) []Line {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Line
	for _, line := range l.lines {
		if line.At.Before(from) || line.At.After(to) {
			continue
		}
		if len(out) == max {
			break
		}
		out = append(out, line)
	}
	return out
}

// splitLines cuts output into lines, dropping the final newline and
// carriage returns.
func splitLines(s string) []string {
	s = strings.TrimRight(s, "\r\n")
	if s == "" {
		return nil
	}
	lines := strings.Split(s, "\n")
	for i, x := range lines {
		lines[i] = strings.TrimRight(x, "\r")
	}
	return lines
}
