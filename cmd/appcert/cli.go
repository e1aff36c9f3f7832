package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// cliFlags is one subcommand's flags, parsed the same way everywhere:
// flags may stand before or after the arguments, are written --name
// (-name works too), --help prints the usage on stdout and exits 0, and a
// bad flag says what is wrong on stderr and exits 2.
type cliFlags struct {
	*flag.FlagSet
	cmd    string // "appcert certify"
	usage  string // the text before the flags
	stdout io.Writer
	stderr io.Writer
}

func newFlags(cmd, usage string, stdout, stderr io.Writer) *cliFlags {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	f := &cliFlags{FlagSet: fs, cmd: cmd, usage: usage, stdout: stdout, stderr: stderr}
	// A bad flag gets one line, written by parse: the flag package's own
	// would name the flag -name, without the command.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return f
}

// parse parses args, flags wherever they stand among the positional
// arguments, and returns the positional ones. stop is true when the
// command should exit with code at once (--help, or a bad flag).
func (f *cliFlags) parse(args []string) (pos []string, code int, stop bool) {
	for {
		if err := f.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				f.help(f.stdout)
				return nil, exitOK, true
			}
			return nil, f.usageErr("%s", flagDashes.ReplaceAllString(err.Error(), "$1--$2")), true
		}
		args = f.Args()
		if len(args) == 0 {
			return pos, 0, false
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), 0, false
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// flagDashes finds a flag's name in the flag package's errors ("for flag
// -rule"), to write it as the help does (--rule).
var flagDashes = regexp.MustCompile(`(flag |for |defined: |argument: )-([A-Za-z])`)

// isSet reports whether the command line set the flag name.
func (f *cliFlags) isSet(name string) bool {
	set := false
	f.Visit(func(fl *flag.Flag) { set = set || fl.Name == name })
	return set
}

// usageErr reports a usage error in one line, with where to read more.
func (f *cliFlags) usageErr(format string, a ...any) int {
	fmt.Fprintf(f.stderr, f.cmd+": "+format+"; run '"+f.cmd+" --help' for usage\n", a...)
	return exitSetup
}

// help writes the usage text and the flags, each as --name VALUE.
func (f *cliFlags) help(w io.Writer) {
	var b strings.Builder
	b.WriteString(strings.TrimRight(f.usage, "\n"))
	b.WriteString("\n")
	var rows [][2]string
	width := 0
	f.VisitAll(func(fl *flag.Flag) {
		value, usage := flag.UnquoteUsage(fl)
		left := "--" + fl.Name
		if value != "" {
			left += " " + strings.ToUpper(value)
		}
		if def := fl.DefValue; def != "" && def != "false" && def != "0" && def != "[]" {
			usage += fmt.Sprintf(" (default %s)", def)
		}
		rows = append(rows, [2]string{left, usage})
		width = max(width, len(left))
	})
	if len(rows) > 0 {
		b.WriteString("\nFlags:\n")
		for _, r := range rows {
			fmt.Fprintf(&b, "  %-*s  %s\n", width, r[0], r[1])
		}
	}
	io.WriteString(w, b.String())
}
