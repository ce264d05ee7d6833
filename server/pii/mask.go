package pii

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
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
func MaskJSON(doc []byte, rules Rules) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrJSON, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: data after the value", ErrJSON)
	}
	v = rules.mask(v)
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrJSON, err)
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

func (r Rules) mask(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			if s, ok := child.(string); ok {
				if f := r[k]; f != nil {
					t[k] = f(s)
				}
				continue
			}
			t[k] = r.mask(child)
		}
		if path, ok := t["path"].(string); ok {
			if f := r[lastName(path)]; f != nil {
				for _, k := range []string{"old", "new"} {
					if s, ok := t[k].(string); ok {
						t[k] = f(s)
					}
				}
			}
		}
		return t
	case []any:
		for i, child := range t {
			t[i] = r.mask(child)
		}
		return t
	}
	return v
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
