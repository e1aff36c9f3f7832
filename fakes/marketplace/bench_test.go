package marketplace

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/appcert/appcert/internal/jwt"
)

// The two benchmarks send the same panel request to the same trivial app,
// one through the marketplace (token signing, recording, capped read) and
// one with a plain net/http client, so the marketplace's overhead shows.

func benchApp(b *testing.B) *httptest.Server {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"data":[{"id":1,"header":"Acme Ltd deal 1"}]}`)
	}))
	b.Cleanup(app.Close)
	return app
}

func BenchmarkMarketplace_SendPanel(b *testing.B) {
	app := benchApp(b)
	m, _ := fixture(b, Options{}, pointAt(app.URL, nil))
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		ex, err := m.SendPanel(ctx, acme, PanelRequest{UserID: 101})
		if err != nil || ex.Status != 200 {
			b.Fatalf("%v %+v", err, ex)
		}
	}
}

func BenchmarkPlainClient_Panel(b *testing.B) {
	app := benchApp(b)
	client := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	b.Cleanup(client.CloseIdleConnections)
	b.ResetTimer()
	for b.Loop() {
		now := time.Now()
		tok := jwt.Sign(jwt.Claims{UserID: 101, CompanyID: 1, IssuedAt: now.Unix(), ExpiresAt: now.Unix() + 300}, secret)
		u := app.URL + "/json_panel?resource=deal&view=details&userId=101&companyId=1&selectedIds=1&isShared=false&token=" + tok
		resp, err := client.Get(u)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || len(body) == 0 {
			b.Fatal(strconv.Itoa(resp.StatusCode))
		}
	}
}
