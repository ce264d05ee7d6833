package assign

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// Officer is a credit officer (信贷人员) who can be assigned cases.
type Officer struct {
	ID             string          `json:"id"`
	Name           string          `json:"name"`
	Branch         string          `json:"branch"`         // ID of the officer's branch node in the customer tree
	Regions        []string        `json:"regions"`        // region codes the officer covers
	Kinds          []CustomerKind  `json:"kinds"`          // customer kinds the officer serves
	Skills         []Product       `json:"skills"`         // non-standard products the officer is qualified for
	Certifications []string        `json:"certifications"` // informational, e.g. "CFA"
	Authority      decimal.Decimal `json:"authority"`      // largest amount the officer may handle
	SeniorityYears int             `json:"seniority_years"`
	Capacity       int             `json:"capacity"` // most open cases at once
	Load           int             `json:"load"`     // open cases now
	Leave          []Leave         `json:"leave"`    // periods of absence
	Linked         []string        `json:"linked"`   // customer IDs the officer is related to (conflict of interest)
	Rating         Rating          `json:"rating"`   // from Rater.Rate; Overall feeds the soft score
}

// Leave is a period of absence, From and To both inclusive calendar dates (compared by
// year, month and day in each time's own location).
type Leave struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// covers reports whether the calendar date of t falls within the leave.
func (l Leave) covers(t time.Time) bool {
	d := civil(t)
	return civil(l.From) <= d && d <= civil(l.To)
}

func civil(t time.Time) int {
	y, m, d := t.Date()
	return y*10000 + int(m)*100 + d
}

// OnLeave reports whether the officer is on leave on the calendar date of t.
func (o *Officer) OnLeave(t time.Time) bool {
	for _, l := range o.Leave {
		if l.covers(t) {
			return true
		}
	}
	return false
}

// validate appends every problem of o under path.
func (o *Officer) validate(ps *problems, path string) {
	if o.ID == "" {
		ps.add(path+".id", "required", "officer ID is required")
	}
	if o.Capacity < 0 {
		ps.add(path+".capacity", "non_negative", "capacity must not be negative, got %d", o.Capacity)
	}
	if o.Load < 0 {
		ps.add(path+".load", "non_negative", "load must not be negative, got %d", o.Load)
	}
	if o.SeniorityYears < 0 {
		ps.add(path+".seniority_years", "non_negative", "seniority must not be negative, got %d", o.SeniorityYears)
	}
	switch {
	case extremeExp(o.Authority):
		ps.add(path+".authority", "scale", extremeExpMessage)
	case o.Authority.IsNegative():
		ps.add(path+".authority", "non_negative", "authority must not be negative, got %s", o.Authority)
	}
	for i, k := range o.Kinds {
		if k != Individual && k != Enterprise {
			ps.add(fmt.Sprintf("%s.kinds[%d]", path, i), "enum", "unknown customer kind %d", int(k))
		}
	}
	for i, p := range o.Skills {
		if p < Consumer || p > AssetAllocation {
			ps.add(fmt.Sprintf("%s.skills[%d]", path, i), "enum", "unknown product %d", int(p))
		}
	}
	for i, l := range o.Leave {
		if l.From.IsZero() || l.To.IsZero() || civil(l.To) < civil(l.From) {
			ps.add(fmt.Sprintf("%s.leave[%d]", path, i), "date_range", "leave needs from ≤ to, both set")
		}
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"experience", o.Rating.Experience}, {"credit_ability", o.Rating.CreditAbility}, {"efficiency", o.Rating.Efficiency},
		{"satisfaction", o.Rating.Satisfaction}, {"results", o.Rating.Results}, {"overall", o.Rating.Overall}} {
		if !(f.v >= 0 && f.v <= 100) {
			ps.add(path+".rating."+f.name, "range", "must lie in [0, 100], got %v", f.v)
		}
	}
}

// Case is one loan application to be given to an officer.
type Case struct {
	ApplicationID string          `json:"application_id"`
	CustomerID    string          `json:"customer_id"`
	Region        string          `json:"region"`
	Kind          CustomerKind    `json:"kind"`
	Amount        decimal.Decimal `json:"amount"`
	TermMonths    int             `json:"term_months"`
	Product       Product         `json:"product"`
	Grade         string          `json:"grade"`    // credit grade code, informational
	Officer       string          `json:"officer"`  // existing relationship officer, if any
	Priority      bool            `json:"priority"` // served first when capacity is short
}

// Validate returns a *ValidationError (ErrInvalid) listing every problem of c: missing
// application ID, unset kind or product, negative amount or term.
func (c *Case) Validate() error {
	var ps problems
	c.validate(&ps, "")
	return ps.err()
}

// valid reports whether validate would find no problem, without building paths.
func (c *Case) valid() bool {
	return c.ApplicationID != "" && (c.Kind == Individual || c.Kind == Enterprise) &&
		c.Product >= Consumer && c.Product <= AssetAllocation && !c.Amount.IsNegative() && c.TermMonths >= 0
}

func (c *Case) validate(ps *problems, path string) {
	p := func(field string) string {
		if path == "" {
			return field
		}
		return path + "." + field
	}
	if c.ApplicationID == "" {
		ps.add(p("application_id"), "required", "application ID is required")
	}
	if c.Kind != Individual && c.Kind != Enterprise {
		ps.add(p("kind"), "enum", "customer kind is unset or unknown (%d)", int(c.Kind))
	}
	if c.Product < Consumer || c.Product > AssetAllocation {
		ps.add(p("product"), "enum", "product is unset or unknown (%d)", int(c.Product))
	}
	switch {
	case extremeExp(c.Amount):
		ps.add(p("amount"), "scale", extremeExpMessage)
	case c.Amount.IsNegative():
		ps.add(p("amount"), "non_negative", "amount must not be negative, got %s", c.Amount)
	}
	if c.TermMonths < 0 {
		ps.add(p("term_months"), "non_negative", "term must not be negative, got %d", c.TermMonths)
	}
}

// extremeExp reports an amount written with an exponent beyond ±100. Such an amount is
// refused before any arithmetic or formatting: comparing, scaling or printing 1e999999999
// or 0e-999999999 builds a power of ten with that many digits. (1e30 stays a way to write
// an authority without limit.)
func extremeExp(d decimal.Decimal) bool {
	e := d.Exponent()
	return e > 100 || e < -100
}

const extremeExpMessage = "must have at most 100 decimal places and an exponent of at most 100"
