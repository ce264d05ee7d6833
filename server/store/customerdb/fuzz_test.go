package customerdb

import (
	"bytes"
	"testing"
)

// FuzzNodeCursor feeds arbitrary text to the children cursor reader: it never panics, and
// what it accepts encodes back to an equivalent cursor.
func FuzzNodeCursor(f *testing.F) {
	f.Add(encodeNodeCursor([]byte("key"), 7, 1))
	f.Add(encodeNodeCursor(nil, 1<<62, 1<<40))
	f.Add("")
	f.Add("AQ")
	f.Add("!!!")
	f.Fuzz(func(t *testing.T, s string) {
		key, id, parent, err := decodeNodeCursor(s)
		if err != nil {
			return
		}
		if id < 1 || parent < 1 {
			t.Fatalf("accepted id %d parent %d", id, parent)
		}
		k2, id2, p2, err := decodeNodeCursor(encodeNodeCursor(key, id, parent))
		if err != nil || !bytes.Equal(k2, key) || id2 != id || p2 != parent {
			t.Fatalf("round trip: %v %v %v %v", err, k2, id2, p2)
		}
	})
}

// FuzzContactKey checks the contact cursor key: any 16 bytes decode, and decode back.
func FuzzContactKey(f *testing.F) {
	f.Add([]byte("0123456789abcdef"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		at, id, ok := decodeContactKey(b)
		if ok != (len(b) == 16) {
			t.Fatalf("ok %v for %d bytes", ok, len(b))
		}
		if ok && !bytes.Equal(encodeContactKey(at, id), b) {
			t.Fatal("round trip")
		}
	})
}
