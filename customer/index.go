package customer

import (
	"encoding/base64"
	"encoding/binary"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/mozillazg/go-pinyin"
	"golang.org/x/text/collate"
	"golang.org/x/text/language"
)

// maxSpellings caps how many readings of a name are indexed.
const maxSpellings = 4

// Indexer computes the sort and search keys of names: a collation key for name order
// (Chinese in pinyin order, Latin case-insensitively) and pinyin spellings and initials.
// Stores use it so that every implementation orders and matches names the same way; the
// SQL stores keep its keys in indexed columns. An Indexer is safe for concurrent use.
type Indexer struct {
	mu       sync.Mutex
	col      *collate.Collator
	buf      collate.Buffer
	ascii    *asciiKeys // keys of printable-ASCII names without col or mu; nil if disabled
	het      pinyin.Args
	readings map[rune][]string // cache of go-pinyin's readings, most common first
}

// NewIndexer returns an Indexer using the Chinese (pinyin) collation of golang.org/x/text,
// case-insensitive.
func NewIndexer() *Indexer {
	het := pinyin.NewArgs()
	het.Heteronym = true
	het.Fallback = func(rune, pinyin.Args) []string { return nil }
	col := collate.New(language.Chinese, collate.IgnoreCase)
	return &Indexer{col: col, ascii: newASCIIKeys(col), het: het, readings: make(map[rune][]string)}
}

// NameKey returns the collation key of name: comparing keys bytewise gives pinyin order for
// Chinese names and case-insensitive order for Latin ones. Equal names give equal keys.
func (x *Indexer) NameKey(name string) []byte {
	if k, ok := x.ascii.appendKey(nil, name); ok {
		return k
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	k := x.col.KeyFromString(&x.buf, name)
	out := make([]byte, len(k))
	copy(out, k)
	x.buf.Reset()
	return out
}

// appendNameKey appends NameKey(name) to dst.
func (x *Indexer) appendNameKey(dst []byte, name string) []byte {
	if k, ok := x.ascii.appendKey(dst, name); ok {
		return k
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	dst = append(dst, x.col.KeyFromString(&x.buf, name)...)
	x.buf.Reset()
	return dst
}

// Spellings returns the pinyin readings of name as pairs of full spelling and initials, both
// lower-case ASCII without separators or tones: 张三 gives ("zhangsan", "zs"). Characters
// without a reading (Latin letters, digits) are kept lower-cased; other characters are
// dropped. For the first character (the surname) every heteronym reading is kept, because
// surnames often take a reading other than the common one (单 shàn, 曾 zēng, 区 ōu, 解 xiè);
// the other characters use their most common reading. At most four readings are returned,
// the common reading first.
func (x *Indexer) Spellings(name string) (full, initials []string) {
	sp := x.spell(name, nil, nil)
	for k := range sp.n {
		full = append(full, sp.first[k]+string(sp.restFull))
		initials = append(initials, sp.initial(k)+string(sp.restInit))
	}
	return full, initials
}

// spellings holds the readings of one name: reading k is first[k] followed by restFull, its
// initials initial(k) followed by restInit.
type spellings struct {
	first    [maxSpellings]string // the first character's spelling, per reading
	n        int                  // readings
	restFull []byte               // the other characters' most common spellings
	restInit []byte               // and their initials
}

func (sp *spellings) initial(k int) string { return sp.first[k][:min(1, len(sp.first[k]))] }

// spell returns the readings of name, as Spellings describes them, appending the rest of the
// readings to full and init.
func (x *Indexer) spell(name string, full, init []byte) spellings {
	sp := spellings{restFull: full, restInit: init}
	name = strings.TrimSpace(name)
	r0, size := utf8.DecodeRuneInString(name)
	if size == 0 {
		return sp
	}
	x.mu.Lock()
	first := x.reading(r0)
	for _, r := range name[size:] {
		sp.restFull, sp.restInit = appendReading(sp.restFull, sp.restInit, r, x.reading(r))
	}
	x.mu.Unlock()
	if len(first) == 0 {
		f, _ := appendReading(nil, nil, r0, nil) // the character itself, or nothing
		sp.first[0], sp.n = string(f), 1
		return sp
	}
	for _, p := range first {
		if p == "" {
			continue
		}
		if sp.n == maxSpellings {
			break
		}
		if !slices.Contains(sp.first[:sp.n], p) {
			sp.first[sp.n] = p
			sp.n++
		}
	}
	return sp
}

// reading returns the toneless readings of r, most common first, from a cache that grows to
// at most the size of go-pinyin's dictionary. The caller holds x.mu.
func (x *Indexer) reading(r rune) []string {
	if r < 0x80 {
		return nil
	}
	p, ok := x.readings[r]
	if !ok {
		p = pinyin.SinglePinyin(r, x.het)
		x.readings[r] = p
	}
	return p
}

func appendReading(full, init []byte, r rune, readings []string) ([]byte, []byte) {
	switch {
	case len(readings) > 0 && readings[0] != "":
		full = append(full, readings[0]...)
		init = append(init, readings[0][0])
	case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
		lr := byte(unicode.ToLower(r))
		full = append(full, lr)
		init = append(init, lr)
	}
	return full, init
}

// FoldName returns the form of a name used for prefix search: trimmed and lower-cased.
func FoldName(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// Cursor marks a position in a result order: the sort key of the last item returned and its
// customer number. Index names which order it belongs to, so a cursor from one kind of query
// is refused by another. Encode it with Encode and read it back with DecodeCursor; callers
// treat the text as opaque.
type Cursor struct {
	Index  string
	Key    []byte
	Number Number
}

const cursorVersion = 1

// Encode returns the opaque, URL-safe text of c.
func (c Cursor) Encode() string {
	b := make([]byte, 0, 16+len(c.Index)+len(c.Key))
	b = append(b, cursorVersion, byte(len(c.Index)))
	b = append(b, c.Index...)
	b = binary.AppendUvarint(b, uint64(len(c.Key)))
	b = append(b, c.Key...)
	b = append(b, byte(c.Number.kind))
	b = binary.BigEndian.AppendUint64(b, c.Number.seq)
	return base64.RawURLEncoding.EncodeToString(b)
}

// maxCursorLen bounds the text DecodeCursor accepts.
const maxCursorLen = 4096

// DecodeCursor reads a cursor made by Encode. Malformed or tampered text gives a
// *CursorError wrapping ErrBadCursor; it never panics.
func DecodeCursor(s string) (Cursor, error) {
	if len(s) > maxCursorLen {
		return Cursor{}, &CursorError{Reason: "too long"}
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Cursor{}, &CursorError{Reason: "not base64url"}
	}
	if len(b) < 2 || b[0] != cursorVersion {
		return Cursor{}, &CursorError{Reason: "unknown version"}
	}
	n := int(b[1])
	b = b[2:]
	if len(b) < n {
		return Cursor{}, &CursorError{Reason: "truncated"}
	}
	c := Cursor{Index: string(b[:n])}
	b = b[n:]
	kl, m := binary.Uvarint(b)
	if m <= 0 || kl > uint64(len(b)-m) {
		return Cursor{}, &CursorError{Reason: "truncated"}
	}
	b = b[m:]
	c.Key = append([]byte(nil), b[:kl]...)
	b = b[kl:]
	if len(b) != 9 {
		return Cursor{}, &CursorError{Reason: "bad length"}
	}
	num, err := NewNumber(Kind(b[0]), binary.BigEndian.Uint64(b[1:]))
	if err != nil {
		return Cursor{}, &CursorError{Reason: "bad customer number"}
	}
	c.Number = num
	return c, nil
}
