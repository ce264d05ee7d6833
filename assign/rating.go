package assign

import (
	"fmt"
	"math"
	"slices"
)

// Performance holds the raw figures an officer is rated on. Counts must be non-negative,
// survey scores lie in [1, 5] and days to decision are non-negative and finite.
type Performance struct {
	YearsOfService float64 `json:"years_of_service"` // years as a credit officer
	CasesHandled   int     `json:"cases_handled"`    // cases decided over the career

	Recommendations int `json:"recommendations"` // recommendations reviewed by an approver
	Upheld          int `json:"upheld"`          // of those, how many the approver upheld

	DecisionDays []float64 `json:"decision_days"` // days from assignment to decision, per recent case
	Surveys      []float64 `json:"surveys"`       // customer survey scores on a 1–5 scale

	Loans          int `json:"loans"`            // loans in the officer's portfolio
	BadLoans       int `json:"bad_loans"`        // of those, how many went bad
	BranchLoans    int `json:"branch_loans"`     // loans in the officer's branch
	BranchBadLoans int `json:"branch_bad_loans"` // of those, how many went bad
}

// Rating scores an officer on five dimensions, each in [0, 100], and overall.
type Rating struct {
	Experience    float64 `json:"experience"`
	CreditAbility float64 `json:"credit_ability"`
	Efficiency    float64 `json:"efficiency"`
	Satisfaction  float64 `json:"satisfaction"`
	Results       float64 `json:"results"`
	Overall       float64 `json:"overall"`
}

// Weights weigh the five rating dimensions into the overall rating. Each weight must be
// finite and non-negative and their sum positive; they need not sum to 1.
type Weights struct {
	Experience    float64 `json:"experience"`
	CreditAbility float64 `json:"credit_ability"`
	Efficiency    float64 `json:"efficiency"`
	Satisfaction  float64 `json:"satisfaction"`
	Results       float64 `json:"results"`
}

// DefaultWeights weighs results and credit ability most: 0.15 experience, 0.25 credit
// ability, 0.15 efficiency, 0.15 satisfaction, 0.30 results.
func DefaultWeights() Weights {
	return Weights{Experience: 0.15, CreditAbility: 0.25, Efficiency: 0.15, Satisfaction: 0.15, Results: 0.30}
}

// RatingConfig sets the constants of the rating formulas. A zero field takes the default
// named in its comment.
type RatingConfig struct {
	Weights          Weights `json:"weights"`           // zero value: DefaultWeights()
	FullYears        float64 `json:"full_years"`        // years for full experience credit; default 15
	FullCases        int     `json:"full_cases"`        // cases for full experience credit; default 500
	TargetDays       float64 `json:"target_days"`       // median days at or below which efficiency is 100; default 3
	MaxDays          float64 `json:"max_days"`          // median days at or above which efficiency is 0; default 30
	CredibilityLoans int     `json:"credibility_loans"` // portfolio size at which results count half; default 20
}

// Rater computes ratings from performance figures. It is immutable and safe for concurrent
// use; build it with NewRater.
type Rater struct {
	w                    Weights
	fullYears, fullCases float64
	target, max          float64
	credibility          float64
}

// NewRater validates cfg and returns a Rater. Errors: *ValidationError (ErrInvalid) listing
// every bad weight or constant.
func NewRater(cfg RatingConfig) (*Rater, error) {
	var ps problems
	w := cfg.Weights
	if w == (Weights{}) {
		w = DefaultWeights()
	}
	validateWeights(&ps, "weights", w)
	r := &Rater{w: w, fullYears: orDefault(cfg.FullYears, 15), fullCases: float64(cfg.FullCases),
		target: orDefault(cfg.TargetDays, 3), max: orDefault(cfg.MaxDays, 30), credibility: float64(cfg.CredibilityLoans)}
	if cfg.FullCases == 0 {
		r.fullCases = 500
	}
	if cfg.CredibilityLoans == 0 {
		r.credibility = 20
	}
	positive := func(path string, v float64) {
		if !(v > 0) || math.IsInf(v, 0) {
			ps.add(path, "positive", "must be a positive finite number, got %v", v)
		}
	}
	positive("full_years", r.fullYears)
	positive("full_cases", r.fullCases)
	positive("target_days", r.target)
	positive("max_days", r.max)
	positive("credibility_loans", r.credibility)
	if r.max <= r.target {
		ps.add("max_days", "greater_than", "must exceed target_days (%v), got %v", r.target, r.max)
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	return r, nil
}

func orDefault(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

func validateWeights(ps *problems, path string, w Weights) {
	sum := 0.0
	for _, f := range []struct {
		name string
		v    float64
	}{{"experience", w.Experience}, {"credit_ability", w.CreditAbility}, {"efficiency", w.Efficiency}, {"satisfaction", w.Satisfaction}, {"results", w.Results}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) || f.v < 0 {
			ps.add(path+"."+f.name, "weight", "must be finite and non-negative, got %v", f.v)
			continue
		}
		sum += f.v
	}
	if !(sum > 0) {
		ps.add(path, "weight_sum", "weights must sum to more than 0")
	}
}

// Rate rates one officer from p. The formulas, each clamped to [0, 100]:
//
//   - Experience = 60·min(years/FullYears, 1) + 40·min(cases/FullCases, 1).
//   - CreditAbility = 100·upheld/recommendations; 50 (neutral) with no reviewed recommendations.
//   - Efficiency = 100 at a median of DecisionDays ≤ TargetDays, 0 at ≥ MaxDays, linear between;
//     50 with no decisions.
//   - Satisfaction = 25·(mean survey − 1), mapping 1–5 to 0–100; 50 with no surveys.
//   - Results: with r = officer bad rate / branch bad rate, raw = 100 − 50·r (so r = 0 → 100,
//     equal to the branch → 50, twice the branch → 0); when the branch has no bad loans, raw is
//     100 for an officer without bad loans and 0 otherwise. Raw is shrunk toward 50 by
//     credibility n/(n + CredibilityLoans) for a portfolio of n loans; 50 with no loans.
//   - Overall = Σ weightᵢ·dimensionᵢ / Σ weightᵢ.
//
// Errors: *ValidationError (ErrInvalid) listing every negative count, upheld above
// recommendations, bad loans above loans, survey score outside [1, 5], or bad day count.
func (r *Rater) Rate(p Performance) (Rating, error) {
	var ps problems
	if math.IsNaN(p.YearsOfService) || math.IsInf(p.YearsOfService, 0) || p.YearsOfService < 0 {
		ps.add("years_of_service", "non_negative", "must be finite and non-negative, got %v", p.YearsOfService)
	}
	for _, c := range []struct {
		path string
		v    int
	}{{"cases_handled", p.CasesHandled}, {"recommendations", p.Recommendations}, {"upheld", p.Upheld},
		{"loans", p.Loans}, {"bad_loans", p.BadLoans}, {"branch_loans", p.BranchLoans}, {"branch_bad_loans", p.BranchBadLoans}} {
		if c.v < 0 {
			ps.add(c.path, "non_negative", "must not be negative, got %d", c.v)
		}
	}
	if p.Upheld > p.Recommendations {
		ps.add("upheld", "lte_field", "must not exceed recommendations (%d), got %d", p.Recommendations, p.Upheld)
	}
	if p.BadLoans > p.Loans {
		ps.add("bad_loans", "lte_field", "must not exceed loans (%d), got %d", p.Loans, p.BadLoans)
	}
	if p.BranchBadLoans > p.BranchLoans {
		ps.add("branch_bad_loans", "lte_field", "must not exceed branch_loans (%d), got %d", p.BranchLoans, p.BranchBadLoans)
	}
	for i, d := range p.DecisionDays {
		if math.IsNaN(d) || math.IsInf(d, 0) || d < 0 {
			ps.add(fmt.Sprintf("decision_days[%d]", i), "non_negative", "must be finite and non-negative, got %v", d)
		}
	}
	for i, s := range p.Surveys {
		if !(s >= 1 && s <= 5) {
			ps.add(fmt.Sprintf("surveys[%d]", i), "range", "must lie in [1, 5], got %v", s)
		}
	}
	if err := ps.err(); err != nil {
		return Rating{}, err
	}
	var out Rating
	out.Experience = clamp100(60*math.Min(p.YearsOfService/r.fullYears, 1) + 40*math.Min(float64(p.CasesHandled)/r.fullCases, 1))
	out.CreditAbility = 50
	if p.Recommendations > 0 {
		out.CreditAbility = clamp100(100 * float64(p.Upheld) / float64(p.Recommendations))
	}
	out.Efficiency = 50
	if len(p.DecisionDays) > 0 {
		med := median(p.DecisionDays)
		out.Efficiency = clamp100(100 * (r.max - med) / (r.max - r.target))
	}
	out.Satisfaction = 50
	if len(p.Surveys) > 0 {
		sum := 0.0
		for _, s := range p.Surveys {
			sum += s
		}
		out.Satisfaction = clamp100(25 * (sum/float64(len(p.Surveys)) - 1))
	}
	out.Results = 50
	if p.Loans > 0 {
		own := float64(p.BadLoans) / float64(p.Loans)
		var raw float64
		switch {
		case p.BranchBadLoans > 0:
			branch := float64(p.BranchBadLoans) / float64(p.BranchLoans)
			raw = clamp100(100 - 50*own/branch)
		case p.BadLoans == 0:
			raw = 100
		}
		n := float64(p.Loans)
		out.Results = 50 + (raw-50)*n/(n+r.credibility)
	}
	out.Overall = r.Overall(out)
	return out, nil
}

// Overall weighs the five dimensions of rt with the Rater's weights and returns the result
// in [0, 100]; rt.Overall is ignored.
func (r *Rater) Overall(rt Rating) float64 {
	w := r.w
	sum := w.Experience + w.CreditAbility + w.Efficiency + w.Satisfaction + w.Results
	return clamp100((w.Experience*rt.Experience + w.CreditAbility*rt.CreditAbility + w.Efficiency*rt.Efficiency +
		w.Satisfaction*rt.Satisfaction + w.Results*rt.Results) / sum)
}

func clamp100(v float64) float64 {
	return math.Max(0, math.Min(100, v))
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
