package pii

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/creditkit/creditkit/server/internal/jsonstr"
)

// The masking functions show enough of a value for a person to recognise it and hide the
// rest. They work on runes, accept any string (invalid UTF-8 included) and never panic;
// "" stays "".

// MaskIdentity masks an identity document number: a resident identity number keeps its
// first 6 characters (the region) and its last 4 — 11010519491231002X becomes
// 110105********002X; a number of fewer than 10 characters (a passport) keeps its first
// and its last 2.
func MaskIdentity(s string) string { return maskMiddle(s, 6, 4) }

// MaskCreditCode masks a unified social credit code like an identity number: its first 6
// and last 4 characters remain (91350100M000100Y43 becomes 913501********0Y43).
func MaskCreditCode(s string) string { return maskMiddle(s, 6, 4) }

// MaskMobile masks a mobile number: the first 3 digits (the carrier) and the last 4 remain
// — 13812345678 becomes 138****5678; a country prefix such as +86 is kept as it is.
func MaskMobile(s string) string {
	prefix := ""
	if strings.HasPrefix(s, "+86") {
		prefix, s = "+86", s[3:]
	}
	return prefix + maskMiddle(s, 3, 4)
}

// MaskEmail keeps the first character of the local part and the domain:
// zhang.san@example.com becomes z***@example.com. Anything else keeps only its first
// character and its last 2.
func MaskEmail(s string) string {
	at := strings.LastIndexByte(s, '@')
	if at <= 0 {
		return maskMiddle(s, 1, 2)
	}
	r, _ := utf8.DecodeRuneInString(s[:at])
	return string(r) + "***" + s[at:]
}

// MaskAddress keeps the start of an address up to its first digit — the province, city,
// district and road — and replaces the rest (house number, unit, room) with "****", so
// 北京市朝阳区建国路88号3单元501室 becomes 北京市朝阳区建国路****. At most half of the
// address and 16 characters remain, so an address without digits is cut too.
func MaskAddress(s string) string {
	if s == "" {
		return ""
	}
	runes := []rune(s)
	keep := 0
	for keep < len(runes) && !unicode.IsDigit(runes[keep]) {
		keep++
	}
	keep = min(keep, len(runes)/2, 16)
	return strings.TrimRightFunc(string(runes[:keep]), unicode.IsSpace) + "****"
}

// maskMiddle keeps head runes at the start and tail at the end and replaces each rune in
// between with '*'. A string of fewer than head+tail+2 runes keeps only its first rune and
// its last 2 (or nothing, when 4 runes or fewer), so short values are never left whole.
func maskMiddle(s string, head, tail int) string {
	if s == "" {
		return ""
	}
	runes := []rune(s)
	n := len(runes)
	if n < head+tail+2 {
		head, tail = 1, 2
		if n <= 4 {
			head, tail = 0, 0
		}
	}
	out := make([]rune, n)
	for i, r := range runes {
		if i < head || i >= n-tail {
			out[i] = r
		} else {
			out[i] = '*'
		}
	}
	return string(out)
}

// Rules name the JSON members that hold personal data and how to mask each: the member
// name (the last element of its path, e.g. "mobile") maps to a masking function.
type Rules map[string]func(string) string

// DefaultRules are the personal fields of creditkit's customers as its JSON names them:
// doc_number, credit_code, mobile, contact_mobile, email and street (plus identity_number
// and address, for flat documents).
func DefaultRules() Rules {
	return Rules{
		"doc_number":      MaskIdentity,
		"identity_number": MaskIdentity,
		"credit_code":     MaskCreditCode,
		"mobile":          MaskMobile,
		"contact_mobile":  MaskMobile,
		"email":           MaskEmail,
		"street":          MaskAddress,
		"address":         MaskAddress, // when it is a string; an address object is walked
	}
}

// ErrJSON reports a document MaskJSON cannot read.
var ErrJSON = errors.New("pii: malformed JSON")

// MaskJSON returns doc with every string member named in rules masked, at any depth, and
// the "old" and "new" of every change object ({"path": "individual.mobile", "old": ...,
// "new": ...}, the shape of customer revisions) whose path ends in such a name. The result
// is compact JSON with object members sorted by name, so equal documents give equal
// bytes. Numbers keep their text. It fails with ErrJSON for anything but one JSON value.
//
// The output is what decoding doc into an any (with UseNumber) and encoding the masked
// value with a json.Encoder without HTML escaping gives: of duplicate member names the
// last wins, strings are re-encoded (invalid UTF-8 becomes U+FFFD, U+2028 and U+2029 are
// escaped) and the path of a change object is read after its own masking, if "path" is
// named in rules. It reads doc with a scanner of its own rather than encoding/json, which
// makes it several times faster.
func MaskJSON(doc []byte, rules Rules) ([]byte, error) {
	p := maskParsers.Get().(*maskParser)
	defer p.release()
	p.in, p.rules = doc, rules
	i := skipSpace(doc, 0)
	root := len(p.nodes)
	i, err := p.parseValue(i)
	if err != nil {
		return nil, err
	}
	if i = skipSpace(doc, i); i < len(doc) {
		return nil, p.fail(i, "after the top-level value")
	}
	return p.write(make([]byte, 0, len(doc)+len(doc)/8+16), int32(root)), nil
}

// maxMaskDepth is the deepest nesting of arrays and objects MaskJSON reads, that of
// encoding/json.
const maxMaskDepth = 10000

// Kinds of jsonNode.
const (
	kindLiteral = iota // number, true, false or null: written as its text
	kindString
	kindArray
	kindObject
)

// jsonNode is one value of a document MaskJSON reads.
type jsonNode struct {
	// a and b are the value's text, doc[a:b] (a string's quotes included), or for an
	// array or object the run maskParser.kids[a:a+b] of its children.
	a, b int
	// ka and kb are the decoded name of an object member: doc[ka:kb] when plainKey,
	// maskParser.keys[ka:kb] otherwise. (Offsets rather than a slice keep jsonNode free of
	// pointers, which the garbage collector then need not scan or guard.)
	ka, kb int
	// kpre holds the first 8 bytes of the name, big-endian and padded with zeros: names
	// of different kpre compare as their kpre do.
	kpre     uint64
	kind     uint8
	plain    bool // a string whose text needs no re-encoding: printable ASCII, no escape
	plainKey bool // the name's text is its encoding
}

// keyPrefix returns the kpre of the name key.
func keyPrefix(key []byte) uint64 {
	if len(key) >= 8 {
		return binary.BigEndian.Uint64(key)
	}
	var pre uint64
	for j, c := range key {
		pre |= uint64(c) << (56 - 8*j)
	}
	return pre
}

// compareKeys compares the names of the members x and y as bytes.Compare does.
func (p *maskParser) compareKeys(x, y *jsonNode) int {
	if x.kpre != y.kpre {
		if x.kpre < y.kpre {
			return -1
		}
		return 1
	}
	return bytes.Compare(p.key(x), p.key(y))
}

// key returns the decoded name of the member n.
func (p *maskParser) key(n *jsonNode) []byte {
	if n.plainKey {
		return p.in[n.ka:n.kb]
	}
	return p.keys[n.ka:n.kb]
}

// maskParser holds the scratch space of one MaskJSON; maskParsers keeps them for reuse.
type maskParser struct {
	in      []byte
	rules   Rules
	nodes   []jsonNode
	kids    []int32 // children of arrays and objects, a run for each
	open    []int32 // children of the arrays and objects being read
	keys    []byte  // decoded member names that are not plain
	scratch []byte  // a string being decoded
	depth   int
}

var maskParsers = sync.Pool{New: func() any { return new(maskParser) }}

// release returns p to maskParsers, unless it grew large.
func (p *maskParser) release() {
	if cap(p.nodes) > 1<<14 || cap(p.kids) > 1<<14 || cap(p.open) > 1<<14 || cap(p.keys) > 1<<16 ||
		cap(p.scratch) > 1<<16 {
		return
	}
	*p = maskParser{nodes: p.nodes[:0], kids: p.kids[:0], open: p.open[:0], keys: p.keys[:0], scratch: p.scratch[:0]}
	maskParsers.Put(p)
}

func (p *maskParser) fail(i int, what string) error {
	if i >= len(p.in) {
		return fmt.Errorf("%w: unexpected end of input %s", ErrJSON, what)
	}
	return fmt.Errorf("%w: invalid character %q at offset %d %s", ErrJSON, p.in[i], i, what)
}

func skipSpace(s []byte, i int) int {
	for i < len(s) {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// parseValue reads the value at doc[i] (no space before it) into a new node and returns
// the offset after it.
func (p *maskParser) parseValue(i int) (int, error) {
	in := p.in
	if i >= len(in) {
		return i, p.fail(i, "looking for a value")
	}
	switch c := in[i]; {
	case c == '"':
		end, plain, err := p.scanString(i)
		if err != nil {
			return end, err
		}
		p.nodes = append(p.nodes, jsonNode{a: i, b: end, kind: kindString, plain: plain})
		return end, nil
	case c == '{':
		return p.parseObject(i)
	case c == '[':
		return p.parseArray(i)
	case c == '-' || '0' <= c && c <= '9':
		end, err := p.scanNumber(i)
		if err != nil {
			return end, err
		}
		p.nodes = append(p.nodes, jsonNode{a: i, b: end, kind: kindLiteral})
		return end, nil
	case c == 't':
		return p.literal(i, "true")
	case c == 'f':
		return p.literal(i, "false")
	case c == 'n':
		return p.literal(i, "null")
	}
	return i, p.fail(i, "looking for a value")
}

func (p *maskParser) literal(i int, lit string) (int, error) {
	for j := 1; j < len(lit); j++ {
		if i+j >= len(p.in) || p.in[i+j] != lit[j] {
			return i + j, p.fail(i+j, "in literal "+lit)
		}
	}
	p.nodes = append(p.nodes, jsonNode{a: i, b: i + len(lit), kind: kindLiteral})
	return i + len(lit), nil
}

// scanNumber returns the end of the number at doc[i]:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *maskParser) scanNumber(i int) (int, error) {
	in := p.in
	if in[i] == '-' {
		i++
	}
	switch {
	case i < len(in) && in[i] == '0':
		i++
	case i < len(in) && '1' <= in[i] && in[i] <= '9':
		i = digits(in, i+1)
	default:
		return i, p.fail(i, "in numeric literal")
	}
	if i < len(in) && in[i] == '.' {
		j := digits(in, i+1)
		if j == i+1 {
			return j, p.fail(j, "after decimal point in numeric literal")
		}
		i = j
	}
	if i < len(in) && (in[i] == 'e' || in[i] == 'E') {
		i++
		if i < len(in) && (in[i] == '+' || in[i] == '-') {
			i++
		}
		j := digits(in, i)
		if j == i {
			return j, p.fail(j, "in exponent of numeric literal")
		}
		i = j
	}
	return i, nil
}

func digits(s []byte, i int) int {
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	return i
}

// scanString checks the string whose opening quote is doc[i] and returns the offset after
// its closing quote, and whether it is plain: printable ASCII without escapes, which
// decodes to its text and encodes back to it. Like encoding/json, it accepts invalid
// UTF-8.
func (p *maskParser) scanString(i int) (end int, plain bool, err error) {
	in := p.in
	plain = true
	for i++; i < len(in); i++ {
		c := in[i]
		if strSafe[c] {
			continue
		}
		switch {
		case c == '"':
			return i + 1, plain, nil
		case c == '\\':
			plain = false
			i++
			if i >= len(in) {
				return i, false, p.fail(i, "in string escape code")
			}
			switch in[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				for j := 1; j <= 4; j++ {
					if i+j >= len(in) || !isHex(in[i+j]) {
						return i + j, false, p.fail(i+j, `in \u hexadecimal character escape`)
					}
				}
				i += 4
			default:
				return i, false, p.fail(i, "in string escape code")
			}
		case c < ' ':
			return i, false, p.fail(i, "in string literal")
		default: // not ASCII
			plain = false
		}
	}
	return i, false, p.fail(i, "in string literal")
}

// strSafe holds the bytes that a string's text may hold as they are and that encoding/json
// writes back as they are: printable ASCII but for '"' and '\\'.
var strSafe = func() (t [256]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func (p *maskParser) enter(i int) error {
	if p.depth++; p.depth > maxMaskDepth {
		return p.fail(i, "exceeded max depth")
	}
	return nil
}

// parseArray and parseObject read a container whose opening bracket is at in[i]; they
// differ only in their members (parseContainer).
func (p *maskParser) parseArray(i int) (int, error) {
	return p.parseContainer(i, kindArray, ']', "after array element", p.parseValue)
}

func (p *maskParser) parseObject(i int) (int, error) {
	return p.parseContainer(i, kindObject, '}', "after object key:value pair", p.parseMember)
}

// parseContainer reads the array or object (kind) opened at in[i] and closed by end: its
// members, each read by member and followed by ',' or end (after names where else it
// fails), become its children.
func (p *maskParser) parseContainer(i int, kind uint8, end byte, after string, member func(int) (int, error)) (int, error) {
	if err := p.enter(i); err != nil {
		return i, err
	}
	in := p.in
	self := len(p.nodes)
	p.nodes = append(p.nodes, jsonNode{kind: kind})
	mark := len(p.open)
	i = skipSpace(in, i+1)
	if i < len(in) && in[i] == end {
		i++
	} else {
		for {
			p.open = append(p.open, int32(len(p.nodes)))
			var err error
			if i, err = member(i); err != nil {
				return i, err
			}
			if i = skipSpace(in, i); i >= len(in) {
				return i, p.fail(i, after)
			}
			if c := in[i]; c == end {
				i++
				break
			} else if c != ',' {
				return i, p.fail(i, after)
			}
			i = skipSpace(in, i+1)
		}
	}
	p.close(self, mark)
	return i, nil
}

// parseMember reads an object's "key": value at in[i] into a node that carries the key.
func (p *maskParser) parseMember(i int) (int, error) {
	in := p.in
	if i >= len(in) || in[i] != '"' {
		return i, p.fail(i, "looking for beginning of object key string")
	}
	end, plain, err := p.scanString(i)
	if err != nil {
		return end, err
	}
	ka, kb := i+1, end-1
	if !plain {
		ka = len(p.keys)
		p.keys = unquote(p.keys, in[i+1:end-1])
		kb = len(p.keys)
	}
	if i = skipSpace(in, end); i >= len(in) || in[i] != ':' {
		return i, p.fail(i, "after object key")
	}
	child := len(p.nodes)
	if i, err = p.parseValue(skipSpace(in, i+1)); err != nil {
		return i, err
	}
	n := &p.nodes[child]
	n.ka, n.kb, n.plainKey = ka, kb, plain
	n.kpre = keyPrefix(p.key(n))
	return i, nil
}

// close ends the array or object nodes[self], whose children are open[mark:].
func (p *maskParser) close(self, mark int) {
	n := &p.nodes[self]
	n.a, n.b = len(p.kids), len(p.open)-mark
	p.kids = append(p.kids, p.open[mark:]...)
	p.open = p.open[:mark]
	p.depth--
}

// write appends nodes[k] to out, masked.
func (p *maskParser) write(out []byte, k int32) []byte {
	n := &p.nodes[k]
	switch n.kind {
	case kindLiteral:
		out = append(out, p.in[n.a:n.b]...)
	case kindString:
		if n.plain {
			out = append(out, p.in[n.a:n.b]...)
		} else {
			out = appendReencoded(out, p.in[n.a+1:n.b-1])
		}
	case kindArray:
		out = append(out, '[')
		for j, c := range p.kids[n.a : n.a+n.b] {
			if j > 0 {
				out = append(out, ',')
			}
			out = p.write(out, c)
		}
		out = append(out, ']')
	case kindObject:
		out = p.writeObject(out, p.kids[n.a:n.a+n.b])
	}
	return out
}

// writeObject appends the object of the members kids, sorted by name, of each name the
// last, masked.
func (p *maskParser) writeObject(out []byte, kids []int32) []byte {
	nodes := p.nodes
	sorted := true
	for j := 1; j < len(kids); j++ {
		if p.compareKeys(&nodes[kids[j-1]], &nodes[kids[j]]) >= 0 {
			sorted = false
			break
		}
	}
	if !sorted {
		// Members of one name stay in document order (their node indexes grow), and
		// only the last of them is written.
		slices.SortFunc(kids, func(x, y int32) int {
			if c := p.compareKeys(&nodes[x], &nodes[y]); c != 0 {
				return c
			}
			return cmp.Compare(x, y)
		})
	}
	last := func(j int) bool {
		return j+1 == len(kids) || p.compareKeys(&nodes[kids[j]], &nodes[kids[j+1]]) != 0
	}

	// A change object: a string path whose last name has a rule masks "old" and "new".
	// The path is read masked, if "path" has a rule (called once, as for any member).
	var change func(string) string
	pathNode, maskedPath := int32(-1), ""
	if len(p.rules) > 0 {
		for j, k := range kids {
			if n := &nodes[k]; n.kind == kindString && string(p.key(n)) == "path" && last(j) {
				path := p.decode(n)
				if f := p.rules["path"]; f != nil {
					path = f(path)
					pathNode, maskedPath = k, path
				}
				change = p.rules[lastName(path)]
			}
		}
	}

	out = append(out, '{')
	first := true
	for j, k := range kids {
		if !last(j) {
			continue
		}
		if !first {
			out = append(out, ',')
		}
		first = false
		n := &nodes[k]
		key := p.key(n)
		if n.plainKey {
			out = append(out, '"')
			out = append(out, key...)
			out = append(out, '"')
		} else {
			out = jsonstr.AppendString(out, key, false)
		}
		out = append(out, ':')
		if k == pathNode {
			out = jsonstr.AppendString(out, maskedPath, false)
			continue
		}
		if n.kind == kindString && len(p.rules) > 0 {
			f := p.rules[string(key)]
			var g func(string) string
			if change != nil && (string(key) == "old" || string(key) == "new") {
				g = change
			}
			if f != nil || g != nil {
				s := p.decode(n)
				if f != nil {
					s = f(s)
				}
				if g != nil {
					s = g(s)
				}
				out = jsonstr.AppendString(out, s, false)
				continue
			}
		}
		out = p.write(out, k)
	}
	return append(out, '}')
}

// decode returns the string of the string node n.
func (p *maskParser) decode(n *jsonNode) string {
	text := p.in[n.a+1 : n.b-1]
	if n.plain {
		return string(text)
	}
	p.scratch = unquote(p.scratch[:0], text)
	return string(p.scratch)
}

// unquote appends the string a (checked) JSON string's text s, without its quotes,
// decodes to, as encoding/json decodes it: invalid UTF-8 and lone surrogates become
// U+FFFD.
func unquote(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			r, size := unescape(s[i:])
			dst = utf8.AppendRune(dst, r)
			i += size
		case c < utf8.RuneSelf:
			dst = append(dst, c)
			i++
		default:
			r, size := utf8.DecodeRune(s[i:])
			dst = utf8.AppendRune(dst, r) // RuneError for invalid UTF-8
			i += size
		}
	}
	return dst
}

// unescape decodes the escape sequence (checked) at the start of s, with the low half of
// a surrogate pair: it returns the rune and the length of its text.
func unescape(s []byte) (rune, int) {
	switch s[1] {
	case 'b':
		return '\b', 2
	case 'f':
		return '\f', 2
	case 'n':
		return '\n', 2
	case 'r':
		return '\r', 2
	case 't':
		return '\t', 2
	case 'u':
		r := hex4(s[2:6])
		if !utf16.IsSurrogate(r) {
			return r, 6
		}
		if len(s) >= 12 && s[6] == '\\' && s[7] == 'u' {
			if dec := utf16.DecodeRune(r, hex4(s[8:12])); dec != utf8.RuneError {
				return dec, 12
			}
		}
		return utf8.RuneError, 6
	}
	return rune(s[1]), 2 // '"', '\\', '/'
}

// hex4 returns the value of 4 hexadecimal digits; hex4 of anything else is negative.
func hex4(s []byte) rune {
	var r rune
	for _, c := range s[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// appendReencoded appends, quoted, the string a (checked) JSON string's text s decodes to
// (see unquote) as encoding/json encodes it without HTML escaping — jsonstr.AppendString of
// unquote of s, in one pass.
func appendReencoded(dst, s []byte) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if strSafe[c] {
			i++
			continue
		}
		if c == '\\' {
			r, size := unescape(s[i:])
			dst = jsonstr.AppendRune(append(dst, s[start:i]...), r, false)
			i += size
			start = i
			continue
		}
		// Not ASCII: valid UTF-8 but for U+2028 and U+2029 stays as it is; each byte of
		// invalid UTF-8 decodes to U+FFFD, which encodes as itself.
		r, size := utf8.DecodeRune(s[i:])
		if size == 1 || r == '\u2028' || r == '\u2029' {
			dst = jsonstr.AppendRune(append(dst, s[start:i]...), r, false)
			start = i + size
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// lastName returns the last member name of a path such as "addresses[0].street" or
// "/individual/mobile".
func lastName(path string) string {
	if i := strings.LastIndexAny(path, "./"); i >= 0 {
		path = path[i+1:]
	}
	if i := strings.IndexByte(path, '['); i >= 0 {
		path = path[:i]
	}
	return path
}
