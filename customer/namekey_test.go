package customer

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
)

// collatorKey returns the collator's key of s, bypassing the fast path.
func collatorKey(x *Indexer, s string) []byte {
	x.mu.Lock()
	defer x.mu.Unlock()
	k := bytes.Clone(x.col.KeyFromString(&x.buf, s))
	x.buf.Reset()
	return k
}

// checkFast fails t unless the fast path handles s and gives the collator's key.
func checkFast(t *testing.T, x *Indexer, s string) {
	t.Helper()
	got, ok := x.ascii.appendKey(nil, s)
	if !ok {
		t.Fatalf("fast path refused printable-ASCII name %q", s)
	}
	if want := collatorKey(x, s); !bytes.Equal(got, want) {
		t.Fatalf("key of %q:\nfast     % x\ncollator % x", s, got, want)
	}
}

func TestNameKeyFastPathEnabled(t *testing.T) {
	x := NewIndexer()
	if x.ascii == nil {
		t.Fatal("self-check disabled the fast path")
	}
	for c := 0; c < 256; c++ {
		if want := c >= 0x20 && c <= 0x7E; x.ascii.chars[c].ok != want {
			t.Errorf("byte %#x: handled %v, want %v", c, x.ascii.chars[c].ok, want)
		}
	}
}

func TestNameKeyASCIIExhaustive(t *testing.T) {
	x := NewIndexer()
	printable := printableASCII(false)
	checkFast(t, x, "")
	for i := range len(printable) {
		checkFast(t, x, printable[i:i+1])
		for j := range len(printable) {
			checkFast(t, x, string([]byte{printable[i], printable[j]}))
		}
	}
	const subset = "aAmMzZ059 -.,'&_()/#@~"
	for i := range len(subset) {
		for j := range len(subset) {
			for k := range len(subset) {
				checkFast(t, x, string([]byte{subset[i], subset[j], subset[k]}))
			}
		}
	}
}

// randomLatinName returns a name of up to 40 characters: letters of both cases, digits,
// punctuation and spaces, with runs of spaces and spaces at either end now and then.
func randomLatinName(rng *rand.Rand) string {
	const (
		letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		digits  = "0123456789"
		punct   = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
	)
	n := rng.IntN(41)
	var b strings.Builder
	for b.Len() < n {
		switch r := rng.IntN(10); {
		case r < 5:
			b.WriteByte(letters[rng.IntN(len(letters))])
		case r < 7:
			b.WriteByte(digits[rng.IntN(len(digits))])
		case r < 8:
			b.WriteByte(punct[rng.IntN(len(punct))])
		default:
			b.WriteString(strings.Repeat(" ", 1+rng.IntN(3)))
		}
	}
	return b.String()
}

func TestNameKeyASCIIRandom(t *testing.T) {
	x := NewIndexer()
	rng := rand.New(rand.NewPCG(7, 11))
	prefix := []byte("folded\x00")
	for range 20000 {
		s := randomLatinName(rng)
		checkFast(t, x, s)
		want := collatorKey(x, s)
		if got := x.NameKey(s); !bytes.Equal(got, want) {
			t.Fatalf("NameKey(%q) = % x, want % x", s, got, want)
		}
		got := x.appendNameKey(bytes.Clone(prefix), s)
		if !bytes.HasPrefix(got, prefix) || !bytes.Equal(got[len(prefix):], want) {
			t.Fatalf("appendNameKey(%q, %q) = % x, want the prefix then % x", prefix, s, got, want)
		}
	}
}

func TestNameKeyOthersGoToCollator(t *testing.T) {
	x := NewIndexer()
	for _, s := range []string{
		"张三", "Customer 张", "张 Customer A1234567", "Zhang 三", "Café", "ＡＢＣ", "a\tb", "a\x00b",
		"\n", "a\x7f", "\xff", "a\xe5", "l·l", "A\u0301", " 李四 ",
	} {
		if k, ok := x.ascii.appendKey(nil, s); ok {
			t.Errorf("fast path took %q (key % x)", s, k)
		}
		want := collatorKey(x, s)
		if got := x.NameKey(s); !bytes.Equal(got, want) {
			t.Errorf("NameKey(%q) = % x, want % x", s, got, want)
		}
		if got := x.appendNameKey([]byte("p"), s); !bytes.Equal(got, append([]byte("p"), want...)) {
			t.Errorf("appendNameKey(p, %q) = % x, want p then % x", s, got, want)
		}
	}
}

// TestNameKeyDerivedFromCollator builds the tables from other collators: each either gives
// that collator's keys or is refused by the self-check, never a wrong key.
func TestNameKeyDerivedFromCollator(t *testing.T) {
	for _, tc := range []struct {
		name    string
		col     *collate.Collator
		enabled bool
	}{
		{"zh IgnoreCase", collate.New(language.Chinese, collate.IgnoreCase), true},
		{"en IgnoreCase", collate.New(language.English, collate.IgnoreCase), true},
		// Primary level only: no separator at all.
		{"zh IgnoreCase IgnoreDiacritics", collate.New(language.Chinese, collate.IgnoreCase, collate.IgnoreDiacritics), true},
		// Three levels: a layout the tables do not model.
		{"zh with case", collate.New(language.Chinese), false},
		// Digit runs are weighed together (a digit alone has three primary weights).
		{"zh IgnoreCase Numeric", collate.New(language.Chinese, collate.IgnoreCase, collate.Numeric), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newASCIIKeys(tc.col)
			if (a != nil) != tc.enabled {
				t.Fatalf("fast path enabled %v, want %v", a != nil, tc.enabled)
			}
			if a == nil {
				return
			}
			var buf collate.Buffer
			rng := rand.New(rand.NewPCG(3, 5))
			for range 2000 {
				s := randomLatinName(rng)
				got, ok := a.appendKey(nil, s)
				buf.Reset()
				if want := tc.col.KeyFromString(&buf, s); !ok || !bytes.Equal(got, want) {
					t.Fatalf("key of %q: fast % x (handled %v), collator % x", s, got, ok, want)
				}
			}
		})
	}
}

// TestNameKeySelfCheck checks that the self-check notices a wrong weight.
func TestNameKeySelfCheck(t *testing.T) {
	col := collate.New(language.Chinese, collate.IgnoreCase)
	a := newASCIIKeys(col)
	if a == nil || !a.selfCheck(col) {
		t.Fatal("self-check fails on correct tables")
	}
	for _, c := range []byte("aZ5 ~") {
		b := *a
		b.chars[c].prim[b.chars[c].np-1]++
		if b.selfCheck(col) {
			t.Errorf("self-check passes with a wrong primary weight for %q", c)
		}
		b = *a
		b.chars[c].sec[b.chars[c].ns-1]++
		if b.selfCheck(col) {
			t.Errorf("self-check passes with a wrong secondary weight for %q", c)
		}
	}
	b := *a
	b.sep = "\x00"
	if b.selfCheck(col) {
		t.Error("self-check passes with a wrong separator")
	}
}

func TestNameKeyFastPathLockFreeAndAllocs(t *testing.T) {
	x := NewIndexer()
	const name = "Customer A1234567"
	// The fast path must not take x.mu: with it held, a call that took it would block.
	x.mu.Lock()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = x.NameKey(name)
		_ = x.appendNameKey(nil, name)
	}()
	select {
	case <-done:
		x.mu.Unlock()
	case <-time.After(5 * time.Second):
		x.mu.Unlock()
		<-done
		t.Fatal("the key of a printable-ASCII name waited for the Indexer's mutex")
	}

	if raceEnabled {
		return // the race detector's instrumentation allocates
	}
	dst := make([]byte, 0, 256)
	if n := testing.AllocsPerRun(100, func() { dst = x.appendNameKey(dst[:0], name) }); n != 0 {
		t.Errorf("appendNameKey with room allocates %v times, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { _ = x.NameKey(name) }); n != 1 {
		t.Errorf("NameKey allocates %v times, want 1", n)
	}
}

func FuzzNameKey(f *testing.F) {
	for _, s := range []string{"", "Customer A1234567", "  a  B  ", "O'Brien-Smith, J.R.", "张三", "Zhang 三", "a\tb", "\xff"} {
		f.Add(s)
	}
	x := NewIndexer()
	f.Fuzz(func(t *testing.T, s string) {
		want := collatorKey(x, s)
		if got, ok := x.ascii.appendKey(nil, s); ok && !bytes.Equal(got, want) {
			t.Fatalf("fast key of %q = % x, want % x", s, got, want)
		}
		if got := x.NameKey(s); !bytes.Equal(got, want) {
			t.Fatalf("NameKey(%q) = % x, want % x", s, got, want)
		}
		if got := x.appendNameKey([]byte{1}, s); !bytes.Equal(got, append([]byte{1}, want...)) {
			t.Fatalf("appendNameKey(%q) = % x, want 01 then % x", s, got, want)
		}
	})
}

func BenchmarkNameKeyLatin(b *testing.B) {
	const name = "Customer A1234567"
	x := NewIndexer()
	b.Run("NameKey", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = x.NameKey(name)
		}
	})
	b.Run("appendNameKey", func(b *testing.B) {
		var dst []byte
		b.ReportAllocs()
		for b.Loop() {
			dst = x.appendNameKey(dst[:0], name)
		}
	})
}
