package reference

import (
	"fmt"
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
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if m.Status(insights, UserID(2+i%(n-1))) != StatusAuthorize {
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
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if !m.APICall(insights, 1, "GET", "/deals/42").Allowed {
					b.Fatal("denied")
				}
			}
		})
	}
}
