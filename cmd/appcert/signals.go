package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/appcert/appcert/internal/cleanup"
)

// signalCause is why the run's context ended: a signal (Ctrl-C, or a CI
// cancelling the job with SIGTERM).
type signalCause struct{ sig syscall.Signal }

func (s *signalCause) Error() string { return "received " + s.sig.String() }

// notifySignals returns a context cancelled, with a *signalCause, on the
// first SIGINT or SIGTERM: a command then stops and reports what it found.
// A second signal ends the process at once, unless it repeats the first
// within repeatWindow (see interrupt.exitNow).
func notifySignals(parent context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		var first os.Signal
		select {
		case first = <-ch:
		case <-ctx.Done():
			return
		}
		s, _ := first.(syscall.Signal)
		in := interrupt{sig: s, at: time.Now()}
		cancel(&signalCause{s})
		for again := range ch {
			s, _ := again.(syscall.Signal)
			if in.exitNow(s, time.Now()) {
				// Temporary folders and a browser, which the exit's
				// skipped deferred calls would have removed.
				cleanup.Run(exitCleanupWait)
				os.Exit(128 + int(s))
			}
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		cancel(nil)
	}
}

// exitCleanupWait bounds the clean-up before an exit at once: stopping a
// browser and removing folders takes milliseconds.
const exitCleanupWait = 2 * time.Second

// repeatWindow is how long a repeat of the first signal is the same
// interrupt. GNU timeout sends its signal to appcert and then to appcert's
// process group, and a Ctrl-C at a terminal reaches every process of the
// foreground group (timeout, which passes it on, as well as appcert): one
// stop arrives two or three times within milliseconds. A person who
// presses Ctrl-C again because the stop is slow has waited to see it, well
// over a second; a second is also far more than a loaded machine delays a
// signal.
const repeatWindow = time.Second

// interrupt is the first signal a run received, and when.
type interrupt struct {
	sig syscall.Signal
	at  time.Time
}

// exitNow reports whether signal s, received at now, ends the process at
// once rather than letting the first one's orderly stop finish: any other
// signal does, and so does the same one after repeatWindow.
func (in interrupt) exitNow(s syscall.Signal, now time.Time) bool {
	return s != in.sig || now.Sub(in.at) >= repeatWindow
}

// interruptedCode is the exit code of a run a signal cut short: 128 plus
// the signal's number, as a shell reports it (130 for Ctrl-C, 143 for
// SIGTERM); 130 when the context ended for another reason.
func interruptedCode(ctx context.Context) int {
	var sc *signalCause
	if errors.As(context.Cause(ctx), &sc) && sc.sig != 0 {
		return 128 + int(sc.sig)
	}
	return 130
}
