package server

import (
	"encoding"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/credit"
)

// requireSameJSON checks that got and gotErr are what encoding/json's Marshal makes of v:
// the same bytes, or an error for both.
func requireSameJSON(t testing.TB, v any, got []byte, gotErr error) {
	t.Helper()
	want, err := json.Marshal(v)
	if err != nil {
		require.Error(t, gotErr, "encoding/json refuses %#v (%v)", v, err)
		return
	}
	require.NoError(t, gotErr)
	require.Equal(t, string(want), string(got))
}

// jsonTestStrings are strings where encoders tend to differ (jsonstr's tests have the
// same and compare them with encoding/json alone).
var jsonTestStrings = []string{
	"", "plain", `"quoted" \back\slash/`, "<script>&amp;</script>", "\x00\x01\x1f\x7f",
	"\b\f\n\r\t", "中文 ∞ (-∞, 0.2)", "\u2028\u2029", "bad \xff utf-8 \xe4\xb8", "\xed\xa0\x80 surrogate",
	"emoji 🙂 and \U0010FFFF",
}

func TestJSONOutFloatIsEncodingJSON(t *testing.T) {
	for _, v := range []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 123.456, 1e-6, 9.99e-7, 1e-7, 1.5e-300,
		5e-324, 1e20, 1e21, 1.2345e22, -3e-9, math.MaxFloat64, -math.MaxFloat64, 0.05353987007917712,
		math.NaN(), math.Inf(1), math.Inf(-1)} {
		w := jsonOut{}
		w.float(v)
		got, err := w.result()
		requireSameJSON(t, v, got, err)
	}
}

func FuzzJSONOutFloat(f *testing.F) {
	f.Add(uint64(0x3fb999999999999a))
	f.Fuzz(func(t *testing.T, bits uint64) {
		v := math.Float64frombits(bits)
		w := jsonOut{}
		w.float(v)
		got, err := w.result()
		requireSameJSON(t, v, got, err)
	})
}

func TestJSONOutTimeIsEncodingJSON(t *testing.T) {
	lmt := time.FixedZone("LMT", -(7*3600 + 52*60 + 58))
	for _, v := range []time.Time{{}, time.Date(2026, 11, 29, 20, 15, 47, 265356430, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("", 8*3600)), time.Date(1883, 11, 18, 12, 0, 0, 1, lmt),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", 24*3600))} {
		w := jsonOut{b: []byte("x")}
		w.time(v)
		got, err := w.result()
		if err == nil {
			got = got[1:]
		}
		requireSameJSON(t, v, got, err)
	}
}

// TestJSONOutDecimalIsString checks the decimal fast path against the decimal package's
// own MarshalJSON, with and without MarshalJSONWithoutQuotes.
func TestJSONOutDecimalIsString(t *testing.T) {
	coefs := []int64{0, 1, -1, 5, -5, 10, -10, 100, 120, 123456, -1000001, 999_999_999_999_999_999,
		-999_999_999_999_999_999, 1_000_000_000_000_000_000, math.MaxInt64, math.MinInt64}
	var ds []decimal.Decimal
	for _, c := range coefs {
		for exp := int32(-25); exp <= 25; exp++ {
			ds = append(ds, decimal.New(c, exp))
		}
	}
	for _, s := range []string{"123456789012345678901234567890.123", "-0.000000000000000000000000001",
		"4637.05", "150000", "0.0708", "1e3", "-1.2300"} {
		ds = append(ds, decimal.RequireFromString(s))
	}
	ds = append(ds, decimal.Decimal{}) // the zero value
	for _, quoted := range []bool{true, false} {
		t.Run(fmt.Sprint("quoted=", quoted), func(t *testing.T) {
			defer func(old bool) { decimal.MarshalJSONWithoutQuotes = old }(decimal.MarshalJSONWithoutQuotes)
			decimal.MarshalJSONWithoutQuotes = !quoted
			for _, d := range ds {
				w := jsonOut{}
				w.decimal(d)
				want, err := d.MarshalJSON()
				require.NoError(t, err)
				require.Equal(t, string(want), string(w.b), "%s × 10^%d", d.Coefficient(), d.Exponent())
			}
		})
	}
}

// TestReportJSONEveryField sets every field of a report, down through its nested structs,
// slices and pointers, by reflection (so a field added to credit's types is set too) and
// checks appendReport against encoding/json; then the same with every pointer nil, every
// slice nil or empty and every string empty.
func TestReportJSONEveryField(t *testing.T) {
	for seed := range 8 {
		var r credit.Report
		fillEvery(t, reflect.ValueOf(&r).Elem(), &filler{seed: seed})
		var parts reportParts
		got, err := appendReport([]byte("before"), &r, &parts)
		require.NoError(t, err)
		require.Equal(t, "before", string(got[:6]))
		requireSameJSON(t, &r, got[6:], err)
		requireSameJSON(t, &r.Facts, parts.facts.of(got), nil)
		requireSameJSON(t, &r.Facts.Request, parts.request.of(got), nil)
	}

	var sparse credit.Report
	sparse.Grade, sparse.Decision, sparse.Schedule.Method = credit.AAA, credit.Approve, credit.EqualInstalments
	sparse.Points, sparse.Reasons = []credit.Points{}, []credit.Reason{}
	got, err := appendReport(nil, &sparse, nil)
	requireSameJSON(t, &sparse, got, err)
	assert.Contains(t, string(got), `"points":[],`)
	assert.Contains(t, string(got), `"rule_hits":null,`)
	assert.Contains(t, string(got), `"hint":{"gain":0}`)

	// An enumeration's zero value, a time out of RFC 3339's range, a NaN: errors, as there.
	for _, bad := range []func(*credit.Report){
		func(r *credit.Report) { r.Decision = 0 },
		func(r *credit.Report) { r.AssessedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
		func(r *credit.Report) { r.Risk.K = math.NaN() },
		func(r *credit.Report) { e := credit.Employment(0); r.Facts.Income.Employment = &e },
	} {
		r := sparse
		bad(&r)
		got, err := appendReport(nil, &r, nil)
		requireSameJSON(t, &r, got, err)
	}
}

// filler makes the values fillEvery sets, different for each seed and each field.
type filler struct {
	seed, n int
}

func (f *filler) next() int { f.n++; return f.seed*1000 + f.n }

func fillEvery(t *testing.T, v reflect.Value, f *filler) {
	textMarshaler := reflect.TypeFor[encoding.TextMarshaler]()
	switch {
	case v.Type() == reflect.TypeFor[decimal.Decimal]():
		all := []string{"0", "-0.05", "4637.05", "123456789012345678901234567890.5", "1e3", "1234.5600", "7"}
		v.Set(reflect.ValueOf(decimal.RequireFromString(all[f.next()%len(all)])))
		return
	case v.Type() == reflect.TypeFor[time.Time]():
		zone := time.FixedZone("", 8*3600)
		v.Set(reflect.ValueOf(time.Date(2026, 11, 29, 20, 15, 47, f.next()*1000, zone)))
		return
	case v.Type().Implements(textMarshaler) && v.Kind() != reflect.Pointer:
		n := 1 + f.next()%2 // every enumeration has at least two names
		if v.CanUint() {
			v.SetUint(uint64(n))
		} else {
			v.SetInt(int64(n))
		}
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			require.True(t, v.Type().Field(i).IsExported(), "%s.%s", v.Type(), v.Type().Field(i).Name)
			fillEvery(t, v.Field(i), f)
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fillEvery(t, v.Elem(), f)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fillEvery(t, v.Index(i), f)
		}
	case reflect.String:
		all := append(jsonTestStrings[1:], "")
		v.SetString(all[f.next()%len(all)])
	case reflect.Bool:
		v.SetBool(f.next()%2 == 0)
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(f.next() - 3))
	case reflect.Float64:
		all := []float64{0.05353987007917712, -2.5, 1e-9, 540, 1e22, 0}
		v.SetFloat(all[f.next()%len(all)])
	default:
		t.Fatalf("fillEvery: no value for %s", v.Type())
	}
}

// FuzzReportJSON puts fuzzed text and numbers in the parts of a report a scorecard or a
// request controls: variable names, bins, reason texts, points, amounts.
func FuzzReportJSON(f *testing.F) {
	f.Add("bureau.utilisation", "[0.3, 0.5)", 50.0, 65.0, int64(463705), int32(-2))
	f.Add("<&>\u2028", "\xff", math.Inf(1), math.Copysign(0, -1), int64(-5), int32(3))
	f.Fuzz(func(t *testing.T, name, bin string, points, maxPoints float64, coef int64, exp int32) {
		if exp < -40 || exp > 40 {
			return // the zeros of 10^exp, not what is tested here
		}
		d := decimal.New(coef, exp)
		r := credit.Report{ModelID: name, Grade: credit.BBB, Decision: credit.Refer, Limit: d,
			Points:  []credit.Points{{Variable: name, Bin: bin, Points: points, MaxPoints: maxPoints, ReasonCode: bin}},
			Reasons: []credit.Reason{{Code: name, Variable: bin, Gap: maxPoints - points, EN: name, ZH: bin}},
			Hint:    credit.Hint{Variable: name, Target: bin, Gain: points, EN: bin},
			Schedule: credit.ScheduleSummary{Method: credit.EqualPrincipal, FirstInstalment: d,
				TotalRepaid: d.Neg()}}
		r.Facts.Income.Monthly, r.Facts.Bureau.Utilisation = &d, &points
		got, err := appendReport(nil, &r, nil)
		requireSameJSON(t, &r, got, err)
	})
}

// BenchmarkReportJSON encodes the report of the applicant of credit/testdata.
func BenchmarkReportJSON(b *testing.B) {
	h := benchHarness(b)
	_, report, err := h.srv.prepareAssessment(b.Context(), nil, individualRef, applicantFacts(b))
	require.NoError(b, err)
	b.Run("appendReport", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := appendReport(make([]byte, 0, reportSize), &report, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(&report); err != nil {
				b.Fatal(err)
			}
		}
	})
}
