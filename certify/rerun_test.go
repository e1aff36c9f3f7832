package certify_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/appcert/appcert/certify"
	"github.com/appcert/appcert/manifest"
	"github.com/appcert/appcert/reference"
)

// An app remembers installs (the sample app, as any app with a database)
// and is certified again while it keeps running: the README's "two
// terminals" loop, and the rerun command printed under a failure. Every
// run's companies and users are new to it, so it never takes this run's
// company for an earlier run's one with the same ID, and every run passes.
func TestCertify_RerunsAgainstTheSameRunningAppPass(t *testing.T) {
	shapes := []struct {
		name  string
		kinds []reference.ExtensionKind
		tags  []string // each run's; "" is every scenario
	}{
		{"json_panel", []reference.ExtensionKind{manifest.JSONPanel}, []string{"", "", "@PD-SHARE-24", "@PD-SHARE-21", ""}},
		{"all", nil, []string{"", "@PD-SHARE-21", "@PD-SHARE-24", ""}},
	}
	for _, sh := range shapes {
		t.Run(sh.name, func(t *testing.T) {
			tg := newTarget(t, func(h http.Handler) http.Handler { return h })
			appURL := strings.TrimSuffix(tg.manifest.CallbackURL, "/callback")
			m := certify.DemoOptions{Kinds: sh.kinds}.Manifest(appURL, tg.manifest.Scopes)
			// The app calls the marketplace where the first run listened.
			addr := tg.ln.Addr().String()
			ln := tg.ln
			for i, tags := range sh.tags {
				if ln == nil {
					var err error
					if ln, err = certify.Listen(addr); err != nil {
						t.Fatal(err)
					}
				}
				rep, err := certify.Run(context.Background(), certify.Options{Manifest: m, Listener: ln, Tags: tags, NoBrowser: true})
				ln = nil // the run closed it
				if err != nil {
					t.Fatalf("run %d (%q): %v", i+1, tags, err)
				}
				if rep.ExitCode() != certify.ExitOK || rep.Counts.Failed+rep.Counts.Skipped > 0 {
					t.Fatalf("run %d (%q): exit %d (%s):\n%s", i+1, tags, rep.ExitCode(), ruleVerdicts(rep), reportText(rep))
				}
			}
		})
	}
}
