package customer

import (
	"context"
	"strconv"
	"sync"
)

// Number is a customer number (客户号): a kind prefix (P for individuals, E for
// enterprises), a ten-digit sequence and a Damm check digit computed over the kind and the
// sequence, e.g. P00000000013. Every single-character substitution and every transposition
// of two adjacent characters of a valid number yields an invalid one, so ParseNumber refuses
// a mistyped number before any lookup. The zero value is unset; Number is comparable and
// immutable.
type Number struct {
	kind Kind
	seq  uint64
}

// MaxSequence is the largest sequence a Number can carry.
const MaxSequence = 9_999_999_999

const numberLen = 12

var numberPrefix = [3]byte{0, 'P', 'E'}

// dammTable is the order-10 weakly totally anti-symmetric quasigroup of H. Michael Damm
// (2004), with a zero diagonal.
var dammTable = [10][10]uint8{
	{0, 3, 1, 7, 5, 9, 8, 6, 4, 2},
	{7, 0, 9, 2, 1, 5, 4, 8, 6, 3},
	{4, 2, 0, 6, 8, 7, 1, 3, 5, 9},
	{1, 7, 5, 0, 9, 8, 3, 4, 2, 6},
	{6, 1, 2, 3, 0, 4, 5, 9, 7, 8},
	{3, 6, 7, 4, 2, 0, 9, 5, 8, 1},
	{5, 8, 6, 9, 7, 2, 0, 1, 3, 4},
	{8, 9, 4, 5, 3, 6, 2, 0, 1, 7},
	{9, 4, 3, 8, 6, 1, 7, 2, 0, 5},
	{2, 5, 8, 1, 4, 3, 6, 7, 9, 0},
}

// numberCheck returns the Damm check digit over the kind digit and the ten sequence digits.
func numberCheck(kind Kind, digits string) byte {
	var interim uint8
	interim = dammTable[interim][kind]
	for i := 0; i < len(digits); i++ {
		interim = dammTable[interim][digits[i]-'0']
	}
	return '0' + interim
}

// NewNumber returns the number for a kind and a sequence in 1..MaxSequence.
// It fails with ErrBadNumber for an unset kind or a sequence out of range.
func NewNumber(kind Kind, seq uint64) (Number, error) {
	if !kind.Valid() {
		return Number{}, &ParseError{Value: kind.String(), Reason: "unknown kind", Err: ErrBadNumber}
	}
	if seq < 1 || seq > MaxSequence {
		return Number{}, &ParseError{Value: strconv.FormatUint(seq, 10), Reason: "sequence out of range", Err: ErrBadNumber}
	}
	return Number{kind: kind, seq: seq}, nil
}

// ParseNumber parses a customer number such as P00000000013. It fails with a *ParseError
// wrapping ErrBadNumber when the length, prefix, digits or check digit are wrong.
func ParseNumber(s string) (Number, error) {
	bad := func(reason string) (Number, error) {
		v := s
		if len(v) > 32 {
			v = v[:32] + "…"
		}
		return Number{}, &ParseError{Value: v, Reason: reason, Err: ErrBadNumber}
	}
	if len(s) != numberLen {
		return bad("must be 12 characters")
	}
	var kind Kind
	switch s[0] {
	case 'P':
		kind = KindIndividual
	case 'E':
		kind = KindEnterprise
	default:
		return bad("unknown kind prefix")
	}
	for i := 1; i < numberLen; i++ {
		if s[i] < '0' || s[i] > '9' {
			return bad("must be digits after the prefix")
		}
	}
	if numberCheck(kind, s[1:11]) != s[11] {
		return bad("check digit mismatch")
	}
	seq, err := strconv.ParseUint(s[1:11], 10, 64)
	if err != nil || seq == 0 {
		return bad("sequence out of range")
	}
	return Number{kind: kind, seq: seq}, nil
}

// String returns the 12-character form, or "" for the zero value.
func (n Number) String() string {
	if n.IsZero() {
		return ""
	}
	var b [numberLen]byte
	b[0] = numberPrefix[n.kind]
	digits := strconv.AppendUint(nil, n.seq, 10)
	for i := range 10 {
		b[1+i] = '0'
	}
	copy(b[11-len(digits):11], digits)
	b[11] = numberCheck(n.kind, string(b[1:11]))
	return string(b[:])
}

// IsZero reports whether n is unset.
func (n Number) IsZero() bool { return n.kind == 0 }

// Kind returns the kind encoded in the prefix.
func (n Number) Kind() Kind { return n.kind }

// Sequence returns the sequence part.
func (n Number) Sequence() uint64 { return n.seq }

// Compare orders numbers by their text: enterprises (E) before individuals (P), then by
// sequence. It returns -1, 0 or +1.
func (n Number) Compare(o Number) int {
	a, b := numberPrefix[n.kind], numberPrefix[o.kind]
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	case n.seq < o.seq:
		return -1
	case n.seq > o.seq:
		return 1
	}
	return 0
}

// MarshalText implements encoding.TextMarshaler; the zero value marshals as "".
func (n Number) MarshalText() ([]byte, error) { return []byte(n.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler. Empty text gives the zero value;
// anything else must pass ParseNumber.
func (n *Number) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*n = Number{}
		return nil
	}
	v, err := ParseNumber(string(b))
	if err != nil {
		return err
	}
	*n = v
	return nil
}

// Sequence hands out customer sequences. The server's SQL stores supply their own; Counter
// is the in-memory one. Implementations must be safe for concurrent use and never return
// the same sequence twice for a kind.
type Sequence interface {
	// Next returns the next unused sequence for kind, in 1..MaxSequence.
	Next(ctx context.Context, kind Kind) (uint64, error)
}

// Counter is an in-memory Sequence counting from 1 per kind. The zero value is ready to
// use; a Counter is safe for concurrent use and must not be copied after first use.
type Counter struct {
	mu   sync.Mutex
	last [3]uint64
}

var _ Sequence = (*Counter)(nil)

// Next returns the next sequence for kind. It fails with ErrBadQuery for an unset kind and
// with ErrSequenceExhausted after MaxSequence.
func (c *Counter) Next(ctx context.Context, kind Kind) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if !kind.Valid() {
		return 0, &QueryError{Field: "kind", Reason: "unset or unknown kind"}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last[kind] >= MaxSequence {
		return 0, ErrSequenceExhausted
	}
	c.last[kind]++
	return c.last[kind], nil
}
