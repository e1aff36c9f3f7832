package steps

import (
	"strings"

	"github.com/appcert/appcert/reference"
)

// The steps' words for the model's values, for tools that write scenarios
// (appcert serve records what its user does as one).

// UseWords is the {use} of "{person}'s {extension} of {app} {use}".
func UseWords(u reference.Use) string {
	w := useWords(u)
	if strings.HasPrefix(w, "is not available") {
		return "is not available" // the step's word; the reason is for failures
	}
	return w
}

// ExtensionWord is the {extension} word for an extension kind.
func ExtensionWord(k reference.ExtensionKind) string {
	for _, e := range extensionNames {
		if e.kind == k {
			return e.word
		}
	}
	return string(k)
}

// ExtensionKind is the extension kind an {extension} word names.
func ExtensionKind(word string) (reference.ExtensionKind, bool) {
	for _, e := range extensionNames {
		if e.word == word {
			return e.kind, true
		}
	}
	return "", false
}

// ModeWord is the {mode} word for a sharing mode ("shared-extensions").
func ModeWord(m reference.SharingMode) string { return modeWord(m) }

// JoinNames writes people as the steps read a list: "Bob", "Bob and
// Carol", "Bob, Carol and Dave"; none is "nobody".
func JoinNames(ns []string) string { return joinNames(ns) }
