package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/appcert/appcert/reference"
	"github.com/appcert/appcert/sim"
)

const simUsage = `Usage: appcert sim [flags]

Runs a seeded workload (or a recorded trace) against the reference model
and checks its invariants as it goes.

Exit codes: 0 every invariant held, 1 a violation (with its seed and trace),
2 bad flags or a corrupt trace (nothing written).
`

// runSim is `appcert sim`: a seeded workload (or a recorded trace) applied
// to the reference model, with the invariants checked as it runs.
func runSim(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("appcert sim", simUsage, stdout, stderr)
	def := sim.DefaultConfig()
	profile := fs.String("profile", string(def.Profile), "marketplace rules `name`: pipedrive, procore or zoom")
	seed := fs.Uint64("seed", def.Seed, "workload `seed`: the same seed gives the same run")
	companies := fs.Int("companies", def.Companies, "`n` companies in the market")
	users := fs.Int("users", def.Users, "`n` users in all, joining over the run")
	events := fs.Int("events", def.Events, "`n` commands in all, setup included")
	checkEvery := fs.Int("check-every", sim.DefaultCheckEvery, "check the invariants every `n` commands (0: never)")
	tracePath := fs.String("trace", "", "write the event log to `FILE` as JSON lines")
	replayPath := fs.String("replay", "", "replay the trace in `FILE` instead of generating a workload")
	pos, code, stop := fs.parse(args)
	if stop {
		return code
	}
	if len(pos) > 0 {
		return fs.usageErr("unexpected argument %q", pos[0])
	}
	cfg := sim.Config{Profile: reference.Profile(*profile), Seed: *seed, Companies: *companies, Users: *users, Events: *events}
	if *checkEvery < 0 {
		fmt.Fprintf(stderr, "appcert sim: --check-every %d: must not be negative\n", *checkEvery)
		return exitSetup
	}
	if !slices.Contains(reference.Profiles(), cfg.Profile) {
		fmt.Fprintf(stderr, "appcert sim: --profile %q: want one of %v\n", *profile, reference.Profiles())
		return exitSetup
	}
	var tr *sim.TraceReader
	if *replayPath != "" {
		f, err := os.Open(*replayPath)
		if err != nil {
			fmt.Fprintf(stderr, "appcert sim: --replay: %v\n", err)
			return exitSetup
		}
		defer f.Close()
		if tr, err = sim.NewTraceReader(f); err != nil {
			fmt.Fprintf(stderr, "appcert sim: --replay %s: %v\n", *replayPath, err)
			return exitSetup
		}
		cfg.Profile, cfg.Seed = tr.Header.Profile, tr.Header.Seed
		// A replay checks where the run did unless told otherwise.
		if !fs.isSet("check-every") && tr.Header.Version >= 2 {
			*checkEvery = tr.Header.CheckEvery
		}
	} else if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "appcert sim: %v\n", err)
		return exitSetup
	}

	opt := sim.Options{CheckEvery: *checkEvery}
	// The progress line redraws itself on a terminal; elsewhere (a CI log,
	// a file) it would be a run of control characters, so there is none.
	tty := isTerminal(stderr)
	if tty {
		opt.Progress = func(p sim.Progress) {
			rate := float64(p.Commands) / p.Elapsed.Seconds()
			if p.Total > 0 {
				fmt.Fprintf(stderr, "\rappcert sim: %d/%d commands (%.0f%%), %.0f/s   ", p.Commands, p.Total, 100*float64(p.Commands)/float64(p.Total), rate)
			} else {
				fmt.Fprintf(stderr, "\rappcert sim: %d commands, %.0f/s   ", p.Commands, rate)
			}
		}
	}

	// The trace goes to a temporary file renamed into place at the end, so
	// a run that fails to start leaves nothing behind.
	var tmp *os.File
	if *tracePath != "" {
		var err error
		tmp, err = os.CreateTemp(filepath.Dir(*tracePath), "."+filepath.Base(*tracePath)+".*")
		if err != nil {
			fmt.Fprintf(stderr, "appcert sim: --trace: %v\n", err)
			return exitSetup
		}
		defer os.Remove(tmp.Name()) // a no-op once renamed
		if opt.Trace, err = sim.NewTraceWriter(tmp, sim.TraceHeader{Profile: cfg.Profile, Seed: cfg.Seed, CheckEvery: *checkEvery}); err != nil {
			tmp.Close()
			fmt.Fprintf(stderr, "appcert sim: --trace: %v\n", err)
			return exitSetup
		}
	}

	var sum *sim.Summary
	var err error
	if tr != nil {
		sum, err = sim.Replay(ctx, tr, opt)
	} else {
		sum, err = sim.Simulate(ctx, cfg, opt)
	}
	if tty {
		fmt.Fprint(stderr, "\r\033[K") // clear the progress line
	}
	if tmp != nil {
		ferr := opt.Trace.Flush()
		if cerr := tmp.Close(); ferr == nil {
			ferr = cerr
		}
		// A trace is kept for a run that finished or found a violation;
		// a corrupt replay or a failed run leaves nothing.
		if ferr == nil && (err == nil || errors.Is(err, sim.ErrViolation)) {
			ferr = os.Rename(tmp.Name(), *tracePath)
		}
		if ferr != nil && err == nil {
			err = fmt.Errorf("--trace: %w", ferr)
		}
	}
	if sum != nil && (err == nil || errors.Is(err, sim.ErrViolation)) {
		printSummary(stdout, sum, tr != nil)
	}
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, sim.ErrViolation):
		printViolation(stdout, sum, *tracePath)
		return exitFail
	default:
		fmt.Fprintf(stderr, "appcert sim: %v\n", err)
		return exitSetup
	}
}

func printSummary(w io.Writer, s *sim.Summary, replayed bool) {
	st := s.Stats
	what := "run"
	if replayed {
		what = "replay"
	}
	fmt.Fprintf(w, "appcert sim: %s of profile %s, seed %d\n", what, s.Profile, s.Seed)
	fmt.Fprintf(w, "  commands      %d (%d events accepted) in %s: %.0f events/s\n", st.Commands, st.Events, s.Elapsed.Round(time.Millisecond), s.EventsPerSecond())
	fmt.Fprintf(w, "  peak memory   %.1f MiB\n", float64(s.PeakMemory)/(1<<20))
	fmt.Fprintf(w, "  checks        %d\n", s.Checks)
	fmt.Fprintf(w, "  users joined  %d\n", st.Joined)
	fmt.Fprintf(w, "  installs      %d\n", st.Installs)
	if s.Profile == reference.Pipedrive {
		fmt.Fprintf(w, "  shared        %d (%.1f%% of installs; seed 000: up to 30%%)\n", st.Shared, sim.Percent(st.Shared, st.Installs))
		fmt.Fprintf(w, "  all users     %d (%.1f%% of shared; seed 000: 70%%)\n", st.All, sim.Percent(st.All, st.Shared))
	} else {
		decided := st.Approved + st.Denied
		fmt.Fprintf(w, "  requests      %d made, %d decided (%.1f%% of made)\n", st.Requests, decided, sim.Percent(decided, st.Requests))
		fmt.Fprintf(w, "  approved      %d (%.1f%% of decided)\n", st.Approved, sim.Percent(st.Approved, decided))
		fmt.Fprintf(w, "  denied        %d (%.1f%% of decided)\n", st.Denied, sim.Percent(st.Denied, decided))
	}
	fmt.Fprintf(w, "  refusals by reason:\n")
	for _, r := range slices.Sorted(maps.Keys(st.Refusals)) {
		fmt.Fprintf(w, "    %-45s %d\n", r, st.Refusals[r])
	}
	fmt.Fprintf(w, "  effects by kind:\n")
	for _, k := range slices.Sorted(maps.Keys(st.Effects)) {
		fmt.Fprintf(w, "    %-45s %d\n", k, st.Effects[k])
	}
}

// printViolation names the invariant, the seed to run again, and the
// events since the last good check, the last of them in the words of the
// feature steps.
func printViolation(w io.Writer, s *sim.Summary, trace string) {
	v := s.Violation
	fmt.Fprintf(w, "\nVIOLATION: %v\n", v)
	fmt.Fprintf(w, "  seed %d; reproduce with: appcert sim --seed %d (same flags)", s.Seed, s.Seed)
	if trace != "" {
		fmt.Fprintf(w, ", or appcert sim --replay %s", trace)
	}
	fmt.Fprintln(w)
	cmds := make([]reference.Command, 0, len(s.Window)+1)
	for _, e := range s.Window {
		cmds = append(cmds, e.Command)
	}
	if s.Failing != nil && (len(cmds) == 0 || !sameCommand(cmds[len(cmds)-1], s.Failing)) {
		cmds = append(cmds, s.Failing)
	}
	if s.WindowTo > 0 {
		fmt.Fprintf(w, "  the trace since the last good check: events %d to %d (%d events)\n", s.WindowFrom, s.WindowTo, s.WindowTo-s.WindowFrom+1)
	}
	const shown = 20
	if len(cmds) > shown {
		fmt.Fprintf(w, "  its last %d steps, the failing one last:\n", shown)
		cmds = cmds[len(cmds)-shown:]
	} else {
		fmt.Fprintf(w, "  its steps, the failing one last:\n")
	}
	io.WriteString(w, strings.TrimRight(sim.WordsMidRun(s.Names, cmds), "\n")+"\n")
}

func sameCommand(a, b reference.Command) bool {
	return fmt.Sprintf("%#v", a) == fmt.Sprintf("%#v", b)
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
