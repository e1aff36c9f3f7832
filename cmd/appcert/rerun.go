package main

import "strings"

// rerunDropped are the flags the rerun command leaves out: the selection
// (--rule and --tags; the report adds --rule ID for the check to rerun)
// and --write-baseline, whose file a rerun of one rule would overwrite
// with that rule's failures alone. The others stay: --baseline judges the
// rerun rule's entries alone, --out only holds reports, and --fault,
// --image, --listen and the like are what reproduces the failure.
var rerunDropped = map[string]bool{"rule": true, "tags": true, "write-baseline": true}

// rerunCommand is the command line that reruns this certification with
// another selection: the arguments given, less rerunDropped, quoted for a
// shell.
func rerunCommand(args []string) string {
	out := []string{"appcert", "certify"}
	for i := 0; i < len(args); i++ {
		name := strings.TrimLeft(args[i], "-")
		if strings.HasPrefix(args[i], "-") {
			base, _, hasValue := strings.Cut(name, "=")
			if rerunDropped[base] {
				if !hasValue {
					i++ // its value
				}
				continue
			}
		}
		out = append(out, shellQuote(args[i]))
	}
	return strings.Join(out, " ")
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@,+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
