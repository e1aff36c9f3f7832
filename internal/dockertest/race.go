//go:build race

package dockertest

// raceEnabled: the race detector is on. The container tests then skip: they
// exercise processes and the engine, not shared memory, and already run in
// the plain pass of make test; running them twice only loads the machine
// the timing-sensitive tests share.
const raceEnabled = true
