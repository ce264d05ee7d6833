package customer

import (
	"bytes"
	"slices"
	"strings"

	"golang.org/x/text/collate"
)

// This file holds a fast path for the collation key of names made only of printable ASCII
// (0x20–0x7E), such as "Customer A1234567". It produces exactly the bytes the collator
// (collate.New(language.Chinese, collate.IgnoreCase)) produces, without running the
// collator and without the Indexer's mutex; any other name goes to the collator.
//
// How golang.org/x/text lays out a key (collate.Collator.keyFromElems, v0.44.0): the input is
// turned into collation elements, and the key is one section per enabled level, the sections
// joined by a separator of two zero bytes:
//
//	primary weights | 00 00 | secondary weights [| 00 00 | tertiary weights ...]
//
// A primary weight is written as 2 bytes (big-endian) when it is at most 0x7FFF, else as
// 3 bytes with the high bit of the first byte set; it is never zero, so its first two bytes
// are never 00 00 and the end of the primary section can be found. Elements without a
// primary weight write nothing to it. Secondary weights are 2 bytes each. IgnoreCase turns
// the tertiary level off (and no case level is on), and the quaternary and identity levels
// are off by default, so this collator's keys have just the two sections and one separator:
// the key of "" is 00 00. Nothing is compressed: each element adds its weights to the end
// of each section independently of its neighbours.
//
// The zh locale sets no "ka" (alternate) option, so variable characters are non-ignorable:
// space and punctuation carry ordinary primary weights (space is 01 09, '-' 01 0d) rather
// than being shifted to a quaternary level or dropped. Each printable ASCII character has a
// single collation element (one primary weight and the secondary weight 00 20; case only
// shows at the tertiary level, which is off), and no contraction or combining-class
// reordering involves ASCII characters alone, so the key of an ASCII name is the
// concatenation of its characters' primary sections, the separator, then the concatenation
// of their secondary sections. Control characters are not all alike (NUL is fully ignorable, TAB has a
// primary weight), and the fast path does not cover them.
//
// The weights are not typed in: newASCIIKeys reads them from the collator's key of each
// single character and reads the separator from the key of "", then compares a fixed sample
// of names against the collator and disables the fast path on any difference, so a change
// in x/text's tables or layout costs speed, never correctness.

// Bounds on the weights of one character that asciiKeys can hold. A printable character
// whose key sections are longer (an expansion into several elements, say) is not handled,
// and then selfCheck turns the fast path off.
const (
	maxCharPrimary   = 6 // two 3-byte primary weights
	maxCharSecondary = 4 // two secondary weights
)

// charWeights holds one character's share of a key: the bytes it adds to the primary and
// secondary sections. ok is false for bytes the fast path does not handle: everything but
// printable ASCII.
type charWeights struct {
	prim   [maxCharPrimary]byte
	sec    [maxCharSecondary]byte
	np, ns uint8
	ok     bool
}

// asciiKeys computes collation keys of printable-ASCII names from per-character weights
// derived from a collator. It is read-only after newASCIIKeys and so safe for concurrent use.
type asciiKeys struct {
	sep   string           // the level separator: the collator's key of ""
	chars [256]charWeights // indexed by byte; ok only for handled printable ASCII
}

// selfCheckNames are compared against the collator when an asciiKeys is built: ordinary
// Latin names, repeated, leading and trailing spaces, punctuation, and every printable
// character next to its neighbours in both directions.
var selfCheckNames = []string{
	"",
	" ",
	"Customer A1234567",
	"customer a1234567",
	"  Leading and  trailing  ",
	"O'Brien-Smith, J.R. (Jr.)",
	"ACME Ltd. & Co. KG #42 @home 100%",
	`a_b~c|d{e}f[g]h\i^j` + "`k<l>m=n+o*p/q:r;s?t!u\"v$",
	printableASCII(false),
	printableASCII(true),
}

// printableASCII returns the characters 0x20–0x7E in order, or in reverse order.
func printableASCII(reverse bool) string {
	b := make([]byte, 0, 0x7F-0x20)
	for c := byte(0x20); c < 0x7F; c++ {
		b = append(b, c)
	}
	if reverse {
		slices.Reverse(b)
	}
	return string(b)
}

// newASCIIKeys derives the fast path's tables from col, or returns nil if selfCheck fails
// (then every name goes to the collator). col must not be in use by another goroutine
// during the call.
func newASCIIKeys(col *collate.Collator) *asciiKeys {
	var buf collate.Buffer
	a := &asciiKeys{sep: string(col.KeyFromString(&buf, ""))}
	for c := byte(0x20); c < 0x7F; c++ {
		buf.Reset()
		a.chars[c] = splitCharKey(col.KeyFromString(&buf, string(rune(c))), a.sep)
	}
	if !a.selfCheck(col) {
		return nil
	}
	return a
}

// selfCheck reports whether a handles every name of selfCheckNames, which between them use
// every printable character, and gives col's key for each. A character whose key does not
// have the shape splitCharKey expects thus disables the whole fast path: it would mean the
// collator no longer lays out keys as this file assumes.
func (a *asciiKeys) selfCheck(col *collate.Collator) bool {
	var buf collate.Buffer
	for _, s := range selfCheckNames {
		got, ok := a.appendKey(nil, s)
		buf.Reset()
		if !ok || !bytes.Equal(got, col.KeyFromString(&buf, s)) {
			return false
		}
	}
	return true
}

// splitCharKey splits the key of a single character into its primary and secondary
// sections, reading the primary weights as keyFromElems writes them (2 bytes, or 3 when the
// first byte has its high bit set) up to the separator sep. A weight below 0x100 starts with
// a 00 byte, so only a 00 00 pair at a weight boundary ends the section. The result is not
// ok if the key does not have that shape or a section is too long to hold.
func splitCharKey(k []byte, sep string) charWeights {
	var w charWeights
	i := 0
	for i < len(k) && !(i+1 < len(k) && k[i] == 0 && k[i+1] == 0) {
		n := 2
		if k[i]&0x80 != 0 {
			n = 3
		}
		i += n
	}
	if i > len(k) || !strings.HasPrefix(string(k[i:]), sep) {
		return w
	}
	prim, sec := k[:i], k[i+len(sep):]
	if sep == "" && len(sec) > 0 || len(prim) > maxCharPrimary || len(sec) > maxCharSecondary {
		return w
	}
	w.np = uint8(copy(w.prim[:], prim))
	w.ns = uint8(copy(w.sec[:], sec))
	w.ok = true
	return w
}

// appendKey appends the collation key of name to dst and reports true, or returns dst
// unchanged and false if name has a byte the tables do not handle (anything but printable
// ASCII) or a is nil. It allocates only if dst must grow, and then once.
func (a *asciiKeys) appendKey(dst []byte, name string) ([]byte, bool) {
	if a == nil {
		return dst, false
	}
	np, ns := 0, 0
	for i := 0; i < len(name); i++ {
		w := &a.chars[name[i]]
		if !w.ok {
			return dst, false
		}
		np += int(w.np)
		ns += int(w.ns)
	}
	start := len(dst)
	size := np + len(a.sep) + ns
	dst = slices.Grow(dst, size)[:start+size]
	p := start                   // next byte of the primary section
	s := start + np + len(a.sep) // next byte of the secondary section
	copy(dst[start+np:], a.sep)
	// Byte loops rather than copy: the pieces are 2 bytes here, and calling memmove for
	// each cost more than the rest of the function.
	for i := 0; i < len(name); i++ {
		w := &a.chars[name[i]]
		for _, b := range w.prim[:w.np] {
			dst[p] = b
			p++
		}
		for _, b := range w.sec[:w.ns] {
			dst[s] = b
			s++
		}
	}
	return dst, true
}
