package assign

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/shopspring/decimal"
)

// Rules are the matching rules as data: which hard rules apply and with which thresholds,
// and how the soft score is weighed. Load them from JSON with ParseRules or start from
// DefaultRules; either way check them with Validate (NewMatcher does).
type Rules struct {
	// Hard lists the hard rules enforced. Empty means every rule (AllRules).
	Hard []Rule `json:"hard"`
	// AllowNeighbours lets the region rule pass for an officer covering a neighbouring region.
	AllowNeighbours bool `json:"allow_neighbours"`
	// Neighbours maps a region code to its neighbouring regions. The relation is made
	// symmetric: listing B as a neighbour of A also makes A a neighbour of B.
	Neighbours map[string][]string `json:"neighbours"`
	// SkilledProducts are the non-standard products that need an officer with that product
	// among Officer.Skills (for example equity pledge and custom asset allocation).
	SkilledProducts []Product `json:"skilled_products"`
	// Seniority sets minimum seniority for large amounts or long terms.
	Seniority []SeniorityRule `json:"seniority"`
	// Soft weighs the soft score.
	Soft SoftWeights `json:"soft"`
	// NeighbourScore is the region component (0–100) for an officer who covers only a
	// neighbouring region; an exact region scores 100.
	NeighbourScore float64 `json:"neighbour_score"`
	// LargeAmount and LongTermMonths define a "demanding" case for the seniority fit: a case
	// at or above either needs a fully senior officer. SeniorYears is the seniority counted
	// as fully senior. All three must be positive.
	LargeAmount    decimal.Decimal `json:"large_amount"`
	LongTermMonths int             `json:"long_term_months"`
	SeniorYears    int             `json:"senior_years"`
}

// SeniorityRule requires MinYears of seniority for cases whose amount is at least MinAmount
// (when MinAmount is positive) or whose term is at least MinTermMonths (when positive).
type SeniorityRule struct {
	MinAmount     decimal.Decimal `json:"min_amount"`
	MinTermMonths int             `json:"min_term_months"`
	MinYears      int             `json:"min_years"`
}

// SoftWeights weigh the components of the soft score. Each must be finite and non-negative
// and their sum positive.
type SoftWeights struct {
	Rating       float64 `json:"rating"`        // the officer's overall rating
	SeniorityFit float64 `json:"seniority_fit"` // seniority matched to the case's amount and term
	Continuity   float64 `json:"continuity"`    // the existing relationship officer
	LoadBalance  float64 `json:"load_balance"`  // free capacity: 100·(1 − load/capacity)
	Region       float64 `json:"region"`        // exact region 100, neighbouring NeighbourScore
}

// DefaultRules enforces every hard rule, asks a skill for equity pledges and custom asset
// allocation, 5 years of seniority from 5,000,000 and 3 years from 60 months, and weighs the
// soft score 0.35 rating, 0.2 seniority fit, 0.2 continuity, 0.15 load balance, 0.1 region.
func DefaultRules() Rules {
	return Rules{
		SkilledProducts: []Product{EquityPledge, AssetAllocation},
		Seniority: []SeniorityRule{
			{MinAmount: decimal.NewFromInt(5_000_000), MinYears: 5},
			{MinTermMonths: 60, MinYears: 3},
		},
		Soft:           SoftWeights{Rating: 0.35, SeniorityFit: 0.2, Continuity: 0.2, LoadBalance: 0.15, Region: 0.1},
		NeighbourScore: 50,
		LargeAmount:    decimal.NewFromInt(10_000_000),
		LongTermMonths: 120,
		SeniorYears:    10,
	}
}

// Validate returns a *ValidationError (ErrInvalid) listing every problem: unknown or
// repeated rules, unknown products, negative thresholds, bad weights, neighbour scores
// outside [0, 100], non-positive fit scales.
func (r *Rules) Validate() error {
	var ps problems
	r.validate(&ps)
	return ps.err()
}

func (r *Rules) validate(ps *problems) {
	seen := map[Rule]bool{}
	for i, h := range r.Hard {
		switch {
		case h < RuleRegion || h > RuleConflict:
			ps.add(fmt.Sprintf("hard[%d]", i), "enum", "unknown rule %d", int(h))
		case seen[h]:
			ps.add(fmt.Sprintf("hard[%d]", i), "unique", "rule %s listed twice", h)
		}
		seen[h] = true
	}
	for region, ns := range r.Neighbours {
		if region == "" {
			ps.add("neighbours", "required", "empty region code")
		}
		for i, n := range ns {
			if n == "" {
				ps.add(fmt.Sprintf("neighbours.%s[%d]", region, i), "required", "empty region code")
			}
		}
	}
	for i, p := range r.SkilledProducts {
		if p < Consumer || p > AssetAllocation {
			ps.add(fmt.Sprintf("skilled_products[%d]", i), "enum", "unknown product %d", int(p))
		}
	}
	for i, s := range r.Seniority {
		path := fmt.Sprintf("seniority[%d]", i)
		switch {
		case extremeExp(s.MinAmount):
			ps.add(path+".min_amount", "scale", extremeExpMessage)
		case s.MinAmount.IsNegative():
			ps.add(path+".min_amount", "non_negative", "must not be negative, got %s", s.MinAmount)
		}
		if s.MinTermMonths < 0 {
			ps.add(path+".min_term_months", "non_negative", "must not be negative, got %d", s.MinTermMonths)
		}
		if s.MinYears < 0 {
			ps.add(path+".min_years", "non_negative", "must not be negative, got %d", s.MinYears)
		}
		if !s.MinAmount.IsPositive() && s.MinTermMonths <= 0 {
			ps.add(path, "threshold", "needs a positive min_amount or min_term_months")
		}
	}
	sum := 0.0
	for _, f := range []struct {
		name string
		v    float64
	}{{"rating", r.Soft.Rating}, {"seniority_fit", r.Soft.SeniorityFit}, {"continuity", r.Soft.Continuity},
		{"load_balance", r.Soft.LoadBalance}, {"region", r.Soft.Region}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) || f.v < 0 {
			ps.add("soft."+f.name, "weight", "must be finite and non-negative, got %v", f.v)
			continue
		}
		sum += f.v
	}
	if !(sum > 0) {
		ps.add("soft", "weight_sum", "soft weights must sum to more than 0")
	}
	if !(r.NeighbourScore >= 0 && r.NeighbourScore <= 100) {
		ps.add("neighbour_score", "range", "must lie in [0, 100], got %v", r.NeighbourScore)
	}
	switch {
	case extremeExp(r.LargeAmount):
		ps.add("large_amount", "scale", extremeExpMessage)
	case !r.LargeAmount.IsPositive():
		ps.add("large_amount", "positive", "must be positive, got %s", r.LargeAmount)
	}
	if r.LongTermMonths <= 0 {
		ps.add("long_term_months", "positive", "must be positive, got %d", r.LongTermMonths)
	}
	if r.SeniorYears <= 0 {
		ps.add("senior_years", "positive", "must be positive, got %d", r.SeniorYears)
	}
}

// rulesDoc mirrors Rules with enums as plain strings, so that decoding can report every
// unknown name with its path instead of stopping at the first.
type rulesDoc struct {
	Hard            []string            `json:"hard"`
	AllowNeighbours bool                `json:"allow_neighbours"`
	Neighbours      map[string][]string `json:"neighbours"`
	SkilledProducts []string            `json:"skilled_products"`
	Seniority       []SeniorityRule     `json:"seniority"`
	Soft            SoftWeights         `json:"soft"`
	NeighbourScore  float64             `json:"neighbour_score"`
	LargeAmount     decimal.Decimal     `json:"large_amount"`
	LongTermMonths  int                 `json:"long_term_months"`
	SeniorYears     int                 `json:"senior_years"`
}

// ParseRules decodes rules from JSON strictly — unknown fields, trailing data and type
// mismatches are rejected — and validates them. The format is what json.Marshal writes for
// Rules. Errors: *ValidationError (ErrInvalid) with the JSON path of every problem,
// including malformed JSON (path "" or the offending field).
func ParseRules(data []byte) (Rules, error) {
	var doc rulesDoc
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return Rules{}, decodeProblem(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Rules{}, &ValidationError{Problems: []Problem{{Path: "", Rule: "json", Message: "trailing data after the rules object"}}}
	}
	var ps problems
	r := Rules{AllowNeighbours: doc.AllowNeighbours, Neighbours: doc.Neighbours, Seniority: doc.Seniority,
		Soft: doc.Soft, NeighbourScore: doc.NeighbourScore, LargeAmount: doc.LargeAmount,
		LongTermMonths: doc.LongTermMonths, SeniorYears: doc.SeniorYears}
	for i, s := range doc.Hard {
		var h Rule
		if err := h.UnmarshalText([]byte(s)); err != nil {
			ps.add(fmt.Sprintf("hard[%d]", i), "enum", "unknown rule %q", s)
			continue
		}
		r.Hard = append(r.Hard, h)
	}
	for i, s := range doc.SkilledProducts {
		var p Product
		if err := p.UnmarshalText([]byte(s)); err != nil {
			ps.add(fmt.Sprintf("skilled_products[%d]", i), "enum", "unknown product %q", s)
			continue
		}
		r.SkilledProducts = append(r.SkilledProducts, p)
	}
	r.validate(&ps)
	if err := ps.err(); err != nil {
		return Rules{}, err
	}
	return r, nil
}

func decodeProblem(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	p := Problem{Rule: "json", Message: "malformed JSON"}
	switch {
	case errors.As(err, &te):
		p.Path, p.Rule, p.Message = te.Field, "type", fmt.Sprintf("expected %s, got JSON %s", te.Type, te.Value)
	case errors.As(err, &se):
		p.Message = fmt.Sprintf("malformed JSON at byte %d", se.Offset)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		p.Path = strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		p.Rule, p.Message = "unknown_field", "unknown field"
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		p.Message = "empty or truncated JSON"
	default:
		p.Message = "invalid value: " + err.Error()
	}
	return &ValidationError{Problems: []Problem{p}}
}
