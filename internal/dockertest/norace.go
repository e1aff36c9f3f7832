//go:build !race

package dockertest

const raceEnabled = false
