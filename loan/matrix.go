package loan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/credit"
)

// Matrix is the approval matrix: configuration, not code. Bands split the requested amount
// into contiguous ranges; inside a band, routes pick the approval stages by the grade of the
// latest assessment. Load one with [ParseMatrix] or build it in Go and call [Matrix.Validate].
//
// A Matrix is a value; the workflow keeps its own copy. Its zero value is invalid.
type Matrix struct {
	Bands    []Band         `json:"bands"`
	Override OverridePolicy `json:"override"`
}

// Band covers requested amounts in (Above, UpTo]. The first band starts above zero, each
// next band starts where the previous one ends, and only the last band is open-ended
// (UpTo nil) — so every positive amount falls in exactly one band.
type Band struct {
	Above  decimal.Decimal  `json:"above"`
	UpTo   *decimal.Decimal `json:"up_to,omitempty"`
	Routes []Route          `json:"routes"`
}

// Route lists the stages for the grades it names. Exactly one route per band has no grades:
// it takes every grade no other route of the band names.
type Route struct {
	Grades []credit.Grade `json:"grades,omitempty"`
	Stages []Stage        `json:"stages"`
}

// Stage is one level of approval. Deciding at a stage needs Role and an authority limit of at
// least both Authority and the requested amount; Approvals distinct people must approve
// (zero means one) before the case moves on.
type Stage struct {
	Name      string          `json:"name"`
	Role      Role            `json:"role"`
	Authority decimal.Decimal `json:"authority"`
	Approvals int             `json:"approvals,omitempty"`
}

// quorum returns the number of approvals the stage needs.
func (s Stage) quorum() int {
	if s.Approvals <= 0 {
		return 1
	}
	return s.Approvals
}

// OverridePolicy says who may approve an amount above the latest assessed limit: a person
// holding Role whose authority is at least both Authority and the approved amount, who records
// a reason.
type OverridePolicy struct {
	Role      Role            `json:"role"`
	Authority decimal.Decimal `json:"authority"`
}

// ParseMatrix decodes a matrix from JSON strictly (unknown fields, trailing data and unknown
// enum names are errors) and validates it. A decoding failure is returned as a
// *ValidationError with path "$"; a semantic one lists every problem.
func ParseMatrix(data []byte) (Matrix, error) {
	var m Matrix
	if err := decodeStrict(data, &m); err != nil {
		return Matrix{}, err
	}
	if err := m.Validate(); err != nil {
		return Matrix{}, err
	}
	return m, nil
}

func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &ValidationError{Problems: []Problem{{Path: "$", Rule: "json", Message: err.Error()}}}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &ValidationError{Problems: []Problem{{Path: "$", Rule: "json", Message: "trailing data after the JSON value"}}}
	}
	return nil
}

// Validate checks the matrix and returns every problem at once as a *ValidationError: bands
// contiguous and non-overlapping from zero with only the last open-ended; every route with
// known grades named once per band and exactly one catch-all route; every stage named, with a
// deciding role (approver or committee), a positive authority and a non-negative quorum; and
// an override policy with a deciding role and a positive authority.
func (m Matrix) Validate() error {
	var p problems
	if len(m.Bands) == 0 {
		p.add("bands", "required", "at least one band is needed")
	}
	for i, b := range m.Bands {
		path := fmt.Sprintf("bands[%d]", i)
		switch {
		case i == 0 && !b.Above.IsZero():
			p.add(path+".above", "contiguous", "the first band must start above 0, not %s", b.Above)
		case i > 0 && m.Bands[i-1].UpTo != nil && !b.Above.Equal(*m.Bands[i-1].UpTo):
			p.add(path+".above", "contiguous", "must equal the previous band's up_to %s, not %s", *m.Bands[i-1].UpTo, b.Above)
		}
		last := i == len(m.Bands)-1
		switch {
		case b.UpTo == nil && !last:
			p.add(path+".up_to", "required", "only the last band may be open-ended")
		case b.UpTo != nil && last:
			p.add(path+".up_to", "open", "the last band must be open-ended so every amount has a route")
		case b.UpTo != nil && !b.UpTo.GreaterThan(b.Above):
			p.add(path+".up_to", "order", "must be greater than above (%s)", b.Above)
		}
		validateRoutes(&p, path, b.Routes)
	}
	validateRole(&p, "override.role", m.Override.Role)
	if !m.Override.Authority.IsPositive() {
		p.add("override.authority", "positive", "must be positive")
	}
	return p.err()
}

func validateRoutes(p *problems, path string, routes []Route) {
	if len(routes) == 0 {
		p.add(path+".routes", "required", "at least one route is needed")
	}
	seen := map[credit.Grade]int{}
	catchAll := 0
	for j, r := range routes {
		rpath := fmt.Sprintf("%s.routes[%d]", path, j)
		if len(r.Grades) == 0 {
			catchAll++
		}
		for k, g := range r.Grades {
			gpath := fmt.Sprintf("%s.grades[%d]", rpath, k)
			if _, err := g.MarshalText(); err != nil {
				p.add(gpath, "grade", "unknown grade %v", g)
				continue
			}
			if prev, dup := seen[g]; dup {
				p.add(gpath, "unique", "grade %s is already routed by routes[%d]", g, prev)
				continue
			}
			seen[g] = j
		}
		if len(r.Stages) == 0 {
			p.add(rpath+".stages", "required", "at least one stage is needed")
		}
		for k, s := range r.Stages {
			spath := fmt.Sprintf("%s.stages[%d]", rpath, k)
			if s.Name == "" {
				p.add(spath+".name", "required", "a stage needs a name")
			}
			validateRole(p, spath+".role", s.Role)
			if !s.Authority.IsPositive() {
				p.add(spath+".authority", "positive", "must be positive")
			}
			if s.Approvals < 0 {
				p.add(spath+".approvals", "min", "must not be negative")
			}
		}
	}
	if len(routes) > 0 && catchAll != 1 {
		p.add(path+".routes", "catch_all", "exactly one route must have no grades (it takes every other grade), found %d", catchAll)
	}
}

func validateRole(p *problems, path string, r Role) {
	switch {
	case !r.Valid():
		p.add(path, "role", "unknown role %v", r)
	case !r.decides():
		p.add(path, "role", "role %s may not decide at an approval stage", r)
	}
}

// Route returns the stages for a requested amount and a grade, or a *ValidationError when
// the amount is not positive. The matrix must be valid.
func (m Matrix) Route(amount decimal.Decimal, grade credit.Grade) ([]Stage, error) {
	if !amount.IsPositive() {
		return nil, &ValidationError{Problems: []Problem{{Path: "amount", Rule: "positive", Message: "must be positive"}}}
	}
	for _, b := range m.Bands {
		if !amount.GreaterThan(b.Above) || (b.UpTo != nil && amount.GreaterThan(*b.UpTo)) {
			continue
		}
		var fallback []Stage
		for _, r := range b.Routes {
			if len(r.Grades) == 0 {
				fallback = r.Stages
			}
			for _, g := range r.Grades {
				if g == grade {
					return cloneStages(r.Stages), nil
				}
			}
		}
		if fallback != nil {
			return cloneStages(fallback), nil
		}
	}
	return nil, &ValidationError{Problems: []Problem{{Path: "bands", Rule: "route", Message: fmt.Sprintf("no route for amount %s and grade %v", amount, grade)}}}
}

func cloneStages(s []Stage) []Stage {
	if s == nil {
		return nil
	}
	return append([]Stage(nil), s...)
}

func (m Matrix) clone() Matrix {
	out := Matrix{Override: m.Override, Bands: make([]Band, len(m.Bands))}
	for i, b := range m.Bands {
		nb := Band{Above: b.Above, Routes: make([]Route, len(b.Routes))}
		if b.UpTo != nil {
			u := *b.UpTo
			nb.UpTo = &u
		}
		for j, r := range b.Routes {
			nb.Routes[j] = Route{Grades: append([]credit.Grade(nil), r.Grades...), Stages: cloneStages(r.Stages)}
		}
		out.Bands[i] = nb
	}
	return out
}
