package fit_test

import (
	"encoding/csv"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/credit/fit"
)

func TestReadCSVKinds(t *testing.T) {
	src := "n,c,m,y\n1.5,A,NA,good\n-2,B,3,bad\n,A,4,good\n"
	tb, err := fit.ReadCSV(strings.NewReader(src), fit.CSVConfig{})
	require.NoError(t, err)
	assert.Equal(t, 3, tb.Rows)
	n, _ := tb.Column("n")
	assert.Equal(t, fit.Numeric, n.Kind)
	assert.Equal(t, []bool{false, false, true}, n.Missing)
	assert.True(t, math.IsNaN(n.Num[2]))
	c, _ := tb.Column("c")
	assert.Equal(t, fit.Categorical, c.Kind)
	assert.Equal(t, []string{"A", "B", "A"}, c.Cat)
	m, _ := tb.Column("m")
	assert.Equal(t, fit.Numeric, m.Kind)
	assert.True(t, m.Missing[0])
}

func TestReadCSVForcedKinds(t *testing.T) {
	src := "code;y\n01;good\n02;bad\n"
	tb, err := fit.ReadCSV(strings.NewReader(src), fit.CSVConfig{Comma: ';', Kinds: map[string]fit.Kind{"code": fit.Categorical}})
	require.NoError(t, err)
	c, _ := tb.Column("code")
	assert.Equal(t, []string{"01", "02"}, c.Cat)

	_, err = fit.ReadCSV(strings.NewReader("a,y\nx,good\n"), fit.CSVConfig{Kinds: map[string]fit.Kind{"a": fit.Numeric}})
	require.ErrorIs(t, err, fit.ErrNotNumeric)
	_, err = fit.ReadCSV(strings.NewReader("a,y\nx,good\n"), fit.CSVConfig{Kinds: map[string]fit.Kind{"zz": fit.Numeric}})
	require.ErrorIs(t, err, fit.ErrUnknownColumn)
	_, err = fit.ReadCSV(strings.NewReader("a,y\n\"x,good\n"), fit.CSVConfig{})
	var pe *csv.ParseError
	require.ErrorAs(t, err, &pe)
}

func TestReadCSVEveryRaggedRow(t *testing.T) {
	_, err := fit.ReadCSV(strings.NewReader("a,b\n1,2\n3\n4,5,6\n"), fit.CSVConfig{})
	var te *fit.TableError
	require.ErrorAs(t, err, &te)
	require.Len(t, te.Problems, 2)
	assert.Equal(t, 2, te.Problems[0].Row)
	assert.Equal(t, 3, te.Problems[1].Row)
	assert.ErrorIs(t, err, fit.ErrRaggedRow)
}

func TestRename(t *testing.T) {
	tb, err := fit.ReadCSV(strings.NewReader("a,b\n1,2\n"), fit.CSVConfig{})
	require.NoError(t, err)
	require.NoError(t, tb.Rename("a", "x"))
	_, ok := tb.Column("x")
	assert.True(t, ok)
	require.ErrorIs(t, tb.Rename("nope", "y"), fit.ErrUnknownColumn)
	require.ErrorIs(t, tb.Rename("x", "b"), fit.ErrDuplicateColumn)
}

func TestEnumText(t *testing.T) {
	for _, k := range []fit.Kind{fit.Numeric, fit.Categorical} {
		b, err := k.MarshalText()
		require.NoError(t, err)
		var back fit.Kind
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, k, back)
	}
	for _, tr := range []fit.Trend{fit.Ascending, fit.Descending} {
		b, err := tr.MarshalText()
		require.NoError(t, err)
		var back fit.Trend
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, tr, back)
	}
	for _, r := range []fit.DropReason{fit.DropLowIV, fit.DropCorrelated, fit.DropWrongSign, fit.DropInsignificant} {
		b, err := r.MarshalText()
		require.NoError(t, err)
		var back fit.DropReason
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, r, back)
	}
	_, err := fit.Kind(0).MarshalText()
	require.ErrorIs(t, err, fit.ErrConfig)
	_, err = fit.Trend(0).MarshalText()
	require.ErrorIs(t, err, fit.ErrConfig)
	_, err = fit.DropReason(0).MarshalText()
	require.ErrorIs(t, err, fit.ErrConfig)
	var k fit.Kind
	require.ErrorIs(t, k.UnmarshalText([]byte("x")), fit.ErrConfig)
	var tr fit.Trend
	require.ErrorIs(t, tr.UnmarshalText([]byte("x")), fit.ErrConfig)
	var r fit.DropReason
	require.ErrorIs(t, r.UnmarshalText([]byte("")), fit.ErrConfig)
}

func TestCorrelatedDropped(t *testing.T) {
	// b copies a: the weaker twin is dropped as correlated.
	var sb strings.Builder
	sb.WriteString("a,b,y\n")
	for i := range 200 {
		v := i % 10
		y := "good"
		if (i*7)%10 < v {
			y = "bad"
		}
		sb.WriteString(strings.Join([]string{itoa(v), itoa(v), y}, ",") + "\n")
	}
	tb, err := fit.ReadCSV(strings.NewReader(sb.String()), fit.CSVConfig{})
	require.NoError(t, err)
	m, err := fit.Fit(tb, fit.Config{Target: "y"})
	require.NoError(t, err)
	require.Len(t, m.Card, 1)
	assert.Equal(t, []fit.Drop{{Name: "b", Reason: fit.DropCorrelated, With: "a"}}, m.Drops)
}

func itoa(i int) string { return string(rune('0' + i)) }
