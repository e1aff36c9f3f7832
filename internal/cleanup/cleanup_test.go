package cleanup

import (
	"sync/atomic"
	"testing"
	"time"
)

func TestRun_RunsWhatIsRegisteredOnce(t *testing.T) {
	var a, b atomic.Int32
	defer Register(func() { a.Add(1) })()
	unregister := Register(func() { b.Add(1) })
	unregister()
	Run(time.Minute)
	Run(time.Minute)
	if a.Load() != 1 || b.Load() != 0 {
		t.Errorf("registered ran %d times, want 1; unregistered ran %d times, want 0", a.Load(), b.Load())
	}
}

// A clean-up that hangs does not keep the process from exiting, nor the
// others from running.
func TestRun_DoesNotWaitOnAHungCleanup(t *testing.T) {
	hang := make(chan struct{})
	defer close(hang)
	var ran atomic.Bool
	defer Register(func() { <-hang })()
	defer Register(func() { ran.Store(true) })()
	returned := make(chan struct{})
	go func() {
		Run(10 * time.Millisecond)
		close(returned)
	}()
	select {
	case <-returned:
	case <-time.After(time.Minute):
		t.Fatal("Run waited on a clean-up that hangs")
	}
	// Run gave up on both; the other one runs all the same.
	for deadline := time.Now().Add(time.Minute); !ran.Load(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the other clean-up did not run")
		}
	}
}
