package reference

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchMarket is a market with one company of n users (user 1 the admin)
// and the insights app listed.
func benchMarket(b *testing.B, n int) *Market {
	b.Helper()
	m := New(Pipedrive, nil)
	mustApply(b, m, AddCompany{Company: 1, Name: "Big"},
		PublishApp{App: App{ID: insights, Name: "Deal Insights", Mode: ModeSharedExtensions, AllowSpecificUsers: true,
			Scopes: []string{"deals:read"}, Extensions: ExtensionKinds()}})
	for i := 1; i <= n; i++ {
		mustApply(b, m, JoinCompany{User: UserID(i), Company: 1, Name: fmt.Sprintf("User %d", i), Admin: i == 1})
	}
	return m
}

var companySizes = []int{10, 100_000}

// spread is the users 2 to n, all but the admin: queries over many users,
// as the simulator's, reach every user's state rather than one user's,
// which stays in the cache. They go in ID order, the order users joined;
// shuffled, they measure the machine's memory more than the model.
func spread(n int, shuffled bool) []UserID {
	ids := make([]UserID, n-1)
	for i := range ids {
		ids[i] = UserID(i + 2)
	}
	if shuffled {
		rand.New(rand.NewPCG(1, 2)).Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	}
	return ids
}

// drainEvery keeps the event log short during a benchmark, so that what is
// measured is the command, not the garbage collector walking a log of
// millions of events.
func drainEvery(m *Market, i int) {
	if i%1024 == 0 {
		m.DrainLog()
	}
}

// Each benchmark runs in a company of 10 and of 100,000 users: the cost of
// an operation must not grow with the company.

func BenchmarkMarket_Install(b *testing.B) {
	for _, n := range companySizes {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			m := benchMarket(b, n)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				u := UserID(2 + i%(n-1))
				m.Apply(Install{App: insights, By: u, Accept: true})
				m.Apply(Uninstall{App: insights, By: u})
				drainEvery(m, i)
			}
		})
	}
}

func BenchmarkMarket_ShareWithAllUsers(b *testing.B) {
	for _, n := range companySizes {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			m := benchMarket(b, n)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				m.Apply(Install{App: insights, By: 1, Access: AllUsers, Accept: true})
				m.Apply(Uninstall{App: insights, By: 1})
				drainEvery(m, i)
			}
		})
	}
}

func BenchmarkMarket_UserJoins(b *testing.B) {
	for _, n := range companySizes {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			m := benchMarket(b, n)
			mustApply(b, m, Install{App: insights, By: 1, Access: AllUsers, Accept: true})
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				m.Apply(JoinCompany{User: UserID(n + 1 + i), Company: 1, Name: "Joiner"})
				drainEvery(m, i)
			}
		})
	}
}

func BenchmarkMarket_Status(b *testing.B) {
	for _, n := range companySizes {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			m := benchMarket(b, n)
			mustApply(b, m, Install{App: insights, By: 1, Access: AllUsers, Accept: true})
			users := spread(n, false)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if m.Status(insights, users[i%len(users)]) != StatusAuthorize {
					b.Fatal("wrong status")
				}
			}
		})
	}
}

func BenchmarkMarket_APICall(b *testing.B) {
	for _, n := range companySizes {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			m := benchMarket(b, n)
			mustApply(b, m, Install{App: insights, By: 1, Access: AllUsers, Accept: true})
			users := spread(n, false)
			// Every other user authorizes: the calls meet both answers.
			for k, u := range users {
				if k%2 == 0 {
					mustApply(b, m, Authorize{App: insights, By: u, Accept: true})
				}
			}
			m.DrainLog()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				k := i % len(users)
				if m.APICall(insights, users[k], "GET", "/deals/42").Allowed != (k%2 == 0) {
					b.Fatal("wrong answer")
				}
			}
		})
	}
}
