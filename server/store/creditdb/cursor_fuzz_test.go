package creditdb

import "testing"

// FuzzCursor: decodeCursor takes any text a client sends; what it accepts names a kind
// and a revision, and every cursor List issues decodes to what it encoded.
func FuzzCursor(f *testing.F) {
	f.Add(encodeCursor("individual", 3))
	f.Add("aW5kaXZpZHVhbDox")
	f.Add("!!")
	f.Add("")
	f.Fuzz(func(t *testing.T, c string) {
		kind, rev, err := decodeCursor(c)
		if err != nil {
			return
		}
		if !ValidKind(kind) || rev < 1 {
			t.Fatalf("%q decoded to %q %d", c, kind, rev)
		}
		k2, r2, err := decodeCursor(encodeCursor(kind, rev))
		if err != nil || k2 != kind || r2 != rev {
			t.Fatalf("round trip of %q %d: %q %d %v", kind, rev, k2, r2, err)
		}
	})
}
