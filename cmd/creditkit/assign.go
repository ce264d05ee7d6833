package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"github.com/creditkit/creditkit/assign"
)

// assignOptions are the settings of creditkit assign.
type assignOptions struct {
	cases, officers, out string
	rules                string
	date                 string
	maxLoadSpread        int
}

const casesColumnsHelp = `  application_id   the case's ID (required, unique)
  customer_id      the customer's ID (for the conflict-of-interest rule)
  region           region code (required)
  kind             individual or enterprise (required)
  amount           amount, plain decimal digits (required)
  term_months      term in months (required)
  product          consumer, mortgage, working_capital, equity_pledge or asset_allocation (required)
  grade            credit grade, informational
  officer          the existing relationship officer's ID, if any
  priority         true or false: served first when capacity is short`

const officersColumnsHelp = `  id               the officer's ID (required, unique)
  name             name
  branch           branch ID
  regions          region codes covered, separated by ";"
  kinds            customer kinds served: individual;enterprise
  skills           non-standard products qualified for: equity_pledge;asset_allocation
  certifications   informational, separated by ";"
  authority        largest amount the officer may handle
  seniority_years  whole years of seniority
  capacity         most open cases at once
  load             open cases now
  leave            absences as YYYY-MM-DD..YYYY-MM-DD or YYYY-MM-DD, separated by ";"
  linked           customer IDs the officer is related to, separated by ";"
  rating           overall rating, 0–100 (from the officers' rating)`

func newAssignCommand() *cobra.Command {
	o := assignOptions{}
	cmd := &cobra.Command{
		Use:   "assign --cases FILE --officers FILE --out FILE",
		Short: "Plan which officer takes each case, optimally, with reasons",
		Long: `Plan which credit officer takes each case of a batch. The plan is optimal: it serves as many
priority cases as possible, then as many cases as possible, then the highest total soft
score, under the hard rules (region, customer kind, product skill, authority, seniority,
capacity, leave, conflict of interest) and each officer's free capacity.

The plan (--out, CSV, "-" for standard output) has one row per case in input order:
  case, status (assigned or unassigned), officer, score, the soft-score components in points
  (rating, seniority_fit, continuity, load_balance, region) and reasons — why this officer,
  or why nobody could take the case.
A summary follows on standard output (standard error when the plan goes there): cases
assigned, the unassigned ones with reasons, and each officer's load before and after.

--rules is a JSON file of matching rules (assign.Rules; default: every hard rule, skills
for equity pledges and custom asset allocation, the default seniority steps and weights).
--date is the day leave is checked against (default today).

cases.csv columns (header row; unknown columns are an error):
` + casesColumnsHelp + `

officers.csv columns:
` + officersColumnsHelp,
		Example: "  creditkit assign --cases cases.csv --officers officers.csv --out plan.csv --date 2026-12-01",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return assignPlan(o, cmd.OutOrStdout(), cmd.ErrOrStderr(), time.Now)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.cases, "cases", "", "cases CSV file (required)")
	f.StringVar(&o.officers, "officers", "", "officers CSV file (required)")
	f.StringVar(&o.out, "out", "", `plan CSV file, or "-" for standard output (required)`)
	f.StringVar(&o.rules, "rules", "", "matching rules JSON file (default: the built-in rules)")
	f.StringVar(&o.date, "date", "", "date leave is checked against, YYYY-MM-DD (default today)")
	f.IntVar(&o.maxLoadSpread, "max-load-spread", 0, "cap each officer's load at the team's average plus this (0: capacity only)")
	return cmd
}

func assignPlan(o assignOptions, stdout, stderr io.Writer, now func() time.Time) error {
	var missing []string
	for _, f := range []struct{ name, v string }{{"cases", o.cases}, {"officers", o.officers}, {"out", o.out}} {
		if f.v == "" {
			missing = append(missing, "--"+f.name)
		}
	}
	if len(missing) > 0 {
		return usageError{fmt.Errorf("%s required", strings.Join(missing, ", "))}
	}
	if o.maxLoadSpread < 0 {
		return usageError{errors.New("--max-load-spread must not be negative")}
	}
	day := now()
	if o.date != "" {
		d, err := time.Parse(time.DateOnly, o.date)
		if err != nil {
			return usageError{fmt.Errorf("--date %q: want YYYY-MM-DD", o.date)}
		}
		day = d
	}
	rules := assign.DefaultRules()
	if o.rules != "" {
		data, err := readSmallFile(o.rules, nil)
		if err != nil {
			return err
		}
		if rules, err = assign.ParseRules(data); err != nil {
			return fmt.Errorf("%s: %w", o.rules, err)
		}
	}
	officers, err := readOfficers(o.officers)
	if err != nil {
		return err
	}
	cases, err := readCases(o.cases)
	if err != nil {
		return err
	}
	m, err := assign.NewMatcher(officers, rules, assign.Config{Now: func() time.Time { return day }})
	if err != nil {
		return fmt.Errorf("%s: %w", o.officers, err)
	}
	plan, err := m.Plan(cases, assign.PlanOptions{MaxLoadSpread: o.maxLoadSpread})
	if err != nil {
		return fmt.Errorf("%s: %w", o.cases, err)
	}

	out, err := createOutput(o.out, stdout)
	if err != nil {
		return err
	}
	defer out.abort()
	if err := writePlan(out, m, cases, plan); err != nil {
		return err
	}
	if err := out.commit(); err != nil {
		return err
	}
	w := stdout
	if o.out == "-" {
		w = stderr
	}
	return writePlanSummary(w, officers, cases, plan)
}

// writePlan writes the plan as CSV, one row per case in input order.
func writePlan(w io.Writer, m *assign.Matcher, cases []assign.Case, plan assign.Plan) error {
	placed := make(map[string]assign.Assignment, len(plan.Assignments))
	for _, a := range plan.Assignments {
		placed[a.Case] = a
	}
	left := make(map[string]assign.Unassigned, len(plan.Unassigned))
	for _, u := range plan.Unassigned {
		left[u.Case] = u
	}
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"case", "status", "officer", "score", "rating", "seniority_fit", "continuity", "load_balance", "region", "reasons"})
	pts := func(c assign.Component) string { return strconv.FormatFloat(c.Points, 'f', 1, 64) }
	for i := range cases {
		c := &cases[i]
		a, ok := placed[c.ApplicationID]
		if !ok {
			reason := "not placed"
			if u, ok := left[c.ApplicationID]; ok {
				reason = u.Reason
			}
			_ = cw.Write([]string{c.ApplicationID, "unassigned", "", "", "", "", "", "", "", reason})
			continue
		}
		b := a.Candidate.Breakdown
		_ = cw.Write([]string{c.ApplicationID, "assigned", a.Officer, strconv.FormatFloat(a.Candidate.Score, 'f', 1, 64),
			pts(b.Rating), pts(b.SeniorityFit), pts(b.Continuity), pts(b.LoadBalance), pts(b.Region),
			strings.Join(assignmentReasons(m, c, a), "; ")})
	}
	cw.Flush()
	return cw.Error()
}

// assignmentReasons says why the plan gave c to its officer.
func assignmentReasons(m *assign.Matcher, c *assign.Case, a assign.Assignment) []string {
	b := a.Candidate.Breakdown
	var out []string
	if d, err := m.Evaluate(*c); err == nil {
		first := fmt.Sprintf("score %.1f, the only eligible officer", a.Candidate.Score)
		if len(d.Candidates) > 1 {
			first = fmt.Sprintf("score %.1f of %d eligible officers", a.Candidate.Score, len(d.Candidates))
		}
		if len(d.Candidates) > 1 && d.Candidates[0].Officer != a.Officer {
			first += fmt.Sprintf(" (%s scores %.1f but the whole plan serves more cases or scores higher this way)",
				d.Candidates[0].Officer, d.Candidates[0].Score)
		}
		out = append(out, first)
	}
	switch {
	case b.Region.Value == 100:
		out = append(out, "covers region "+c.Region)
	case b.Region.Value > 0:
		out = append(out, "covers a region neighbouring "+c.Region)
	}
	if b.Continuity.Value == 100 {
		out = append(out, "existing relationship officer")
	}
	out = append(out, fmt.Sprintf("overall rating %.1f", b.Rating.Value),
		fmt.Sprintf("seniority fit %.1f", b.SeniorityFit.Value),
		fmt.Sprintf("load %d of %d before the plan", a.Candidate.Load, a.Candidate.Capacity))
	return out
}

func writePlanSummary(w io.Writer, officers []assign.Officer, cases []assign.Case, plan assign.Plan) error {
	prio, prioPlaced := 0, 0
	placed := map[string]bool{}
	for _, a := range plan.Assignments {
		placed[a.Case] = true
	}
	for _, c := range cases {
		if c.Priority {
			prio++
			if placed[c.ApplicationID] {
				prioPlaced++
			}
		}
	}
	fmt.Fprintf(w, "assigned %d of %d cases (priority %d of %d), total score %.1f\n",
		len(plan.Assignments), len(cases), prioPlaced, prio, plan.TotalScore)
	if len(plan.Unassigned) > 0 {
		fmt.Fprintf(w, "unassigned %d:\n", len(plan.Unassigned))
		for _, u := range plan.Unassigned {
			fmt.Fprintf(w, "  %s: %s\n", u.Case, u.Reason)
		}
	}
	fmt.Fprintln(w, "load per officer (before → after, capacity):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, o := range officers {
		after := plan.Loads[o.ID]
		fmt.Fprintf(tw, "  %s\t%s\t%d → %d\tof %d\t+%d\n", o.ID, o.Name, o.Load, after, o.Capacity, after-o.Load)
	}
	return tw.Flush()
}

// table is a small CSV file read whole, with its header, for cases and officers.
type table struct {
	path   string
	header map[string]int
	rows   [][]string
	lines  []int
}

// maxTableFile bounds a cases or officers file.
const maxTableFile = 64 << 20

// readTable reads a CSV file with a header; every column must be one of known and the
// required ones must be present. Problems are reported together.
func readTable(path string, known, required []string) (*table, error) {
	data, err := readSmallFileLimit(path, maxTableFile)
	if err != nil {
		return nil, err
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%s: %w", path, errEncoding)
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(data), "\ufeff")))
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: empty file: no header row", path)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	t := &table{path: path, header: map[string]int{}}
	var problems []string
	for i, h := range header {
		h = strings.TrimSpace(h)
		if !slices.Contains(known, h) {
			problems = append(problems, fmt.Sprintf("unknown column %q", h))
			continue
		}
		if _, dup := t.header[h]; dup {
			problems = append(problems, fmt.Sprintf("column %q appears twice", h))
			continue
		}
		t.header[h] = i
	}
	for _, h := range required {
		if _, ok := t.header[h]; !ok {
			problems = append(problems, fmt.Sprintf("missing column %q", h))
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s: header: %s", path, strings.Join(problems, "; "))
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		line, _ := r.FieldPos(0)
		t.rows = append(t.rows, rec)
		t.lines = append(t.lines, line)
	}
	if len(t.rows) == 0 {
		return nil, fmt.Errorf("%s: no rows after the header", path)
	}
	return t, nil
}

// get returns the trimmed cell of column name in row i, "" when the column is absent.
func (t *table) get(i int, name string) string {
	j, ok := t.header[name]
	if !ok {
		return ""
	}
	return strings.TrimSpace(t.rows[i][j])
}

// cellProblems collects the problems of a table's cells, each with its line and column.
type cellProblems struct {
	t    *table
	msgs []string
}

func (p *cellProblems) add(i int, col, format string, a ...any) {
	p.msgs = append(p.msgs, fmt.Sprintf("line %d, %s: %s", p.t.lines[i], col, fmt.Sprintf(format, a...)))
}

func (p *cellProblems) err() error {
	if len(p.msgs) == 0 {
		return nil
	}
	const most = 20
	list := p.msgs
	if len(list) > most {
		list = append(list[:most:most], fmt.Sprintf("and %d more", len(p.msgs)-most))
	}
	return fmt.Errorf("%s:\n  %s", p.t.path, strings.Join(list, "\n  "))
}

func (p *cellProblems) integer(i int, col string) int {
	s := p.t.get(i, col)
	if s == "" {
		return 0
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		p.add(i, col, "%s is not a whole number", quoteCell([]byte(s)))
	}
	return v
}

func (p *cellProblems) amount(i int, col string) decimal.Decimal {
	s := p.t.get(i, col)
	if s == "" {
		return decimal.Zero
	}
	v, err := parseMoney([]byte(s))
	if err != nil {
		p.add(i, col, "%s is not an amount", quoteCell([]byte(s)))
	}
	return v
}

func (p *cellProblems) boolean(i int, col string) bool {
	switch s := p.t.get(i, col); strings.ToLower(s) {
	case "", "false", "0", "no":
		return false
	case "true", "1", "yes":
		return true
	default:
		p.add(i, col, "%s is not true or false", quoteCell([]byte(s)))
	}
	return false
}

func (p *cellProblems) required(i int, col string) string {
	s := p.t.get(i, col)
	if s == "" {
		p.add(i, col, "required")
	}
	return s
}

// list splits a ";"-separated cell.
func (p *cellProblems) list(i int, col string) []string {
	var out []string
	for _, s := range strings.Split(p.t.get(i, col), ";") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func textEnum[T any, P interface {
	*T
	UnmarshalText([]byte) error
}](p *cellProblems, i int, col, s string) T {
	var v T
	if err := P(&v).UnmarshalText([]byte(s)); err != nil {
		p.add(i, col, "%s is not a known value", quoteCell([]byte(s)))
	}
	return v
}

func readCases(path string) ([]assign.Case, error) {
	known := []string{"application_id", "customer_id", "region", "kind", "amount", "term_months", "product", "grade", "officer", "priority"}
	t, err := readTable(path, known, []string{"application_id", "region", "kind", "amount", "term_months", "product"})
	if err != nil {
		return nil, err
	}
	p := &cellProblems{t: t}
	cases := make([]assign.Case, len(t.rows))
	for i := range t.rows {
		c := assign.Case{ApplicationID: p.required(i, "application_id"), CustomerID: t.get(i, "customer_id"),
			Region: p.required(i, "region"), Amount: p.amount(i, "amount"), TermMonths: p.integer(i, "term_months"),
			Grade: t.get(i, "grade"), Officer: t.get(i, "officer"), Priority: p.boolean(i, "priority")}
		if s := p.required(i, "kind"); s != "" {
			c.Kind = textEnum[assign.CustomerKind](p, i, "kind", s)
		}
		if s := p.required(i, "product"); s != "" {
			c.Product = textEnum[assign.Product](p, i, "product", s)
		}
		cases[i] = c
	}
	return cases, p.err()
}

func readOfficers(path string) ([]assign.Officer, error) {
	known := []string{"id", "name", "branch", "regions", "kinds", "skills", "certifications", "authority",
		"seniority_years", "capacity", "load", "leave", "linked", "rating"}
	t, err := readTable(path, known, []string{"id"})
	if err != nil {
		return nil, err
	}
	p := &cellProblems{t: t}
	officers := make([]assign.Officer, len(t.rows))
	for i := range t.rows {
		o := assign.Officer{ID: p.required(i, "id"), Name: t.get(i, "name"), Branch: t.get(i, "branch"),
			Regions: p.list(i, "regions"), Certifications: p.list(i, "certifications"), Authority: p.amount(i, "authority"),
			SeniorityYears: p.integer(i, "seniority_years"), Capacity: p.integer(i, "capacity"), Load: p.integer(i, "load"),
			Linked: p.list(i, "linked")}
		for _, s := range p.list(i, "kinds") {
			o.Kinds = append(o.Kinds, textEnum[assign.CustomerKind](p, i, "kinds", s))
		}
		for _, s := range p.list(i, "skills") {
			o.Skills = append(o.Skills, textEnum[assign.Product](p, i, "skills", s))
		}
		for _, s := range p.list(i, "leave") {
			from, to, ok := strings.Cut(s, "..")
			if !ok {
				to = from
			}
			f, err1 := time.Parse(time.DateOnly, strings.TrimSpace(from))
			u, err2 := time.Parse(time.DateOnly, strings.TrimSpace(to))
			if err1 != nil || err2 != nil || u.Before(f) {
				p.add(i, "leave", "%s is not a date or a range YYYY-MM-DD..YYYY-MM-DD", quoteCell([]byte(s)))
				continue
			}
			o.Leave = append(o.Leave, assign.Leave{From: f, To: u})
		}
		if s := t.get(i, "rating"); s != "" {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || !(v >= 0 && v <= 100) {
				p.add(i, "rating", "%s is not a number from 0 to 100", quoteCell([]byte(s)))
			}
			o.Rating.Overall = v
		}
		officers[i] = o
	}
	return officers, p.err()
}

// readSmallFileLimit reads a whole file of at most limit bytes.
func readSmallFileLimit(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: larger than %d MiB", path, limit>>20)
	}
	return data, nil
}
