package sim

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/appcert/appcert/reference"
)

// A trace is JSON lines: a header, then one line per command of the run,
// in order: an event of the log with its sequence number, time, command
// kind and the command's fields, or a refused command with its time and
// the reason it was refused. Replaying it applies each command at its time:
// every event must be accepted with its sequence number again and every
// refused command refused for the same reason, so a replay runs, counts
// and checks exactly what the run did. (Version 1 traces hold events only.)
//
//	{"trace":"appcert-sim","version":2,"profile":"pipedrive","seed":7,"check_every":100000}
//	{"seq":1,"at":"2026-01-01T09:00:01Z","kind":"add_company","cmd":{"Company":1,"Name":"Company 1"}}
//	{"at":"2026-01-01T09:00:09Z","kind":"install","cmd":{...},"refused":"not_admin"}

// TraceHeader is a trace's first line.
type TraceHeader struct {
	Trace   string            `json:"trace"`
	Version int               `json:"version"`
	Profile reference.Profile `json:"profile"`
	Seed    uint64            `json:"seed"`
	// CheckEvery is how often the run checked its invariants (zero:
	// never), so that a replay checks at the same commands; version 1
	// traces do not record it.
	CheckEvery int `json:"check_every"`
}

const traceName, traceVersion = "appcert-sim", 2

type traceLine struct {
	Seq     uint64           `json:"seq,omitempty"`
	At      time.Time        `json:"at"`
	Kind    string           `json:"kind"`
	Cmd     json.RawMessage  `json:"cmd"`
	Refused reference.Reason `json:"refused,omitempty"`
}

// TraceEntry is one line of a trace after the header: an event of the
// log, or (Refused set, Seq zero) a command the run saw refused.
type TraceEntry struct {
	reference.Event
	Refused reference.Reason
}

// TraceWriter writes a trace.
type TraceWriter struct {
	w   *bufio.Writer
	buf bytes.Buffer
}

// NewTraceWriter writes the header to w and returns the writer.
func NewTraceWriter(w io.Writer, h TraceHeader) (*TraceWriter, error) {
	h.Trace, h.Version = traceName, traceVersion
	t := &TraceWriter{w: bufio.NewWriterSize(w, 1<<16)}
	b, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	t.w.Write(b)
	return t, t.w.WriteByte('\n')
}

// Write appends events.
func (t *TraceWriter) Write(events []reference.Event) error {
	for _, e := range events {
		if err := t.line(e.Seq, e.At, e.Command, ""); err != nil {
			return err
		}
	}
	return nil
}

// Refused appends a command refused at at for reason.
func (t *TraceWriter) Refused(at time.Time, c reference.Command, reason reference.Reason) error {
	return t.line(0, at, c, reason)
}

func (t *TraceWriter) line(seq uint64, at time.Time, c reference.Command, refused reference.Reason) error {
	cmd, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("trace: event %d (%s): %w", seq, c.Kind(), err)
	}
	b, err := json.Marshal(traceLine{Seq: seq, At: at, Kind: c.Kind(), Cmd: cmd, Refused: refused})
	if err != nil {
		return err
	}
	t.w.Write(b)
	return t.w.WriteByte('\n')
}

// Flush writes what is buffered.
func (t *TraceWriter) Flush() error { return t.w.Flush() }

// TraceReader reads a trace.
type TraceReader struct {
	s      *bufio.Scanner
	line   int
	Header TraceHeader
	decode map[string]func(json.RawMessage) (reference.Command, error)
}

// NewTraceReader reads and checks the header.
func NewTraceReader(r io.Reader) (*TraceReader, error) {
	t := &TraceReader{s: bufio.NewScanner(r), decode: commandDecoders()}
	t.s.Buffer(make([]byte, 0, 1<<16), 1<<24)
	if !t.s.Scan() {
		if err := t.s.Err(); err != nil {
			return nil, err
		}
		return nil, errors.New("trace: empty")
	}
	t.line = 1
	if err := strictUnmarshal(t.s.Bytes(), &t.Header); err != nil || t.Header.Trace != traceName {
		return nil, fmt.Errorf("trace: line 1: not an appcert-sim trace header (%v)", err)
	}
	if t.Header.Version < 1 || t.Header.Version > traceVersion {
		return nil, fmt.Errorf("trace: line 1: version %d, this appcert reads 1 to %d", t.Header.Version, traceVersion)
	}
	return t, nil
}

// Next returns the next entry, or io.EOF after the last.
func (t *TraceReader) Next() (TraceEntry, error) {
	if !t.s.Scan() {
		if err := t.s.Err(); err != nil {
			return TraceEntry{}, err
		}
		return TraceEntry{}, io.EOF
	}
	t.line++
	var l traceLine
	if err := strictUnmarshal(t.s.Bytes(), &l); err != nil {
		return TraceEntry{}, fmt.Errorf("trace: line %d: %w", t.line, err)
	}
	if (l.Seq == 0) == (l.Refused == "") {
		return TraceEntry{}, fmt.Errorf("trace: line %d: want either a sequence number or a refusal", t.line)
	}
	dec, ok := t.decode[l.Kind]
	if !ok {
		return TraceEntry{}, fmt.Errorf("trace: line %d: unknown command kind %q", t.line, l.Kind)
	}
	c, err := dec(l.Cmd)
	if err != nil {
		return TraceEntry{}, fmt.Errorf("trace: line %d (%s): %w", t.line, l.Kind, err)
	}
	return TraceEntry{Event: reference.Event{Seq: l.Seq, At: l.At, Command: c}, Refused: l.Refused}, nil
}

// Line is the number of the line last read.
func (t *TraceReader) Line() int { return t.line }

func strictUnmarshal(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return errors.New("trailing data")
	}
	return nil
}

func decodeAs[T reference.Command](raw json.RawMessage) (reference.Command, error) {
	var c T
	if len(raw) == 0 {
		return nil, errors.New("no command")
	}
	if err := strictUnmarshal(raw, &c); err != nil {
		return nil, err
	}
	return c, nil
}

// commandDecoders is the table of command kinds a trace may hold.
func commandDecoders() map[string]func(json.RawMessage) (reference.Command, error) {
	table := map[string]func(json.RawMessage) (reference.Command, error){}
	for _, d := range []struct {
		c   reference.Command
		dec func(json.RawMessage) (reference.Command, error)
	}{
		{reference.AddCompany{}, decodeAs[reference.AddCompany]},
		{reference.JoinCompany{}, decodeAs[reference.JoinCompany]},
		{reference.PublishApp{}, decodeAs[reference.PublishApp]},
		{reference.SetSharingMode{}, decodeAs[reference.SetSharingMode]},
		{reference.Install{}, decodeAs[reference.Install]},
		{reference.Authorize{}, decodeAs[reference.Authorize]},
		{reference.ManageUsers{}, decodeAs[reference.ManageUsers]},
		{reference.ChangeScopes{}, decodeAs[reference.ChangeScopes]},
		{reference.ExpireAuthorization{}, decodeAs[reference.ExpireAuthorization]},
		{reference.Uninstall{}, decodeAs[reference.Uninstall]},
		{reference.OpenApps{}, decodeAs[reference.OpenApps]},
		{reference.CreateObject{}, decodeAs[reference.CreateObject]},
		{reference.RequestApp{}, decodeAs[reference.RequestApp]},
		{reference.DecideRequest{}, decodeAs[reference.DecideRequest]},
		{reference.SetAllowUserInstalls{}, decodeAs[reference.SetAllowUserInstalls]},
		{reference.SetAccountPermissions{}, decodeAs[reference.SetAccountPermissions]},
		{reference.SetPreApproval{}, decodeAs[reference.SetPreApproval]},
		{reference.SetRequestEmails{}, decodeAs[reference.SetRequestEmails]},
		{reference.SetRole{}, decodeAs[reference.SetRole]},
	} {
		table[d.c.Kind()] = d.dec
	}
	return table
}
