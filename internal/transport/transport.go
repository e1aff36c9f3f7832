// Package transport gives the packages that make HTTP clients of their own
// a fresh transport with net/http's defaults, also while a test has
// replaced http.DefaultTransport (httpmock's activation does, and
// certifytest's zero-change mode uses it).
package transport

import "net/http"

// base is net/http's default transport, taken at start-up, before any
// test can replace it.
var base = http.DefaultTransport.(*http.Transport)

// New returns a transport of its own with net/http's default settings.
func New() *http.Transport { return base.Clone() }
