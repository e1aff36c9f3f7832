package sim

import (
	"bytes"
	"context"
	"errors"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/appcert/appcert/reference"
)

func smallConfig(seed uint64) Config {
	return Config{Profile: reference.Pipedrive, Seed: seed, Companies: 20, Users: 2000, Events: 60_000}
}

// TestSimulate_DefaultMixReproducesSeed000 requires the run's shares of
// installs to come out at seed 000's figures: 30% shared, 70% of those with
// all users.
func TestSimulate_DefaultMixReproducesSeed000(t *testing.T) {
	sum, err := Simulate(context.Background(), smallConfig(1), Options{CheckEvery: 10_000})
	if err != nil {
		t.Fatal(err)
	}
	s := sum.Stats
	shared, all := Percent(s.Shared, s.Installs), Percent(s.All, s.Shared)
	t.Logf("installs %d, shared %.1f%%, all users %.1f%% of shared; %d checks", s.Installs, shared, all, sum.Checks)
	if s.Installs < 1000 || math.Abs(shared-30) > 2 || math.Abs(all-70) > 2 {
		t.Fatalf("installs %d, shared %.1f%% (want 30), all users %.1f%% (want 70)", s.Installs, shared, all)
	}
	if s.Joined != 2000 || s.Commands != 60_000 || len(s.Refusals) == 0 || s.Effects["sharing_callback"] == 0 {
		t.Fatalf("stats = %+v", s)
	}
	if sum.Checks < 6 {
		t.Fatalf("%d checks, want one per 10,000 commands", sum.Checks)
	}
}

func TestSimulate_SameSeedSameRun(t *testing.T) {
	run := func(seed uint64) string {
		var b bytes.Buffer
		tw, err := NewTraceWriter(&b, TraceHeader{Profile: reference.Pipedrive, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Simulate(context.Background(), Config{Profile: reference.Pipedrive, Seed: seed, Companies: 5, Users: 200, Events: 5000},
			Options{Trace: tw}); err != nil {
			t.Fatal(err)
		}
		tw.Flush()
		return b.String()
	}
	a, b, c := run(7), run(7), run(8)
	if a != b {
		t.Fatal("the same seed gave two different traces")
	}
	if a == c {
		t.Fatal("two seeds gave the same trace")
	}
}

// TestReplay_TraceReplaysExactly records a checked run and replays it: the
// replay accepts every event again and counts the same.
func TestReplay_TraceReplaysExactly(t *testing.T) {
	var b bytes.Buffer
	tw, _ := NewTraceWriter(&b, TraceHeader{Profile: reference.Pipedrive, Seed: 3})
	cfg := smallConfig(3)
	cfg.Events = 20_000
	sum, err := Simulate(context.Background(), cfg, Options{CheckEvery: 5000, Trace: tw})
	if err != nil {
		t.Fatal(err)
	}
	tw.Flush()
	tr, err := NewTraceReader(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Replay(context.Background(), tr, Options{CheckEvery: 5000})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rep.Stats, sum.Stats) || rep.Checks != sum.Checks || len(rep.Stats.Refusals) == 0 {
		t.Fatalf("replay counted %+v in %d checks; the run %+v in %d", rep.Stats, rep.Checks, sum.Stats, sum.Checks)
	}
}

func TestReplay_CorruptTracesAreRefused(t *testing.T) {
	var b bytes.Buffer
	tw, _ := NewTraceWriter(&b, TraceHeader{Profile: reference.Pipedrive, Seed: 3})
	if _, err := Simulate(context.Background(), Config{Profile: reference.Pipedrive, Seed: 3, Companies: 2, Users: 20, Events: 200}, Options{Trace: tw}); err != nil {
		t.Fatal(err)
	}
	tw.Flush()
	good := b.String()
	lines := strings.SplitAfter(good, "\n")
	refusal := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, `"refused":`) })
	if refusal < 0 {
		t.Fatal("the run traced no refused command")
	}
	cases := map[string]string{
		"other refusal":    strings.Join(lines[:refusal], "") + regexp.MustCompile(`"refused":"[^"]*"`).ReplaceAllString(lines[refusal], `"refused":"no such reason"`),
		"refusal accepted": lines[0] + strings.Replace(lines[2], `"seq":2,`, `"refused":"not admin",`, 1),
		"numbered refusal": strings.Join(lines[:refusal], "") + strings.Replace(lines[refusal], `{"at"`, `{"seq":1,"at"`, 1),
		"unknown version":  strings.Replace(lines[0], `"version":2`, `"version":3`, 1),
		"empty":            "",
		"not a trace":      "hello\n",
		"unknown kind":     lines[0] + strings.Replace(lines[1], `"add_company"`, `"launch_rocket"`, 1),
		"unknown field":    lines[0] + strings.Replace(lines[1], `"Company":1`, `"Company":1,"Extra":2`, 1),
		"dropped event":    lines[0] + lines[1] + lines[3],
		"repeated event":   lines[0] + lines[1] + lines[1],
		"bad profile":      strings.Replace(lines[0], "pipedrive", "myspace", 1),
	}
	for name, text := range cases {
		t.Run(name, func(t *testing.T) {
			tr, err := NewTraceReader(strings.NewReader(text))
			if err == nil {
				_, err = Replay(context.Background(), tr, Options{})
			}
			if err == nil || errors.Is(err, ErrViolation) {
				t.Fatalf("replayed without a trace error: %v", err)
			}
		})
	}
}

// A model whose log is not the account of what it did: dropping an event
// from a drained batch, or logging a command at another time than it was
// told. The runner, which keeps no replica, must catch both.
type dropsFromLog struct{ base }

func (m *dropsFromLog) DrainLog() []reference.Event {
	return slices.DeleteFunc(m.Model.DrainLog(), func(e reference.Event) bool {
		_, ok := e.Command.(reference.Authorize)
		return ok
	})
}

type logsLate struct{ base }

func (m *logsLate) Apply(c reference.Command) reference.Result {
	r := m.Model.Apply(c)
	if _, ok := c.(reference.Uninstall); ok && r.Event != nil {
		r.Event.At = r.Event.At.Add(time.Hour)
	}
	return r
}

func TestSimulate_LogNotTheRunIsAReplayViolation(t *testing.T) {
	for name, wrap := range map[string]func(Model) Model{
		"drops events": func(m Model) Model { return &dropsFromLog{base{m}} },
		"logs late":    func(m Model) Model { return &logsLate{base{m}} },
	} {
		t.Run(name, func(t *testing.T) {
			r := newRunner(reference.Pipedrive, 5, Options{CheckEvery: 10_000})
			r.m = wrap(r.m)
			r.stepper = r.newStepper()
			w, err := NewWorkload(smallConfig(5), r.m)
			if err != nil {
				t.Fatal(err)
			}
			r.src = &workloadSource{w: w, r: r, start: reference.EpochClock()}
			err = r.run(context.Background(), 60_000)
			if !errors.Is(err, ErrViolation) || r.sum.Violation.Invariant != "replay" {
				t.Fatalf("err = %v; want a replay violation", err)
			}
			t.Log(err)
		})
	}
}

// TestSimulate_ViolationStopsWithTheWindow runs a mutant through the runner:
// the run must stop, name the invariant and keep the window since the last
// good check.
func TestSimulate_ViolationStopsWithTheWindow(t *testing.T) {
	r := newRunner(reference.Pipedrive, 5, Options{CheckEvery: 1000, Window: 64, Sample: 200})
	r.m = &sharedForAuthorized{base{r.m}}
	r.stepper = r.newStepper()
	w, err := NewWorkload(smallConfig(5), r.m)
	if err != nil {
		t.Fatal(err)
	}
	r.src = &workloadSource{w: w, r: r, start: reference.EpochClock()}
	err = r.run(context.Background(), 60_000)
	if !errors.Is(err, ErrViolation) || r.sum.Violation.Invariant != "extension-access" {
		t.Fatalf("err = %v; want an extension-access violation", err)
	}
	s := r.sum
	if s.Failing == nil || s.WindowFrom == 0 || s.WindowTo < s.WindowFrom || s.WindowTo-s.WindowFrom >= 1000+64 {
		t.Fatalf("failing %v, window of events %d to %d", s.Failing, s.WindowFrom, s.WindowTo)
	}
	if n := len(s.Window); n == 0 || n > 256 || s.Window[n-1].Seq != s.WindowTo || s.Window[0].Seq < s.WindowFrom {
		t.Fatalf("kept %d events of the window %d to %d", n, s.WindowFrom, s.WindowTo)
	}
}

// TestTrace_EveryCommandKindRoundTrips encodes one command of every kind
// the decoder table knows and reads it back equal.
func TestTrace_EveryCommandKindRoundTrips(t *testing.T) {
	cmds := append(background(), reference.Install{App: insights, By: alice, Access: reference.SpecificUsers, Users: []UserID{bob}, Email: true, Accept: true},
		reference.Authorize{App: insights, By: bob, Accept: true}, reference.ManageUsers{App: insights, By: alice, Add: []UserID{carol}, Remove: []UserID{bob}},
		reference.SetSharingMode{App: solo, Mode: reference.ModeAddToAccount, By: reference.PartyMarketplace},
		reference.ChangeScopes{App: notes, Scopes: []string{"deals:full"}}, reference.ExpireAuthorization{App: insights, User: bob},
		reference.Uninstall{App: insights, By: bob}, reference.OpenApps{User: carol},
		reference.CreateObject{App: solo, By: alice, Object: reference.Pipeline, Name: "P"})
	var events []reference.Event
	for i, c := range cmds {
		events = append(events, reference.Event{Seq: uint64(i + 1), At: reference.EpochClock(), Command: c})
	}
	var b bytes.Buffer
	tw, _ := NewTraceWriter(&b, TraceHeader{Profile: reference.Pipedrive})
	if err := tw.Write(events); err != nil {
		t.Fatal(err)
	}
	tw.Flush()
	tr, err := NewTraceReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, want := range events {
		got, err := tr.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Command, want.Command) || got.Seq != want.Seq || !got.At.Equal(want.At) {
			t.Fatalf("read %+v, wrote %+v", got, want)
		}
		kinds[got.Command.Kind()] = true
	}
	for _, k := range []string{"add_company", "join_company", "publish_app", "set_sharing_mode", "install", "authorize",
		"manage_users", "change_scopes", "expire_authorization", "uninstall", "open_apps", "create_object"} {
		if !kinds[k] {
			t.Errorf("no %s in the round trip", k)
		}
		if _, ok := commandDecoders()[k]; !ok {
			t.Errorf("no decoder for %s", k)
		}
	}
}

// TestReplay_AccountTracesReplayExactly records a checked Procore and a
// checked Zoom run and replays each: the replay accepts every event and
// refuses every refused command again, counts and checks the same, and
// records the same trace.
func TestReplay_AccountTracesReplayExactly(t *testing.T) {
	for _, p := range []reference.Profile{reference.Procore, reference.Zoom} {
		t.Run(string(p), func(t *testing.T) {
			var b bytes.Buffer
			tw, _ := NewTraceWriter(&b, TraceHeader{Profile: p, Seed: 9})
			cfg := Config{Profile: p, Seed: 9, Companies: 10, Users: 1000, Events: 30_000}
			sum, err := Simulate(context.Background(), cfg, Options{CheckEvery: 3000, Trace: tw})
			if err != nil {
				t.Fatal(err)
			}
			tw.Flush()
			s := sum.Stats
			t.Logf("%d events, %d installs, %d requests, %d approved, %d denied, refusals %v", s.Events, s.Installs, s.Requests, s.Approved, s.Denied, s.Refusals)
			if s.Installs == 0 || s.Requests == 0 || s.Approved == 0 || s.Denied == 0 || len(s.Refusals) < 5 {
				t.Fatalf("the run did too little: %+v", s)
			}
			tr, err := NewTraceReader(bytes.NewReader(b.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			var again bytes.Buffer
			tw2, _ := NewTraceWriter(&again, tr.Header)
			rep, err := Replay(context.Background(), tr, Options{CheckEvery: 3000, Trace: tw2})
			if err != nil {
				t.Fatal(err)
			}
			tw2.Flush()
			r := rep.Stats
			if !reflect.DeepEqual(r, s) || rep.Checks != sum.Checks {
				t.Fatalf("replay counted %+v in %d checks; the run %+v in %d", r, rep.Checks, s, sum.Checks)
			}
			if !bytes.Equal(again.Bytes(), b.Bytes()) {
				t.Fatal("the replay recorded a different trace")
			}
		})
	}
}
