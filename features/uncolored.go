package features

import (
	"bytes"
	"io"
	"unicode/utf8"
)

// uncolored drops the ANSI escape sequences of godog's formatters, writing
// the same text as godog's colors.Uncolored, a chunk at a time where
// godog's makes a string and a Write of each character (a fifth of a
// run's allocations). Like godog's, it drops ESC followed by any one
// character, and ESC [ up to and including the first ASCII letter or @,
// and writes a byte that is not UTF-8 as U+FFFD. Unlike godog's, a
// sequence or a character cut by the end of a Write is held until the
// next one, so the text does not depend on how the formatter splits its
// writes.
type uncolored struct {
	out  io.Writer
	held []byte // an unfinished sequence or character from the last Write
	buf  []byte // what this Write passes on
}

const esc = 0x1b

func (u *uncolored) Write(p []byte) (int, error) {
	data := p
	if len(u.held) > 0 {
		u.held = append(u.held, p...)
		data = u.held
	}
	out, rest := strip(u.buf[:0], data, false)
	// rest is unfinished; copied away, for u.held's array may be data's.
	u.held = append(u.held[:0:0], rest...)
	u.buf = out
	if len(out) > 0 {
		if _, err := u.out.Write(out); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Flush writes what was held as godog's writer would at the end of its
// input.
func (u *uncolored) Flush() error {
	out, _ := strip(nil, u.held, true)
	u.held = nil
	if len(out) == 0 {
		return nil
	}
	_, err := u.out.Write(out)
	return err
}

// strip appends data to out without its escape sequences, and returns
// the unfinished end that more data may finish (none when final: the
// input ends there).
func strip(out, data []byte, final bool) (_, rest []byte) {
	for len(data) > 0 {
		i := bytes.IndexByte(data, esc)
		if i < 0 {
			if !final {
				data, rest = cutUnfinishedRune(data)
			}
			return appendText(out, data), rest
		}
		out = appendText(out, data[:i])
		data = data[i:]
		n := sequenceLen(data, final)
		if n == 0 {
			return out, data
		}
		data = data[n:]
	}
	return out, nil
}

// sequenceLen is the length of the escape sequence s starts with, or 0
// when more input may finish it. At the end of the input, an unfinished
// sequence runs to the end, and ESC takes the first byte of an unfinished
// character.
func sequenceLen(s []byte, final bool) int {
	unfinished := 0 // more input may finish it
	if final {
		unfinished = len(s) // it runs to the end
	}
	if len(s) < 2 {
		return unfinished
	}
	if s[1] != '[' {
		if !final && !utf8.FullRune(s[1:]) {
			return 0
		}
		_, size := utf8.DecodeRune(s[1:])
		return 1 + size
	}
	for j := 2; j < len(s); j++ {
		if c := s[j]; 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '@' {
			return j + 1
		}
	}
	return unfinished
}

// cutUnfinishedRune splits off a last character that the next Write may
// finish.
func cutUnfinishedRune(s []byte) (text, tail []byte) {
	for j := len(s) - 1; j >= 0 && j >= len(s)-utf8.UTFMax; j-- {
		if utf8.RuneStart(s[j]) {
			if !utf8.FullRune(s[j:]) {
				return s[:j], s[j:]
			}
			break
		}
	}
	return s, nil
}

// appendText appends s with each byte that is not UTF-8 as U+FFFD.
func appendText(out, s []byte) []byte {
	if utf8.Valid(s) {
		return append(out, s...)
	}
	for len(s) > 0 {
		r, size := utf8.DecodeRune(s)
		out = utf8.AppendRune(out, r)
		s = s[size:]
	}
	return out
}
