package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func runSimArgs(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), append([]string{"sim"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestSim_RunPrintsTheSummary(t *testing.T) {
	code, out, errs := runSimArgs(t, "--companies", "5", "--users", "500", "--events", "20000", "--check-every", "5000", "--seed", "4")
	if code != exitOK {
		t.Fatalf("exit %d; stderr %s", code, errs)
	}
	for _, want := range []string{"events/s", "peak memory", "installs", "% of installs", "% of shared", "refusals by reason", "effects by kind", "sharing_callback", "checks        4"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
}

func TestSim_TraceReplays(t *testing.T) {
	dir := t.TempDir()
	trace := filepath.Join(dir, "run.jsonl")
	if code, _, errs := runSimArgs(t, "--companies", "3", "--users", "100", "--events", "3000", "--trace", trace); code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	code, out, errs := runSimArgs(t, "--replay", trace, "--check-every", "500")
	if code != exitOK || !strings.Contains(out, "replay of profile pipedrive") {
		t.Fatalf("replay exit %d: %s%s", code, out, errs)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("files left: %v", entries)
	}
}

func TestSim_BadInputExitsTwoAndWritesNothing(t *testing.T) {
	dir := t.TempDir()
	trace := filepath.Join(dir, "out.jsonl")
	corrupt := filepath.Join(dir, "corrupt.jsonl")
	os.WriteFile(corrupt, []byte(`{"trace":"appcert-sim","version":1,"profile":"pipedrive","seed":1}`+"\n"+`{"seq":1,"kind":"nope","cmd":{}}`+"\n"), 0o644)
	cases := [][]string{
		{"--profile", "myspace"},
		{"--companies", "0"},
		{"--users", "5", "--companies", "10"},
		{"--events", "10", "--users", "1000"},
		{"--check-every", "-1"},
		{"--seed", "x"},
		{"extra"},
		{"--replay", filepath.Join(dir, "missing.jsonl")},
		{"--replay", corrupt},
	}
	for _, args := range cases {
		code, _, errs := runSimArgs(t, append(args, "--trace", trace)...)
		if code != exitSetup || errs == "" {
			t.Errorf("%v: exit %d, stderr %q; want 2 and a message", args, code, errs)
		}
		if _, err := os.Stat(trace); err == nil {
			t.Fatalf("%v wrote the trace", args)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("files left: %v", entries)
	}
}

// TestSim_ProcoreAndZoomRunsReplay runs each profile's workload with a
// trace and replays it: the replay records the same trace again, and the
// summary reports the requests and their decisions.
func TestSim_ProcoreAndZoomRunsReplay(t *testing.T) {
	for _, p := range []string{"procore", "zoom"} {
		t.Run(p, func(t *testing.T) {
			dir := t.TempDir()
			trace, again := filepath.Join(dir, "run.jsonl"), filepath.Join(dir, "again.jsonl")
			code, out, errs := runSimArgs(t, "--profile", p, "--companies", "5", "--users", "500", "--events", "20000", "--check-every", "5000", "--trace", trace)
			if code != exitOK {
				t.Fatalf("exit %d: %s%s", code, out, errs)
			}
			for _, want := range []string{"run of profile " + p, "requests", "% of made", "approved", "denied", "refusals by reason"} {
				if !strings.Contains(out, want) {
					t.Errorf("summary lacks %q:\n%s", want, out)
				}
			}
			if strings.Contains(out, "seed 000") {
				t.Errorf("the summary gives Pipedrive's sharing figures:\n%s", out)
			}
			code, out, errs = runSimArgs(t, "--replay", trace, "--check-every", "5000", "--trace", again)
			if code != exitOK || !strings.Contains(out, "replay of profile "+p) {
				t.Fatalf("replay exit %d: %s%s", code, out, errs)
			}
			a, _ := os.ReadFile(trace)
			b, _ := os.ReadFile(again)
			if len(a) == 0 || !bytes.Equal(a, b) {
				t.Fatalf("the replay's trace differs from the run's (%d and %d bytes)", len(a), len(b))
			}
		})
	}
}

// TestSim_ReplayReproducesTheRun replays a Zoom run's trace without
// repeating its flags: the replay runs the same commands (the refused ones
// too), checks at the same commands, and prints the same summary.
func TestSim_ReplayReproducesTheRun(t *testing.T) {
	trace := filepath.Join(t.TempDir(), "run.jsonl")
	code, run, errs := runSimArgs(t, "--profile", "zoom", "--seed", "7", "--companies", "5", "--users", "500", "--events", "20000", "--check-every", "3000", "--trace", trace)
	if code != exitOK {
		t.Fatalf("exit %d: %s%s", code, run, errs)
	}
	code, replay, errs := runSimArgs(t, "--replay", trace)
	if code != exitOK {
		t.Fatalf("replay exit %d: %s%s", code, replay, errs)
	}
	// Timing and memory differ; everything else must not.
	steady := func(out string) []string {
		var keep []string
		for _, l := range strings.Split(out, "\n")[1:] {
			if strings.HasPrefix(l, "  peak memory") {
				continue
			}
			if before, _, ok := strings.Cut(l, " in "); ok && strings.HasPrefix(l, "  commands") {
				l = before
			}
			keep = append(keep, l)
		}
		return keep
	}
	if a, b := steady(run), steady(replay); !slices.Equal(a, b) {
		t.Fatalf("the replay's summary differs from the run's:\n%s\n%s", run, replay)
	}
	for _, want := range []string{"commands      20000 (", "checks        7"} {
		if !strings.Contains(replay, want) {
			t.Errorf("replay summary lacks %q:\n%s", want, replay)
		}
	}
	// A run that checked nothing replays checking nothing.
	if code, _, errs := runSimArgs(t, "--companies", "3", "--users", "100", "--events", "3000", "--check-every", "0", "--trace", trace); code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if code, replay, errs = runSimArgs(t, "--replay", trace); code != exitOK || !strings.Contains(replay, "checks        0\n") {
		t.Fatalf("replay of an unchecked run, exit %d: %s%s", code, replay, errs)
	}
}

// TestSim_NoTerminalEscapesOffATerminal runs long enough for progress
// lines with stderr a file: nothing on it may be a terminal control.
func TestSim_NoTerminalEscapesOffATerminal(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out bytes.Buffer
	code := run(context.Background(), []string{"sim", "--companies", "5", "--users", "500", "--events", "20000", "--check-every", "5000"}, &out, f)
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	b, _ := os.ReadFile(f.Name())
	if bytes.ContainsAny(b, "\r\x1b") {
		t.Fatalf("stderr holds terminal controls: %q", b)
	}
	if isTerminal(f) || isTerminal(&out) {
		t.Fatal("a file or a buffer taken for a terminal")
	}
}
