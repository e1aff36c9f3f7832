package sim

import (
	"context"
	"testing"
	"time"

	"github.com/appcert/appcert/reference"
)

// BenchmarkSim_DefaultMix runs the default mix without checks over 100
// companies and 100,000 users, 1,000,000 commands a run, and reports the
// rate: the goal is 1,000,000 events per second on one core.
func BenchmarkSim_DefaultMix(b *testing.B) {
	cfg := Config{Profile: reference.Pipedrive, Seed: 1, Companies: 100, Users: 100_000, Events: 1_000_000}
	var n int
	var elapsed time.Duration
	for b.Loop() {
		sum, err := Simulate(context.Background(), cfg, Options{})
		if err != nil {
			b.Fatal(err)
		}
		n += sum.Stats.Commands
		elapsed += sum.Elapsed
	}
	b.ReportMetric(float64(n)/elapsed.Seconds(), "events/s")
}

// BenchmarkSim_Checked is the same run checked every 100,000 commands.
func BenchmarkSim_Checked(b *testing.B) {
	cfg := Config{Profile: reference.Pipedrive, Seed: 1, Companies: 100, Users: 100_000, Events: 1_000_000}
	var n int
	var elapsed time.Duration
	for b.Loop() {
		sum, err := Simulate(context.Background(), cfg, Options{CheckEvery: 100_000})
		if err != nil {
			b.Fatal(err)
		}
		n += sum.Stats.Commands
		elapsed += sum.Elapsed
	}
	b.ReportMetric(float64(n)/elapsed.Seconds(), "events/s")
}
