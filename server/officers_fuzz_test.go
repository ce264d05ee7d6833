package server

import (
	"testing"

	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/assign"
	"github.com/creditkit/creditkit/server/store/assigndb"
)

// fuzzTeam is a matcher over two officers, for the fuzz tests.
func fuzzTeam(t testing.TB) *assign.Matcher {
	t.Helper()
	team := []assign.Officer{
		{ID: "O-1", Branch: "b", Regions: []string{"pudong"}, Kinds: []assign.CustomerKind{assign.Individual},
			Authority: decimal.NewFromInt(1000000), Capacity: 2},
		{ID: "O-2", Branch: "b", Regions: []string{"pudong", "huangpu"}, Kinds: []assign.CustomerKind{assign.Individual, assign.Enterprise},
			Skills: []assign.Product{assign.EquityPledge}, Authority: decimal.NewFromInt(50000000), SeniorityYears: 9, Capacity: 1},
	}
	m, err := assign.NewMatcher(team, assign.DefaultRules(), assign.Config{Now: creditClock})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// FuzzOfficerInput feeds arbitrary bodies to POST and PATCH /v1/officers' parsing and
// checks: they may refuse, never panic, and what they accept the assign package accepts.
func FuzzOfficerInput(f *testing.F) {
	f.Add([]byte(officerBody("O-1", nil)))
	f.Add([]byte(`{"capacity":-1,"authority":"1e9","kinds":["x"],"leave":[{"from":"2026-02-30","to":""}]}`))
	f.Add([]byte(`{"rating":{"experience":1e308,"credit_ability":-0,"efficiency":1,"satisfaction":1,"results":1}}`))
	f.Add([]byte(`{"performance":{"surveys":[0],"decision_days":[-1],"loans":-1}}`))
	f.Add([]byte(`{"authority":99999999999999.999,"regions":["a","a"],"id":"O 1"}`))
	rater, err := assign.NewRater(assign.RatingConfig{})
	if err != nil {
		f.Fatal(err)
	}
	s := &Server{cfg: Config{Now: creditClock}, officers: officerState{rater: rater, rules: assign.DefaultRules()}}
	f.Fuzz(func(t *testing.T, body []byte) {
		var in officerInput
		if decodeJSON("application/json", body, &in) != nil {
			return
		}
		for _, create := range []bool{true, false} {
			var o assigndb.Officer
			if !create {
				o = assigndb.Officer{Officer: assign.Officer{ID: "O-1", Name: "n", Branch: "b", Regions: []string{"r"},
					Kinds: []assign.CustomerKind{assign.Individual}, Capacity: 1}}
			}
			if in.apply(&o, create, rater) != nil {
				continue
			}
			if err := s.checkOfficer(o); err != nil {
				if _, ok := err.(*ValidationError); !ok {
					t.Fatalf("checkOfficer: %v is not a validation error", err)
				}
			}
		}
	})
}

// FuzzPlanRequest feeds arbitrary bodies to POST /v1/assignments/plan's parsing, and plans
// what it accepts.
func FuzzPlanRequest(f *testing.F) {
	f.Add([]byte(`{"cases":[{"application_id":"L1","region":"pudong","kind":"individual","amount":"100","term_months":12,"product":"consumer"}]}`))
	f.Add([]byte(`{"cases":[{"application_id":"L1","kind":"enterprise","amount":"0","product":"equity_pledge","priority":true},
		{"application_id":"L2","kind":"individual","amount":"99999999999999.99","term_months":1200,"product":"mortgage","officer":"O-2"}],"max_load_spread":1}`))
	f.Add([]byte(`{"cases":[{"application_id":"","kind":"","amount":-1,"product":"x","term_months":-5}],"max_load_spread":-1}`))
	m := fuzzTeam(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		var req planRequest
		if decodeJSON("application/json", body, &req) != nil {
			return
		}
		cases, err := req.check()
		if err != nil {
			return
		}
		if _, err := m.Plan(cases, assign.PlanOptions{MaxLoadSpread: req.MaxLoadSpread}); err != nil {
			if _, ok := assignError(err, "").(*ValidationError); !ok {
				t.Fatalf("plan of checked cases: %v", err)
			}
		}
		for _, c := range cases {
			if _, err := m.Evaluate(c); err != nil && !isNoEligible(err) {
				if _, ok := assignError(err, "case").(*ValidationError); !ok {
					t.Fatalf("evaluate %+v: %v", c, err)
				}
			}
		}
	})
}

func isNoEligible(err error) bool {
	_, ok := err.(*assign.NoEligibleError)
	return ok
}

// FuzzReassignRequest feeds arbitrary bodies to POST /v1/officers/{id}/reassign's parsing.
func FuzzReassignRequest(f *testing.F) {
	f.Add([]byte(`{"reason":"leave","same_branch_bonus":0,"max_load_spread":2,"dry_run":true}`))
	f.Add([]byte(`{"same_branch_bonus":1e400}`))
	m := fuzzTeam(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		var req reassignRequest
		if decodeJSON("application/json", body, &req) != nil {
			return
		}
		opts, err := req.options()
		if err != nil {
			return
		}
		c := assign.Case{ApplicationID: "L1", Region: "pudong", Kind: assign.Individual, Amount: decimal.NewFromInt(10),
			Product: assign.Consumer, Officer: "O-1"}
		if _, err := m.Reassign("O-1", []assign.Case{c}, opts); err != nil {
			t.Fatalf("reassign with checked options %+v: %v", opts, err)
		}
	})
}

// FuzzQueryValues feeds arbitrary text to the query parameter parsers.
func FuzzQueryValues(f *testing.F) {
	for _, s := range []string{"", "1", "200", "201", "0010", "true", "2026-12-01", "2026-12-01T09:00:00Z", "２", "-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if n, ok := queryLimit(v, 200); ok && (n < 1 || n > 200) {
			t.Fatalf("limit %q gave %d", v, n)
		}
		if b, ok := queryBool(v); ok && (v == "true") != b {
			t.Fatalf("bool %q gave %v", v, b)
		}
		if _, ok := queryTime(v); ok && len(v) > 40 {
			t.Fatalf("time %q is longer than any accepted", v)
		}
	})
}
