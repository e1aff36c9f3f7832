package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// version is set at release time with
// -ldflags "-X main.version=v1.2.3"; otherwise the build info says it.
var version string

const versionUsage = `Usage: appcert version

Prints appcert's version: the module version it was installed at
(go install github.com/appcert/appcert/cmd/appcert@VERSION), or the commit
it was built from, and the Go version.
`

func runVersion(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("appcert version", versionUsage, stdout, stderr)
	pos, code, stop := fs.parse(args)
	if stop {
		return code
	}
	if len(pos) > 0 {
		return fs.usageErr("unexpected argument %q", pos[0])
	}
	bi, _ := debug.ReadBuildInfo()
	fmt.Fprintln(stdout, versionLine(version, bi))
	return exitOK
}

// versionLine is "appcert v1.2.3 (commit 0123abcd4567, 2026-11-30T04:00:00Z) go1.26.8":
// the version set at link time, else the module's, else "devel"; the
// commit when the build recorded one.
func versionLine(linked string, bi *debug.BuildInfo) string {
	v := linked
	var rev, at string
	dirty := false
	if bi != nil {
		if v == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	if v == "" {
		v = "devel"
	}
	line := "appcert " + v
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if dirty {
			rev += "+dirty"
		}
		line += " (commit " + rev
		if at != "" {
			line += ", " + at
		}
		line += ")"
	}
	return line + " " + runtime.Version()
}
