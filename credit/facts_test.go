package credit

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeFacts(t *testing.T) {
	f, err := DecodeFacts(readFile(t, "testdata/applicant.json"))
	require.NoError(t, err)
	require.NotNil(t, f.Income.Monthly)
	assert.Equal(t, "18000", f.Income.Monthly.String())
	assert.Equal(t, PrivateSector, *f.Income.Employment)
	assert.Nil(t, f.Bureau.LateFees, "absent is missing")
	assert.Nil(t, f.Blacklisted)

	f, err = DecodeFacts([]byte(`{"bureau":{"late_fees":null},"income":{"monthly":0}}`))
	require.NoError(t, err)
	assert.Nil(t, f.Bureau.LateFees, "null is missing")
	require.NotNil(t, f.Income.Monthly, "zero is not missing")
	assert.True(t, f.Income.Monthly.IsZero())
}

func TestDecodeFactsRejects(t *testing.T) {
	tests := []struct {
		name string
		give string
	}{
		{"unknown field", `{"income":{"salary":"100"}}`},
		{"unknown top-level field", `{"name":"x"}`},
		{"unknown enum value", `{"income":{"employment":"astronaut"}}`},
		{"wrong type", `{"profile":{"age":"thirty"}}`},
		{"trailing data", `{} {}`},
		{"not an object", `[1]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeFacts([]byte(tt.give))
			require.Error(t, err)
		})
	}
	for give, field := range map[string]string{`{"income":{"salary":"100"}}`: "salary", `{"name":"x"}`: "name"} {
		_, err := DecodeFacts([]byte(give))
		var uf *UnknownFieldError
		require.ErrorAs(t, err, &uf, give)
		assert.Equal(t, field, uf.Field)
	}
	_, err := DecodeFacts([]byte(`{"income":{"employment":"astronaut"}}`))
	var ee *EnumError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, "astronaut", ee.Value)
	require.ErrorIs(t, err, ErrInvalid)
}

func TestFactsValidateListsEveryProblem(t *testing.T) {
	f := Facts{
		Income:   Income{Monthly: ptr(decimal.NewFromInt(-1)), GrowthYoY: ptr(math.NaN()), Employment: ptr(Employment(42))},
		Bureau:   Bureau{Utilisation: ptr(math.Inf(1)), Delinquencies24m: ptr(25)},
		Profile:  Profile{Age: ptr(-3)},
		Request:  Request{TermMonths: ptr(0), Amount: ptr(decimal.Zero), Method: ptr(Method(0))},
		Capacity: Capacity{MonthlyDebtPayments: ptr(decimal.NewFromInt(-5))},
	}
	err := f.Validate()
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	require.ErrorIs(t, err, ErrInvalid)
	got := map[string]string{}
	for _, p := range ve.Problems {
		got[p.Path] = p.Rule
	}
	assert.Equal(t, map[string]string{
		"income.monthly":                 "non_negative",
		"income.growth_yoy":              "finite",
		"income.employment":              "enum",
		"bureau.utilisation":             "finite",
		"bureau.delinquencies_24m":       "range",
		"profile.age":                    "range",
		"request.term_months":            "range",
		"request.amount":                 "positive",
		"request.method":                 "enum",
		"capacity.monthly_debt_payments": "non_negative",
	}, got)
}

func TestFactsJSONRoundTrip(t *testing.T) {
	f, err := DecodeFacts(readFile(t, "testdata/applicant.json"))
	require.NoError(t, err)
	data, err := json.Marshal(f)
	require.NoError(t, err)
	again, err := DecodeFacts(data)
	require.NoError(t, err)
	assert.Equal(t, f, again)
}

func TestEnumText(t *testing.T) {
	tests := []struct {
		name string
		give interface {
			MarshalText() ([]byte, error)
			String() string
		}
		want string
	}{
		{"grade", BBB, "BBB"}, {"decision", Refer, "refer"}, {"method", EqualPrincipal, "equal_principal"},
		{"employment", CivilServant, "civil_servant"}, {"housing", WithFamily, "family"},
		{"product", WorkingCapital, "working_capital"}, {"class", Doubtful, "doubtful"},
		{"asset class", QualifyingRevolving, "qualifying_revolving"}, {"action", KnockOut, "knock_out"},
		{"security", Unsecured, "none"}, {"education", Master, "master"}, {"marital", Widowed, "widowed"},
		{"type", Categorical, "categorical"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.give.MarshalText()
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(b))
			assert.Equal(t, tt.want, tt.give.String())
		})
	}
	_, err := Grade(0).MarshalText()
	require.ErrorIs(t, err, ErrInvalid)
	var g Grade
	require.NoError(t, g.UnmarshalText([]byte("CCC")))
	assert.Equal(t, CCC, g)
	require.ErrorIs(t, g.UnmarshalText([]byte("")), ErrInvalid)
	assert.Equal(t, "", Decision(9).String())
}
