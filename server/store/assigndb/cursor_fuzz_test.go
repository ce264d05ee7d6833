package assigndb

import "testing"

// FuzzCursor: decodeCursor takes any text a client sends; what it accepts has the
// expected tag and a value, and encoding round-trips.
func FuzzCursor(f *testing.F) {
	f.Add(encodeCursor("o", "O-1"), "o")
	f.Add(encodeCursor("s", "42"), "s")
	f.Add("bzox", "s")
	f.Add("!!", "o")
	f.Fuzz(func(t *testing.T, c, tag string) {
		v, err := decodeCursor(c, tag)
		if err != nil {
			return
		}
		if v == "" {
			t.Fatalf("%q decoded to an empty value", c)
		}
		back, err := decodeCursor(encodeCursor(tag, v), tag)
		if len(encodeCursor(tag, v)) <= 200 && (err != nil || back != v) {
			t.Fatalf("round trip of %q: %q %v", v, back, err)
		}
	})
}
