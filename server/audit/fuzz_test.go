package audit

import (
	"encoding/base64"
	"errors"
	"testing"
)

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// FuzzDecodeCursor feeds arbitrary text to the cursor decoder (a query parameter of
// GET /v1/audit): a cursor decodes to a positive sequence number that encodes back to
// itself, or fails with ErrBadFilter.
func FuzzDecodeCursor(f *testing.F) {
	f.Add(EncodeCursor(1, false))
	f.Add(EncodeCursor(1<<62, true))
	f.Add(b64("a1.o.007"))
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		seq, newest, err := DecodeCursor(s)
		if err != nil {
			if !errors.Is(err, ErrBadFilter) {
				t.Fatal(err)
			}
			return
		}
		if seq <= 0 || EncodeCursor(seq, newest) != s {
			t.Fatalf("%q decodes to %d, %v", s, seq, newest)
		}
	})
}

// FuzzParseAnchor feeds arbitrary text to ParseAnchor (a flag of creditkit audit verify).
func FuzzParseAnchor(f *testing.F) {
	f.Add("12:" + Genesis)
	f.Add("1:")
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAnchor(s)
		if err == nil && (a.Seq <= 0 || !validHash(a.Hash)) {
			t.Fatalf("accepted %q", s)
		}
	})
}
