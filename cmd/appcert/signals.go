package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"
)

// signalCause is why the run's context ended: a signal (Ctrl-C, or a CI
// cancelling the job with SIGTERM).
type signalCause struct{ sig syscall.Signal }

func (s *signalCause) Error() string { return "received " + s.sig.String() }

// notifySignals returns a context cancelled, with a *signalCause, on the
// first SIGINT or SIGTERM: a command then stops and reports what it found.
// A second signal ends the process at once.
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
		cancel(&signalCause{s})
		if again, ok := <-ch; ok {
			s, _ := again.(syscall.Signal)
			os.Exit(128 + int(s))
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		cancel(nil)
	}
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
