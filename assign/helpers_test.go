package assign

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
)

var day = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return day }

func amount(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// team is a small branch: two in Pudong, one in Huangpu, one specialist in equity pledges.
func team() []Officer {
	return []Officer{
		{ID: "o1", Name: "Wang", Branch: "b-east", Regions: []string{"pudong"}, Kinds: []CustomerKind{Individual},
			Authority: amount("1000000"), SeniorityYears: 2, Capacity: 10, Load: 3, Rating: Rating{Overall: 70}},
		{ID: "o2", Name: "Li", Branch: "b-east", Regions: []string{"pudong", "huangpu"}, Kinds: []CustomerKind{Individual, Enterprise},
			Authority: amount("20000000"), SeniorityYears: 12, Capacity: 10, Load: 5, Rating: Rating{Overall: 85}},
		{ID: "o3", Name: "Zhao", Branch: "b-west", Regions: []string{"huangpu"}, Kinds: []CustomerKind{Enterprise},
			Skills: []Product{EquityPledge}, Authority: amount("50000000"), SeniorityYears: 8, Capacity: 5, Load: 5,
			Rating: Rating{Overall: 90}},
		{ID: "o4", Name: "Chen", Branch: "b-east", Regions: []string{"pudong"}, Kinds: []CustomerKind{Enterprise},
			Skills: []Product{EquityPledge}, Authority: amount("50000000"), SeniorityYears: 6, Capacity: 8, Load: 1,
			Rating: Rating{Overall: 60}, Leave: []Leave{{From: day.AddDate(0, 0, -2), To: day.AddDate(0, 0, 3)}}},
	}
}

func newTestMatcher(t *testing.T, officers []Officer, cfg Config) *Matcher {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = fixedNow
	}
	m, err := NewMatcher(officers, DefaultRules(), cfg)
	require.NoError(t, err)
	return m
}

func retail(id string) Case {
	return Case{ApplicationID: id, CustomerID: "c-" + id, Region: "pudong", Kind: Individual,
		Amount: amount("300000"), TermMonths: 36, Product: Consumer}
}

func nanValue() float64 { z := 0.0; return z / z }
