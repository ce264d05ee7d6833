package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/assign"
	"github.com/creditkit/creditkit/server/store/assigndb"
)

// Bounds of officer and assignment input.
const (
	maxOfficerName   = 200
	maxCode          = 64 // IDs, branch and region codes, certifications, grades
	maxListItems     = 200
	maxLinked        = 2000
	maxLeaves        = 100
	maxSeniority     = 80
	maxCapacity      = 100000
	maxPlanCases     = 1000
	maxLoadSpread    = 100000
	maxTermMonths    = 1200
	maxReasonLen     = 500
	maxVersionHeader = 32
)

// maxOfficerAmount bounds authorities and case amounts: below 10^15.
var maxOfficerAmount = decimal.New(1, 15)

// officerIDPattern is what an officer ID may look like: it is also the person's actor ID.
var officerIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:@-]*$`)

const (
	kindNames          = "individual, enterprise"
	productNamesAssign = "consumer, mortgage, working_capital, equity_pledge, asset_allocation"
)

// officerInput is the body of POST /v1/officers and PATCH /v1/officers/{id}. Absent (or
// null) fields are left as they are by PATCH; POST needs name, branch, regions, kinds,
// authority and capacity. Give either performance (the rating is computed from it) or
// rating (the five dimensions; overall is computed), not both.
type officerInput struct {
	ID             *string             `json:"id"`
	Name           *string             `json:"name"`
	Branch         *string             `json:"branch"`
	Regions        *[]string           `json:"regions"`
	Kinds          *[]string           `json:"kinds"`
	Skills         *[]string           `json:"skills"`
	Certifications *[]string           `json:"certifications"`
	Authority      json.RawMessage     `json:"authority"`
	SeniorityYears *int                `json:"seniority_years"`
	Capacity       *int                `json:"capacity"`
	Leave          *[]leaveInput       `json:"leave"`
	Linked         *[]string           `json:"linked"`
	Performance    *assign.Performance `json:"performance"`
	Rating         *ratingInput        `json:"rating"`
}

// leaveInput is a period of absence, both dates inclusive.
type leaveInput struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// ratingInput gives an officer's rating directly, dimension by dimension (0-100).
type ratingInput struct {
	Experience    *float64 `json:"experience"`
	CreditAbility *float64 `json:"credit_ability"`
	Efficiency    *float64 `json:"efficiency"`
	Satisfaction  *float64 `json:"satisfaction"`
	Results       *float64 `json:"results"`
}

// apply writes the fields in into o, checking each; create says whether o is new (and
// so which fields are required). It returns every problem at once.
func (in *officerInput) apply(o *assigndb.Officer, create bool, rater *assign.Rater) error {
	var f fieldErrors
	if in.ID != nil {
		switch {
		case !create:
			f.add("id", "immutable", "an officer's ID cannot change", "信贷人员编号不可修改")
		case len(*in.ID) > maxCode || !officerIDPattern.MatchString(*in.ID):
			f.add("id", "format", fmt.Sprintf("1 to %d letters, digits and . _ : @ -, starting with a letter or digit", maxCode),
				"编号应为 1 至 64 个字母、数字或 . _ : @ -")
		default:
			o.ID = *in.ID
		}
	}
	if in.Name != nil || create {
		o.Name = f.officerText("name", in.Name, maxOfficerName)
	}
	if in.Branch != nil || create {
		o.Branch = f.officerText("branch", in.Branch, maxCode)
	}
	if in.Regions != nil || create {
		o.Regions = f.codes("regions", in.Regions, maxListItems, true)
	}
	if in.Kinds != nil || create {
		o.Kinds = nil
		if in.Kinds == nil || len(*in.Kinds) == 0 {
			f.add("kinds", "required", "name at least one customer kind: "+kindNames, "至少填写一种客户类型："+kindNames)
		} else {
			o.Kinds = parseEnums[assign.CustomerKind](&f, "kinds", *in.Kinds, kindNames)
		}
	}
	if in.Skills != nil {
		o.Skills = parseEnums[assign.Product](&f, "skills", *in.Skills, productNamesAssign)
	}
	if in.Certifications != nil {
		o.Certifications = f.codes("certifications", in.Certifications, maxListItems, false)
	}
	if in.Authority != nil || create {
		if d, ok := f.amount("authority", in.Authority, true); ok {
			o.Authority = d
		}
	}
	if in.SeniorityYears != nil {
		if v := *in.SeniorityYears; v < 0 || v > maxSeniority {
			f.add("seniority_years", "range", fmt.Sprintf("must be from 0 to %d", maxSeniority), fmt.Sprintf("应在 0 至 %d 之间", maxSeniority))
		} else {
			o.SeniorityYears = v
		}
	}
	if in.Capacity != nil || create {
		switch {
		case in.Capacity == nil:
			f.add("capacity", "required", "the most open cases at once is required", "最大在办案件数必填")
		case *in.Capacity < 0 || *in.Capacity > maxCapacity:
			f.add("capacity", "range", fmt.Sprintf("must be from 0 to %d", maxCapacity), fmt.Sprintf("应在 0 至 %d 之间", maxCapacity))
		default:
			o.Capacity = *in.Capacity
		}
	}
	if in.Leave != nil {
		o.Leave = f.leave(*in.Leave)
	}
	if in.Linked != nil {
		o.Linked = f.codes("linked", in.Linked, maxLinked, false)
	}
	switch {
	case in.Performance != nil && in.Rating != nil:
		f.add("rating", "exclusive", "give performance or rating, not both", "业绩数据与评分只能二选一")
	case in.Performance != nil:
		rt, err := rater.Rate(*in.Performance)
		if err != nil {
			f = append(f, assignProblems(err, "performance")...)
		} else {
			p := *in.Performance
			o.Performance, o.Rating = &p, rt
		}
	case in.Rating != nil:
		if rt, ok := f.rating(in.Rating); ok {
			rt.Overall = rater.Overall(rt)
			o.Performance, o.Rating = nil, rt
		}
	case create:
		// Neither: rate the officer on no record, which is neutral where it can be.
		rt, err := rater.Rate(assign.Performance{})
		if err != nil {
			return fmt.Errorf("server: rate an officer without a record: %w", err)
		}
		o.Performance, o.Rating = &assign.Performance{}, rt
	}
	return f.err()
}

func (f *fieldErrors) officerText(path string, v *string, max int) string {
	if v == nil || strings.TrimSpace(*v) == "" {
		f.add(path, "required", "is required", "必填")
		return ""
	}
	s := strings.TrimSpace(*v)
	switch {
	case utf8.RuneCountInString(s) > max:
		f.add(path, "max_length", fmt.Sprintf("at most %d characters", max), fmt.Sprintf("最多 %d 个字符", max))
	case !printableText(s):
		f.add(path, "printable", "must be UTF-8 text without control characters", "只能包含可打印字符")
	}
	return s
}

// printableText reports whether s is valid UTF-8 without control characters (NUL, which
// PostgreSQL cannot store in text, among them).
func printableText(s string) bool {
	return utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsControl) < 0
}

// codes checks a list of codes: each non-empty, short and unique.
func (f *fieldErrors) codes(path string, v *[]string, max int, required bool) []string {
	if v == nil || len(*v) == 0 {
		if required {
			f.add(path, "required", "name at least one", "至少填写一项")
		}
		return []string{}
	}
	if len(*v) > max {
		f.add(path, "max_items", fmt.Sprintf("at most %d items", max), fmt.Sprintf("最多 %d 项", max))
		return nil
	}
	seen := make(map[string]bool, len(*v))
	out := make([]string, 0, len(*v))
	for i, s := range *v {
		p := fmt.Sprintf("%s[%d]", path, i)
		s = strings.TrimSpace(s)
		switch {
		case s == "":
			f.add(p, "required", "must not be empty", "不能为空")
		case utf8.RuneCountInString(s) > maxCode:
			f.add(p, "max_length", fmt.Sprintf("at most %d characters", maxCode), fmt.Sprintf("最多 %d 个字符", maxCode))
		case !printableText(s):
			f.add(p, "printable", "must be UTF-8 text without control characters", "只能包含可打印字符")
		case seen[s]:
			f.add(p, "unique", "is listed twice", "重复")
		default:
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// parseEnums parses a list of enumeration names, each once.
func parseEnums[T comparable, PT interface {
	*T
	UnmarshalText([]byte) error
}](f *fieldErrors, path string, names []string, valid string) []T {
	if len(names) > maxListItems {
		f.add(path, "max_items", fmt.Sprintf("at most %d items", maxListItems), fmt.Sprintf("最多 %d 项", maxListItems))
		return nil
	}
	out := make([]T, 0, len(names))
	seen := map[T]bool{}
	for i, n := range names {
		var v T
		p := fmt.Sprintf("%s[%d]", path, i)
		if len(n) > maxCode || PT(&v).UnmarshalText([]byte(n)) != nil {
			f.add(p, "enum", "must be one of "+valid, "取值应为："+valid)
			continue
		}
		if seen[v] {
			f.add(p, "unique", "is listed twice", "重复")
			continue
		}
		seen[v] = true
		out = append(out, v)
	}
	return out
}

// amount parses an amount at path: a JSON string or number holding a plain decimal, not
// negative (zero allowed when allowZero), at most two decimal places, below 10^15. An
// absent amount is a problem ("required").
func (f *fieldErrors) amount(path string, raw json.RawMessage, allowZero bool) (decimal.Decimal, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		f.add(path, "required", "an amount is required", "金额必填")
		return decimal.Decimal{}, false
	}
	text := string(raw)
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &text); err != nil {
			f.add(path, "format", "not a valid JSON string", "不是有效的字符串")
			return decimal.Decimal{}, false
		}
	}
	if len(text) > 32 || !plainAmount.MatchString(text) {
		f.add(path, "format", "must be a decimal amount such as \"250000.00\"", "金额格式应为 \"250000.00\"")
		return decimal.Decimal{}, false
	}
	d, err := decimal.NewFromString(text)
	switch {
	case err != nil:
		f.add(path, "format", "must be a decimal amount such as \"250000.00\"", "金额格式应为 \"250000.00\"")
	case d.IsNegative() || (!allowZero && d.IsZero()):
		if allowZero {
			f.add(path, "min", "must not be negative", "不能为负数")
		} else {
			f.add(path, "positive", "must be positive", "必须大于零")
		}
	case !d.Equal(d.Round(2)):
		f.add(path, "scale", "at most 2 decimal places", "最多两位小数")
	case d.GreaterThanOrEqual(maxOfficerAmount):
		f.add(path, "max", "must be below 1000000000000000", "金额过大")
	default:
		return d, true
	}
	return decimal.Decimal{}, false
}

var plainAmount = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

func (f *fieldErrors) leave(in []leaveInput) []assign.Leave {
	if len(in) > maxLeaves {
		f.add("leave", "max_items", fmt.Sprintf("at most %d periods", maxLeaves), fmt.Sprintf("最多 %d 段", maxLeaves))
		return nil
	}
	out := make([]assign.Leave, 0, len(in))
	for i, l := range in {
		p := fmt.Sprintf("leave[%d]", i)
		from, err1 := time.Parse(time.DateOnly, l.From)
		to, err2 := time.Parse(time.DateOnly, l.To)
		if err1 != nil {
			f.add(p+".from", "date", "must be a date such as 2026-12-01", "日期格式应为 2026-12-01")
		}
		if err2 != nil {
			f.add(p+".to", "date", "must be a date such as 2026-12-05", "日期格式应为 2026-12-05")
		}
		if err1 != nil || err2 != nil {
			continue
		}
		if to.Before(from) {
			f.add(p+".to", "order", "must not be before from", "不能早于开始日期")
			continue
		}
		out = append(out, assign.Leave{From: from, To: to})
	}
	return out
}

func (f *fieldErrors) rating(in *ratingInput) (assign.Rating, bool) {
	var rt assign.Rating
	ok := true
	for _, d := range []struct {
		path string
		v    *float64
		dst  *float64
	}{
		{"rating.experience", in.Experience, &rt.Experience},
		{"rating.credit_ability", in.CreditAbility, &rt.CreditAbility},
		{"rating.efficiency", in.Efficiency, &rt.Efficiency},
		{"rating.satisfaction", in.Satisfaction, &rt.Satisfaction},
		{"rating.results", in.Results, &rt.Results},
	} {
		switch {
		case d.v == nil:
			f.add(d.path, "required", "every dimension is required (0 to 100)", "每项评分必填（0 至 100）")
			ok = false
		case math.IsNaN(*d.v) || *d.v < 0 || *d.v > 100:
			f.add(d.path, "range", "must be from 0 to 100", "应在 0 至 100 之间")
			ok = false
		default:
			*d.dst = *d.v
		}
	}
	return rt, ok
}

// assignProblems turns the assign package's validation problems into field problems under
// prefix.
func assignProblems(err error, prefix string) fieldErrors {
	var f fieldErrors
	if ve, ok := assignError(err, prefix).(*ValidationError); ok {
		f = append(f, ve.Fields...)
	} else {
		f.add(prefix, "invalid", "is invalid", "无效")
	}
	return f
}

// caseInput is one case of POST /v1/assignments/plan.
type caseInput struct {
	ApplicationID string          `json:"application_id"`
	CustomerID    string          `json:"customer_id"`
	Region        string          `json:"region"`
	Kind          string          `json:"kind"`
	Amount        json.RawMessage `json:"amount"`
	TermMonths    int             `json:"term_months"`
	Product       string          `json:"product"`
	Grade         string          `json:"grade"`
	Officer       string          `json:"officer"`
	Priority      bool            `json:"priority"`
}

// planRequest is the body of POST /v1/assignments/plan.
type planRequest struct {
	Cases         []caseInput `json:"cases"`
	Apply         bool        `json:"apply"`           // record the plan; false (the default) only answers it
	MaxLoadSpread int         `json:"max_load_spread"` // see assign.PlanOptions; 0 = plain capacities
	Reason        string      `json:"reason"`          // recorded with each assignment; default "batch plan"
}

func (r planRequest) check() ([]assign.Case, error) {
	var f fieldErrors
	switch {
	case len(r.Cases) == 0:
		f.add("cases", "required", "give at least one case", "至少一个案件")
	case len(r.Cases) > maxPlanCases:
		f.add("cases", "max_items", fmt.Sprintf("at most %d cases", maxPlanCases), fmt.Sprintf("最多 %d 个案件", maxPlanCases))
		return nil, f.err()
	}
	if r.MaxLoadSpread < 0 || r.MaxLoadSpread > maxLoadSpread {
		f.add("max_load_spread", "range", fmt.Sprintf("must be from 0 to %d", maxLoadSpread), fmt.Sprintf("应在 0 至 %d 之间", maxLoadSpread))
	}
	f.text("reason", r.Reason, maxReasonLen, false)
	cases := make([]assign.Case, 0, len(r.Cases))
	seen := map[string]int{}
	for i, in := range r.Cases {
		p := fmt.Sprintf("cases[%d]", i)
		c := assign.Case{ApplicationID: strings.TrimSpace(in.ApplicationID), CustomerID: in.CustomerID, Region: in.Region,
			TermMonths: in.TermMonths, Grade: in.Grade, Officer: in.Officer, Priority: in.Priority}
		switch {
		case c.ApplicationID == "":
			f.add(p+".application_id", "required", "is required", "必填")
		case len(c.ApplicationID) > maxCode:
			f.add(p+".application_id", "max_length", fmt.Sprintf("at most %d characters", maxCode), fmt.Sprintf("最多 %d 个字符", maxCode))
		default:
			if j, dup := seen[c.ApplicationID]; dup {
				f.add(p+".application_id", "unique", fmt.Sprintf("is also case %d", j), fmt.Sprintf("与第 %d 个案件重复", j))
			}
			seen[c.ApplicationID] = i
		}
		for _, s := range []struct{ name, v string }{{"customer_id", in.CustomerID}, {"region", in.Region}, {"grade", in.Grade}, {"officer", in.Officer}} {
			switch {
			case len(s.v) > maxCode:
				f.add(p+"."+s.name, "max_length", fmt.Sprintf("at most %d characters", maxCode), fmt.Sprintf("最多 %d 个字符", maxCode))
			case !printableText(s.v):
				f.add(p+"."+s.name, "printable", "must be UTF-8 text without control characters", "只能包含可打印字符")
			}
		}
		f.enum(p+".kind", in.Kind, true, &c.Kind, kindNames)
		f.enum(p+".product", in.Product, true, &c.Product, productNamesAssign)
		c.Amount, _ = f.amount(p+".amount", in.Amount, true)
		if in.TermMonths < 0 || in.TermMonths > maxTermMonths {
			f.add(p+".term_months", "range", fmt.Sprintf("must be from 0 to %d", maxTermMonths), fmt.Sprintf("应在 0 至 %d 之间", maxTermMonths))
		}
		cases = append(cases, c)
	}
	return cases, f.err()
}

// reassignRequest is the optional body of POST /v1/officers/{id}/reassign.
type reassignRequest struct {
	Reason          string   `json:"reason"`            // recorded with each move; default "reassigned from <id>"
	SameBranchBonus *float64 `json:"same_branch_bonus"` // points for officers of the leaver's branch; absent = 10, 0 = none
	MaxLoadSpread   int      `json:"max_load_spread"`
	DryRun          bool     `json:"dry_run"` // answer the plan without recording it
}

func (r reassignRequest) options() (assign.ReassignOptions, error) {
	var (
		f    fieldErrors
		opts assign.ReassignOptions
	)
	f.text("reason", r.Reason, maxReasonLen, false)
	if r.MaxLoadSpread < 0 || r.MaxLoadSpread > maxLoadSpread {
		f.add("max_load_spread", "range", fmt.Sprintf("must be from 0 to %d", maxLoadSpread), fmt.Sprintf("应在 0 至 %d 之间", maxLoadSpread))
	}
	opts.MaxLoadSpread = r.MaxLoadSpread
	if b := r.SameBranchBonus; b != nil {
		switch {
		case math.IsNaN(*b) || *b < 0 || *b > 100:
			f.add("same_branch_bonus", "range", "must be from 0 to 100", "应在 0 至 100 之间")
		case *b == 0:
			opts.SameBranchBonus = -1 // assign: negative means none
		default:
			opts.SameBranchBonus = *b
		}
	}
	return opts, f.err()
}

// ifMatchOfficer reads the version an If-Match header names: "\"7\"". Missing is
// ErrVersionRequired; malformed is a 400.
func ifMatchOfficer(c *fiber.Ctx) (int64, error) {
	h := strings.TrimSpace(c.Get(fiber.HeaderIfMatch))
	if h == "" {
		return 0, fmt.Errorf("%w: send If-Match with the officer's ETag", ErrVersionRequired)
	}
	if len(h) > maxVersionHeader || len(h) < 3 || h[0] != '"' || h[len(h)-1] != '"' {
		return 0, &BadRequestError{Detail: "If-Match must be one ETag of this API, such as \"3\""}
	}
	v, err := strconv.ParseInt(h[1:len(h)-1], 10, 64)
	if err != nil || v < 1 {
		return 0, &BadRequestError{Detail: "If-Match must be one ETag of this API, such as \"3\""}
	}
	return v, nil
}
