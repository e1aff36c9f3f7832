package features

import (
	"bytes"
	"context"
	"math/rand/v2"
	"testing"

	"github.com/cucumber/godog/colors"
)

// godogUncolored is what godog's own no-colour writer makes of text given
// in one Write.
func godogUncolored(t *testing.T, text []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	if _, err := colors.Uncolored(&out).Write(text); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// uncoloredIn is what uncolored makes of text given in the chunks the
// lengths say (the rest in a last chunk).
func uncoloredIn(t *testing.T, text []byte, lengths ...int) []byte {
	t.Helper()
	var out bytes.Buffer
	u := &uncolored{out: &out}
	for _, n := range lengths {
		n = min(n, len(text))
		if m, err := u.Write(text[:n]); err != nil || m != n {
			t.Fatalf("Write(%q) = %d, %v; want %d, nil", text[:n], m, err, n)
		}
		text = text[n:]
	}
	if _, err := u.Write(text); err != nil {
		t.Fatal(err)
	}
	if err := u.Flush(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestUncolored_WritesWhatGodogsWriterWritesForARun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the marketplace suite twice")
	}
	for _, format := range []string{"pretty", "progress"} {
		var colored bytes.Buffer
		rep, err := Run(context.Background(), RunOptions{Format: format, Out: &colored, Color: true})
		if err != nil || !rep.OK() {
			t.Fatalf("%s: %v %+v", format, err, rep.Failures)
		}
		text := colored.Bytes()
		if !bytes.Contains(text, []byte("\x1b[")) {
			t.Fatalf("%s: the coloured report has no escape sequence", format)
		}
		want := godogUncolored(t, text)
		if bytes.IndexByte(want, esc) >= 0 {
			t.Fatalf("%s: godog's writer left an escape in", format)
		}
		if got := uncoloredIn(t, text); !bytes.Equal(got, want) {
			t.Errorf("%s, one Write: the text differs from godog's writer's", format)
		}
		// Writes of a few bytes cut sequences anywhere.
		r := rand.New(rand.NewPCG(1, 2))
		var lengths []int
		for n := 0; n < len(text); {
			l := r.IntN(7)
			lengths = append(lengths, l)
			n += l
		}
		if got := uncoloredIn(t, text, lengths...); !bytes.Equal(got, want) {
			t.Errorf("%s, writes of 0 to 6 bytes: the text differs from godog's writer's", format)
		}
	}
}

func TestUncolored_WritesWhatGodogsWriterWritesWhereverAWriteEnds(t *testing.T) {
	for _, text := range []string{
		"plain text\n",
		"\x1b[32mpassed\x1b[0m and \x1b[1;31mfailed\x1b[0m\n",
		"\x1b[33m", "end\x1b", "end\x1b[", "end\x1b[31", // unfinished at the end
		"\x1bXdrops ESC and X",
		"\x1b\x1b[31mESC ESC: the second is dropped as the one character",
		"\x1b[12@at sign ends it",
		"ünïcödé — ✓ 😀 \x1b[32m✓\x1b[0m",
		"\x1bé drops é whole",
		"\x1b\xe2\x82", // ESC and an unfinished character at the end
		"bad \xff UTF-8 \xe2\x82 and \xc3",
		"\xe2\x82\xac\x1b[1m\xe2\x82\xac",
	} {
		want := godogUncolored(t, []byte(text))
		if got := uncoloredIn(t, []byte(text)); !bytes.Equal(got, want) {
			t.Errorf("%q in one Write: got %q, want %q", text, got, want)
		}
		for i := 0; i <= len(text); i++ {
			if got := uncoloredIn(t, []byte(text), i); !bytes.Equal(got, want) {
				t.Errorf("%q cut at %d: got %q, want %q", text, i, got, want)
			}
		}
		ones := make([]int, len(text))
		for i := range ones {
			ones[i] = 1
		}
		if got := uncoloredIn(t, []byte(text), ones...); !bytes.Equal(got, want) {
			t.Errorf("%q a byte at a time: got %q, want %q", text, got, want)
		}
	}
}
