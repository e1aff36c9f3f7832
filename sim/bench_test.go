package sim

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/appcert/appcert/reference"
)

// The simulator's goals, measured (see the README): `appcert sim` as it
// runs by default, checks on, at 1,000,000 commands a second or more; a
// run of 10,000,000 commands over 1,000,000 users checked every 100,000
// in under 30 s and 1 GiB. BenchmarkBaseline_MapUpdate is the yardstick
// to read them against on the machine at hand.

// benchSim runs cfg and reports commands per second of wall time and of
// CPU time (see cpuTime), the run's own peak memory, and how many checks
// it made.
func benchSim(b *testing.B, cfg Config, opt Options) {
	var n, checks int
	var elapsed, cpu time.Duration
	var peak uint64
	for b.Loop() {
		runtime.GC() // the last run's market is not this one's
		c0 := cpuTime()
		sum, err := Simulate(context.Background(), cfg, opt)
		if err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime() - c0
		n += sum.Stats.Commands
		checks += sum.Checks
		elapsed += sum.Elapsed
		peak = max(peak, sum.PeakMemory)
	}
	reportRates(b, n, elapsed, cpu)
	b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
	b.ReportMetric(float64(checks)/float64(b.N), "checks/run")
}

func reportRates(b *testing.B, n int, elapsed, cpu time.Duration) {
	b.ReportMetric(float64(n)/elapsed.Seconds(), "commands/s")
	if cpu > 0 {
		b.ReportMetric(float64(n)/cpu.Seconds(), "commands/cpu-s")
	}
}

// BenchmarkSim_Default is `appcert sim` with no flags: Pipedrive, 100
// companies, 10,000 users, 1,000,000 commands, checked every 100,000.
func BenchmarkSim_Default(b *testing.B) {
	benchSim(b, DefaultConfig(), Options{CheckEvery: DefaultCheckEvery})
}

// BenchmarkSim_DefaultUnchecked is the same run without checks, to show
// what the checks cost.
func BenchmarkSim_DefaultUnchecked(b *testing.B) {
	benchSim(b, DefaultConfig(), Options{})
}

// BenchmarkSim_MillionUsers is the large run: 1,000 companies, 1,000,000
// users, 10,000,000 commands, checked every 100,000 (tens of seconds a
// run; `-bench MillionUsers -benchtime 1x`).
func BenchmarkSim_MillionUsers(b *testing.B) {
	cfg := DefaultConfig()
	cfg.Companies, cfg.Users, cfg.Events = 1000, 1_000_000, 10_000_000
	benchSim(b, cfg, Options{CheckEvery: DefaultCheckEvery})
}

// BenchmarkBaseline_MapUpdate is the floor a command cannot go below: one
// update of a map keyed by user over the default run's 10,000 users, the
// users drawn as the workload draws them, as many times as the default
// run has commands. Read the simulator's rate as a multiple of this one,
// measured in the same run on the same machine.
func BenchmarkBaseline_MapUpdate(b *testing.B) {
	cfg := DefaultConfig()
	var n int
	var elapsed, cpu time.Duration
	for b.Loop() {
		m := map[reference.UserID]uint64{}
		x := cfg.Seed | 1
		start, c0 := time.Now(), cpuTime()
		for i := range cfg.Events {
			x ^= x << 13 // xorshift: a draw as cheap as the update is
			x ^= x >> 7
			x ^= x << 17
			m[reference.UserID(1+x%uint64(cfg.Users))] += uint64(i)
		}
		elapsed += time.Since(start)
		cpu += cpuTime() - c0
		n += cfg.Events
		if len(m) == 0 {
			b.Fatal("nothing updated")
		}
	}
	reportRates(b, n, elapsed, cpu)
}
