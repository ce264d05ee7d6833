package credit

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// TestAssessReprGolden pins the golden assessments more tightly than TestAssessGolden's JSON
// digests: every decimal by its coefficient and exponent (and whether it is the zero value,
// with no coefficient at all), every float by its bits. JSON prints 150000 and 150000.00 alike;
// StringFixed, Coefficient and Exponent do not, so faster arithmetic inside Assess must keep
// the representation too. testdata/assess_repr.golden was written before Assess was tuned
// for allocations (go test -run ReprGolden -update) and must not change.
func TestAssessReprGolden(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	var got []string
	goldenAssessments(t, func(label string, r Report, err error) {
		if err != nil {
			got = append(got, fmt.Sprintf("assess %s error %v", label, err))
			return
		}
		got = append(got, fmt.Sprintf("assess %s %s", label, reprDigest(r)))
	})
	checkGolden(t, "testdata/assess_repr.golden", got)
}

// reprDigest hashes repr(v).
func reprDigest(v any) string {
	var b strings.Builder
	repr(&b, reflect.ValueOf(v))
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:12])
}

var (
	decimalType = reflect.TypeFor[decimal.Decimal]()
	timeType    = reflect.TypeFor[time.Time]()
)

// repr writes v exactly: decimals as coefficient e exponent (nil for the zero value's missing
// coefficient), floats by their bits, slices with their nil-ness, structs field by field.
func repr(b *strings.Builder, v reflect.Value) {
	switch {
	case v.Type() == decimalType:
		d := v.Interface().(decimal.Decimal)
		if v.Field(0).IsNil() {
			fmt.Fprintf(b, "nil e%d", d.Exponent())
			return
		}
		fmt.Fprintf(b, "%se%d", d.Coefficient(), d.Exponent())
		return
	case v.Type() == timeType:
		tm := v.Interface().(time.Time)
		fmt.Fprintf(b, "%s@%s", tm.Format(time.RFC3339Nano), tm.Location())
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			b.WriteString("nil")
			return
		}
		b.WriteString("&")
		repr(b, v.Elem())
	case reflect.Struct:
		b.WriteString("{")
		for i := range v.NumField() {
			fmt.Fprintf(b, "%s:", v.Type().Field(i).Name)
			repr(b, v.Field(i))
			b.WriteString(" ")
		}
		b.WriteString("}")
	case reflect.Slice:
		if v.IsNil() {
			b.WriteString("nil")
			return
		}
		fmt.Fprintf(b, "[%d:", v.Len())
		for i := range v.Len() {
			repr(b, v.Index(i))
			b.WriteString(" ")
		}
		b.WriteString("]")
	case reflect.Float32, reflect.Float64:
		fmt.Fprintf(b, "%#x", math.Float64bits(v.Float()))
	case reflect.String:
		fmt.Fprintf(b, "%q", v.String())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		fmt.Fprintf(b, "%d", v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		fmt.Fprintf(b, "%d", v.Uint())
	case reflect.Bool:
		fmt.Fprintf(b, "%t", v.Bool())
	default:
		panic("repr: unexpected kind " + v.Kind().String())
	}
}
