package main

import "strings"

// rerunCommand is the command line that reruns this certification with
// another selection: the arguments given, less --rule and --tags (the
// report adds --rule ID for the check to rerun), quoted for a shell.
func rerunCommand(args []string) string {
	out := []string{"appcert", "certify"}
	for i := 0; i < len(args); i++ {
		name := strings.TrimLeft(args[i], "-")
		if strings.HasPrefix(args[i], "-") {
			base, _, hasValue := strings.Cut(name, "=")
			if base == "rule" || base == "tags" {
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
