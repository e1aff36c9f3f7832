package suite

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A scenario cancelled while the browser is still starting stops waiting
// for it, and Close ends the start: here a "Chromium" that never answers.
func TestBrowser_CancelledWhileStartingStopsWaiting(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chromium")
	if err := os.WriteFile(path, []byte("#!/bin/sh\nexec sleep 600\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	b := NewBrowser(path, "")
	ctx, cancel := context.WithCancelCause(context.Background())
	cause := errors.New("the run was cancelled")
	done := make(chan error, 1)
	go func() {
		_, _, err := b.tab(ctx)
		done <- err
	}()
	cancel(cause)
	select {
	case err := <-done:
		if !errors.Is(err, cause) {
			t.Errorf("tab: %v, want the cancellation's cause", err)
		}
	case <-time.After(time.Minute): // a hang, not a speed goal
		t.Fatal("tab still waits for the browser a minute after its scenario was cancelled")
	}
	closed := make(chan struct{})
	go func() { b.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(time.Minute):
		t.Fatal("Close still waits for a start that never ends")
	}
	if _, _, err := b.tab(context.Background()); err == nil {
		t.Error("a closed browser opened a tab")
	}
}
