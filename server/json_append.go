package server

import (
	"encoding"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/server/internal/jsonstr"
)

// jsonOut appends JSON byte for byte as encoding/json's Marshal writes it: strings
// HTML-escaped, floats in its format, decimals through their MarshalJSON's format,
// TextMarshalers as strings, times as RFC 3339. It is for the few answers sent so often
// that reflection-driven encoding cost a tenth of their CPU (see appendReport); tests
// compare every use with encoding/json. The first error sticks: result returns it
// instead of the JSON.
type jsonOut struct {
	b   []byte
	err error
}

// raw appends s as it is: a member's key with its colon and the comma or brace before
// it (`{"name":`, `,"name":`), or a closing bracket.
func (w *jsonOut) raw(s string) { w.b = append(w.b, s...) }

func (w *jsonOut) null() { w.b = append(w.b, "null"...) }

func (w *jsonOut) bool(v bool) { w.b = strconv.AppendBool(w.b, v) }

func (w *jsonOut) int(v int64) { w.b = strconv.AppendInt(w.b, v, 10) }

// float appends v as encoding/json does: the shortest decimal that reads back as v, in
// exponent form below 1e-6 and from 1e21 on, without a leading zero in a negative
// exponent. NaN and the infinities are an error, as there.
func (w *jsonOut) float(v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		w.fail(fmt.Errorf("json: unsupported value: %s", strconv.FormatFloat(v, 'g', -1, 64)))
		return
	}
	format := byte('f')
	if a := math.Abs(v); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	w.b = strconv.AppendFloat(w.b, v, format, -1, 64)
	if n := len(w.b); format == 'e' && n >= 4 && w.b[n-4] == 'e' && w.b[n-3] == '-' && w.b[n-2] == '0' {
		w.b[n-2] = w.b[n-1] // e-07 → e-7
		w.b = w.b[:n-1]
	}
}

// decimal appends d as its MarshalJSON writes it: d.String() in quotes (without them when
// the package's MarshalJSONWithoutQuotes is set). A coefficient of up to 18 digits, every
// amount a bank has, is formatted here without the arbitrary-precision arithmetic of
// String, whose result it equals (TestJSONOutDecimalIsString).
func (w *jsonOut) decimal(d decimal.Decimal) {
	quoted := !decimal.MarshalJSONWithoutQuotes
	if quoted {
		w.b = append(w.b, '"')
	}
	if d.NumDigits() > 18 { // NumDigits is at most 18 only for a coefficient that fits int64
		w.b = append(w.b, d.String()...)
	} else {
		w.b = appendSmallDecimal(w.b, d.CoefficientInt64(), d.Exponent())
	}
	if quoted {
		w.b = append(w.b, '"')
	}
}

// appendSmallDecimal appends coef × 10^exp as decimal.Decimal.String writes it: no
// exponent, no trailing zeros after the point, no point for a whole number.
func appendSmallDecimal(b []byte, coef int64, exp int32) []byte {
	if exp >= 0 || coef == 0 {
		b = strconv.AppendInt(b, coef, 10)
		if coef != 0 {
			for range exp {
				b = append(b, '0')
			}
		}
		return b
	}
	if coef < 0 {
		b = append(b, '-')
		coef = -coef // |coef| < 10^18: no overflow
	}
	var digits [20]byte
	s := strconv.AppendInt(digits[:0], coef, 10)
	point := len(s) + int(exp) // digits before the point; ≤ 0 means "0." and zeros
	if point > 0 {
		b = append(b, s[:point]...)
		s = s[point:]
	} else {
		b = append(b, '0')
	}
	for len(s) > 0 && s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if len(s) == 0 {
		return b
	}
	b = append(b, '.')
	for ; point < 0; point++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// time appends t as its MarshalJSON writes it: its AppendText (RFC 3339, which it
// refuses for a year outside 0-9999) in quotes.
func (w *jsonOut) time(t time.Time) {
	b, err := t.AppendText(append(w.b, '"'))
	if err != nil {
		w.fail(err)
		return
	}
	w.b = append(b, '"')
}

// text appends the text of m as a string, as encoding/json does for a TextMarshaler.
func (w *jsonOut) text(m encoding.TextMarshaler) {
	b, err := m.MarshalText()
	if err != nil {
		w.fail(err)
		return
	}
	w.b = jsonstr.AppendString(w.b, b, true)
}

func (w *jsonOut) str(s string) { w.b = jsonstr.AppendString(w.b, s, true) }

func (w *jsonOut) fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

// result returns the JSON, or the first error.
func (w *jsonOut) result() ([]byte, error) {
	if w.err != nil {
		return nil, w.err
	}
	return w.b, nil
}

// optional appends *p with put, or null for a nil p.
func optional[T any](w *jsonOut, p *T, put func(*jsonOut, T)) {
	if p == nil {
		w.null()
		return
	}
	put(w, *p)
}

func putInt(w *jsonOut, v int)                 { w.int(int64(v)) }
func putBool(w *jsonOut, v bool)               { w.bool(v) }
func putFloat(w *jsonOut, v float64)           { w.float(v) }
func putDecimal(w *jsonOut, v decimal.Decimal) { w.decimal(v) }

// putText appends an enumeration's text.
func putText[T encoding.TextMarshaler](w *jsonOut, v T) { w.text(v) }
