package marketplace

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/appcert/appcert/internal/ca"
)

// BenchmarkAPICall compares an API call over plain HTTP with one over
// HTTPS from appcert's CA, each client keeping its connection alive, as an
// app's HTTP client does: the handshake is paid once (goal: HTTPS within
// 1.5x of plain per call).
func BenchmarkAPICall(b *testing.B) {
	for _, useTLS := range []bool{false, true} {
		name := "plain"
		if useTLS {
			name = "tls"
		}
		b.Run(name, func(b *testing.B) {
			m, _ := fixture(b, Options{RateLimit: 1 << 20}, nil)
			at, _ := login(b, m, 101)
			srv := httptest.NewUnstartedServer(m)
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			if useTLS {
				authority, err := ca.Load(b.TempDir())
				must(b, err)
				conf, err := authority.ServerConfig()
				must(b, err)
				srv.TLS = conf
				srv.StartTLS()
				roots, err := authority.Pool()
				must(b, err)
				client.Transport.(*http.Transport).TLSClientConfig = &tls.Config{RootCAs: roots}
			} else {
				srv.Start()
			}
			b.Cleanup(srv.Close)
			b.Cleanup(client.CloseIdleConnections)
			req, err := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/users/me", nil)
			must(b, err)
			req.Header.Set("Authorization", "Bearer "+at)
			b.ReportAllocs()
			for b.Loop() {
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
		})
	}
}
