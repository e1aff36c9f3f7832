package features

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// chunks records each Write it is given.
type chunks struct {
	mu  sync.Mutex
	got []string
	err error
}

func (c *chunks) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return 0, c.err
	}
	c.got = append(c.got, string(p))
	return len(p), nil
}

func (c *chunks) text() (string, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.got, ""), len(c.got)
}

func TestBatched_PassesEverythingOnInOrderInFewerWrites(t *testing.T) {
	var out chunks
	b := newBatched(&out, time.Hour) // only Flush and the size limit write
	var want bytes.Buffer
	for i := range 3000 {
		line := strings.Repeat("x", i%50) + "\n"
		want.WriteString(line)
		if _, err := b.Write([]byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	got, writes := out.text()
	if got != want.String() {
		t.Fatalf("passed on %d bytes; want the %d written, in order", len(got), want.Len())
	}
	if writes >= 10 {
		t.Errorf("%d writes for 3000 lines of %d bytes; want one per %d bytes", writes, want.Len(), batchLimit)
	}
}

func TestBatched_WritesWhatItHoldsWithoutAFlush(t *testing.T) {
	var out chunks
	b := newBatched(&out, time.Millisecond)
	if _, err := b.Write([]byte("a scenario's lines\n")); err != nil {
		t.Fatal(err)
	}
	// Not a measure of speed: the line must come out on its own, however
	// slow the machine.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if got, _ := out.text(); got == "a scenario's lines\n" {
			return
		}
	}
	t.Fatal("what was written never reached the output without a Flush")
}

func TestBatched_ReportsAFailedWrite(t *testing.T) {
	out := chunks{err: errors.New("disk full")}
	b := newBatched(&out, time.Hour)
	if _, err := b.Write([]byte("line\n")); err != nil {
		t.Fatalf("Write held nothing yet failed: %v", err)
	}
	if err := b.Flush(); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Flush = %v; want the output's error", err)
	}
	if _, err := b.Write([]byte("more\n")); err == nil {
		t.Error("a Write after a failed one succeeded")
	}
}
