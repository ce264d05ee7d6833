package main

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/credit"
)

// factPaths lists the JSON path of every leaf (pointer) field of credit.Facts.
func factPaths(t reflect.Type, prefix string) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch f.Type.Kind() {
		case reflect.Struct:
			out = append(out, factPaths(f.Type, prefix+name+".")...)
		case reflect.Pointer:
			out = append(out, prefix+name)
		default:
			panic("unexpected field " + f.Name)
		}
	}
	return out
}

// TestColumnsCoverFacts fails when credit.Facts gains a field the scoring files cannot carry.
func TestColumnsCoverFacts(t *testing.T) {
	var names []string
	for _, c := range factColumns() {
		names = append(names, c.name)
	}
	assert.ElementsMatch(t, factPaths(reflect.TypeOf(credit.Facts{}), ""), names)
}

// TestColumnsAreScorecardVariables checks the column names agree with the variables a card may
// score (all but the derived capacity.dti are columns).
func TestColumnsAreScorecardVariables(t *testing.T) {
	cols := map[string]bool{}
	for _, c := range factColumns() {
		cols[c.name] = true
	}
	for _, v := range credit.Variables() {
		if v != "capacity.dti" {
			assert.True(t, cols[v], v)
		}
	}
}

// TestReadmeColumnTable keeps README.md's column table the one the code uses.
func TestReadmeColumnTable(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	assert.Contains(t, string(readme), columnsTable())
}

func TestColumnHelpListsEveryColumn(t *testing.T) {
	code, out, _ := runCLI([]string{"score", "--help"}, nil)
	require.Equal(t, exitOK, code)
	for _, c := range factColumns() {
		assert.Contains(t, out, "  "+c.name+" ", c.name)
	}
	assert.Contains(t, out, "civil_servant, state_owned, private")
	assert.Contains(t, out, "Exit status") // from the root's help? no: from score's own text
}

func TestParseCells(t *testing.T) {
	tests := []struct {
		name   string
		column string
		give   string
		want   any // the field's value, or nil for an error
	}{
		{"integer", "profile.age", "34", 34},
		{"negative integer parses (validation refuses it later)", "profile.age", "-3", -3},
		{"integer with fraction", "profile.age", "34.5", nil},
		{"integer overflow", "bureau.open_accounts", "99999999999999999999", nil},
		{"number", "bureau.utilisation", "0.42", 0.42},
		{"number exponent", "bureau.utilisation", "4.2e-1", 0.42},
		{"NaN", "bureau.utilisation", "NaN", nil},
		{"infinity", "bureau.utilisation", "Inf", nil},
		{"money", "income.monthly", "18000.50", "18000.5"},
		{"money with plus", "income.monthly", "+100", "100"},
		{"money exponent", "income.monthly", "1e9", nil},
		{"money thousands", "income.monthly", "18,000", nil},
		{"money currency", "income.monthly", "¥100", nil},
		{"money two dots", "income.monthly", "1.2.3", nil},
		{"money sign only", "income.monthly", "-", nil},
		{"money too long", "income.monthly", strings.Repeat("9", 41), nil},
		{"money sixteen digits", "income.monthly", "1234567890123456.5", "1234567890123456.5"},
		{"money seventeen digits", "income.monthly", "12345678901234567", nil},
		{"money leading zeros", "income.monthly", "000000000000000000012.50", "12.5"},
		{"money twelve decimals", "income.monthly", "0.000000000001", "0.000000000001"},
		{"money thirteen decimals", "income.monthly", "0.0000000000001", nil},
		{"money trailing zeros", "income.monthly", "7.00000000000000000000", "7"},
		{"money negative", "income.monthly", "-12.5", "-12.5"},
		{"money 28 digits", "income.monthly", "1234567890123456.123456789012", "1234567890123456.123456789012"},
		{"money dot only", "income.monthly", ".", nil},
		{"money fraction only", "income.monthly", ".5", "0.5"},
		{"money integer with dot", "income.monthly", "5.", "5"},
		{"bool true", "income.verified", "true", true},
		{"bool 1", "income.verified", "1", true},
		{"bool FALSE", "income.verified", "FALSE", false},
		{"bool yes", "income.verified", "yes", nil},
		{"enum", "income.employment", "civil_servant", credit.CivilServant},
		{"enum unknown", "income.employment", "astronaut", nil},
		{"enum case", "income.employment", "Civil_Servant", nil},
		{"product", "request.product", "mortgage", credit.Mortgage},
		{"method", "request.method", "interest_only", credit.InterestOnly},
		{"security", "profile.security", "none", credit.Unsecured},
	}
	cols := map[string]factColumn{}
	for _, c := range factColumns() {
		cols[c.name] = c
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ok := cols[tt.column]
			require.True(t, ok)
			var f, slots credit.Facts
			for _, c := range factColumns() {
				c.alloc(&slots)
			}
			err := c.parse(&f, &slots, []byte(tt.give))
			if tt.want == nil {
				require.ErrorIs(t, err, errCell)
				assert.Equal(t, credit.Facts{}, f, "nothing set on error")
				return
			}
			require.NoError(t, err)
			got := fieldValue(t, &f, tt.column)
			if d, ok := got.(decimal.Decimal); ok {
				assert.Equal(t, tt.want, d.String())
				return
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

// fieldValue returns the value a Facts path points at.
func fieldValue(t *testing.T, f *credit.Facts, path string) any {
	t.Helper()
	v := reflect.ValueOf(f).Elem()
	for _, part := range strings.Split(path, ".") {
		found := false
		for i := range v.NumField() {
			name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
			if name == part {
				v, found = v.Field(i), true
				break
			}
		}
		require.True(t, found, path)
	}
	require.False(t, v.IsNil(), path)
	return v.Elem().Interface()
}

func TestCheckMoney(t *testing.T) {
	tests := []struct {
		name string
		give string
		ok   bool
	}{
		{"ordinary", "18000.50", true},
		{"zero", "0", true},
		{"sixteen digits", "9999999999999999", true},
		{"seventeen digits", "99999999999999999", false},
		{"twelve decimals", "0.000000000001", true},
		{"thirteen decimals", "0.0000000000001", false},
		{"trailing zeros are fine", "1.00000000000000000000", true},
		{"huge exponent", "1e999999999", false},
		{"zero with a huge exponent", "0e999999999", false},
		{"tiny exponent", "1e-999999999", false},
	}
	cols := factColumns()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := decimal.NewFromString(tt.give)
			require.NoError(t, err)
			f := credit.Facts{Income: credit.Income{Monthly: &d}}
			err = checkMoney(&f, cols)
			if tt.ok {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, errCell)
			assert.Contains(t, err.Error(), "income.monthly")
		})
	}
}

func TestQuoteCell(t *testing.T) {
	assert.Equal(t, `"abc"`, quoteCell([]byte("abc")))
	assert.Equal(t, `"\x00\xff"`, quoteCell([]byte("\x00\xff")))
	long := quoteCell([]byte(strings.Repeat("张", 30)))
	assert.True(t, strings.HasSuffix(long, "…"), long)
	assert.LessOrEqual(t, len(long), 120)
}
