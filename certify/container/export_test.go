package container

import (
	"io"
	"time"

	"github.com/testcontainers/testcontainers-go"
)

// SetAfterReady replaces what runs once the app answers, for a test that
// makes it panic; the returned func restores it.
func SetAfterReady(f func()) (restore func()) {
	old := afterReady
	afterReady = f
	return func() { afterReady = old }
}

// Owner is this process's LabelOwner value.
func Owner() string { return owner() }

// NewLog is a Log writing to file.
func NewLog(file io.Writer) *Log { return &Log{file: file} }

// AcceptAt takes entry as if received at t.
func (l *Log) AcceptAt(at time.Time, entry testcontainers.Log) {
	l.now = func() time.Time { return at }
	l.Accept(entry)
}

// LockImages is lockImages, for a test that builds an image itself.
var LockImages = lockImages
