package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/assign"
	"github.com/creditkit/creditkit/credit"
	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/loan"
)

// Bounds of application input.
const (
	maxTextLen      = 500  // purpose, references, security detail, reasons
	maxCommentLen   = 2000 // comments
	maxProductLen   = 64
	maxMoneyDigits  = 15 // integer digits of an amount: below 10^15
	maxIfMatchBytes = 32
)

// maxAmount is the largest amount an application may carry.
var maxAmount = decimal.RequireFromString("999999999999999.99")

// money is a JSON amount as the client sent it: a string ("250000.00") or a number. It is
// parsed and checked, with its field's path, by fieldErrors.money, so every problem of a
// request comes back at once.
type money struct {
	raw []byte // nil when absent or null
}

// UnmarshalJSON keeps the raw value (null means absent) for fieldErrors.money to check.
func (m *money) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		m.raw = nil
		return nil
	}
	m.raw = append([]byte(nil), b...)
	return nil
}

var plainDecimal = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// fieldErrors collects the problems of one request.
type fieldErrors []FieldError

func (f *fieldErrors) add(path, rule, en, zh string) {
	*f = append(*f, FieldError{Path: path, Rule: rule, Message: en, MessageZH: zh})
}

func (f fieldErrors) err() error {
	if len(f) == 0 {
		return nil
	}
	return &ValidationError{Fields: f}
}

// money parses m at path: a plain decimal (no exponent), positive, at most two decimal
// places and below 10^15. An absent amount is zero with ok false and no problem unless
// required.
func (f *fieldErrors) money(path string, m money, required bool) (d decimal.Decimal, ok bool) {
	if m.raw == nil {
		if required {
			f.add(path, "required", "an amount is required", "金额必填")
		}
		return decimal.Decimal{}, false
	}
	text := string(m.raw)
	if c := m.raw[0]; c != '"' && c != '-' && (c < '0' || c > '9') {
		f.add(path, "type", "must be a string such as \"250000.00\"", "金额应为字符串，例如 \"250000.00\"")
		return decimal.Decimal{}, false
	}
	if m.raw[0] == '"' {
		if err := json.Unmarshal(m.raw, &text); err != nil {
			f.add(path, "format", "not a valid JSON string", "不是有效的字符串")
			return decimal.Decimal{}, false
		}
	}
	if len(text) > maxMoneyDigits+8 || !plainDecimal.MatchString(text) {
		f.add(path, "format", "must be a decimal amount such as \"250000.00\"", "金额格式应为 \"250000.00\"")
		return decimal.Decimal{}, false
	}
	d, err := decimal.NewFromString(text)
	switch {
	case err != nil:
		f.add(path, "format", "must be a decimal amount such as \"250000.00\"", "金额格式应为 \"250000.00\"")
	case !d.IsPositive():
		f.add(path, "positive", "must be positive", "必须大于零")
	case !d.Equal(d.Round(2)):
		f.add(path, "scale", "at most 2 decimal places", "最多两位小数")
	case d.GreaterThan(maxAmount):
		f.add(path, "max", "must be below 1000000000000000", "金额过大")
	default:
		return d, true
	}
	return decimal.Decimal{}, false
}

// text checks a free-text field: present when required, at most max characters, and no
// control characters but tab and line breaks (a NUL is refused by PostgreSQL's text).
func (f *fieldErrors) text(path, v string, max int, required bool) string {
	switch {
	case required && strings.TrimSpace(v) == "":
		f.add(path, "required", "is required", "必填")
	case utf8.RuneCountInString(v) > max:
		f.add(path, "max_length", fmt.Sprintf("at most %d characters", max), fmt.Sprintf("最多 %d 个字符", max))
	case strings.ContainsFunc(v, func(r rune) bool { return unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' }):
		f.add(path, "printable", "must not hold control characters", "不能包含控制字符")
	}
	return v
}

// plainParam reports whether a query or path value can be compared with stored text:
// valid UTF-8 without control characters, at most 64 bytes.
func plainParam(v string) bool {
	return len(v) <= 64 && utf8.ValidString(v) && !strings.ContainsFunc(v, unicode.IsControl)
}

// enum parses a text enumeration into dst (a pointer to a loan or credit enum); an empty
// value is a problem only when required.
func (f *fieldErrors) enum(path, v string, required bool, dst interface{ UnmarshalText([]byte) error }, names string) bool {
	if v == "" {
		if required {
			f.add(path, "required", "is required; one of "+names, "必填，可选值："+names)
		}
		return false
	}
	if len(v) > 64 || dst.UnmarshalText([]byte(v)) != nil {
		f.add(path, "enum", "must be one of "+names, "取值应为："+names)
		return false
	}
	return true
}

// products are the loan products an application may name, with the credit product it is
// assessed as and the assignment product it is matched as.
var products = map[string]struct {
	credit credit.Product
	assign assign.Product
}{
	"consumer":        {credit.Consumer, assign.Consumer},
	"mortgage":        {credit.Mortgage, assign.Mortgage},
	"working_capital": {credit.WorkingCapital, assign.WorkingCapital},
	"equity_pledge":   {credit.EquityPledgeLoan, assign.EquityPledge},
	"revolving":       {credit.Revolving, assign.Consumer},
	"business_term":   {credit.BusinessTerm, assign.WorkingCapital},
}

const productNames = "consumer, mortgage, working_capital, equity_pledge, revolving, business_term"

// createApplicationRequest is the body of POST /v1/applications.
type createApplicationRequest struct {
	Customer       string `json:"customer"`
	Product        string `json:"product"`
	Amount         money  `json:"amount"`
	TermMonths     int    `json:"term_months"`
	Purpose        string `json:"purpose"`
	Repayment      string `json:"repayment"`
	Security       string `json:"security"`
	SecurityDetail string `json:"security_detail"`
}

// applicationInput is a checked createApplicationRequest; the customer's kind comes from
// the customer archive.
type applicationInput struct {
	Customer       customer.Number
	Product        string
	Amount         decimal.Decimal
	TermMonths     int
	Purpose        string
	Repayment      loan.Repayment
	Security       loan.Security
	SecurityDetail string
}

func (r createApplicationRequest) check() (applicationInput, error) {
	var f fieldErrors
	in := applicationInput{Product: r.Product, TermMonths: r.TermMonths, SecurityDetail: r.SecurityDetail}
	if strings.TrimSpace(r.Customer) == "" {
		f.add("customer", "required", "the customer number is required", "客户号必填")
	} else if n, err := customer.ParseNumber(r.Customer); err != nil {
		f.add("customer", "format", "not a valid customer number", "客户号无效")
	} else {
		in.Customer = n
	}
	if _, ok := products[r.Product]; !ok {
		if r.Product == "" {
			f.add("product", "required", "is required; one of "+productNames, "必填，可选值："+productNames)
		} else {
			f.add("product", "enum", "must be one of "+productNames, "取值应为："+productNames)
		}
	}
	in.Amount, _ = f.money("amount", r.Amount, true)
	if r.TermMonths < 1 || r.TermMonths > 600 {
		f.add("term_months", "range", "must be 1 to 600 months", "期限应为 1 至 600 个月")
	}
	in.Purpose = f.text("purpose", r.Purpose, maxTextLen, true)
	f.enum("repayment", r.Repayment, true, &in.Repayment, "equal_instalments, equal_principal, interest_only, bullet")
	if f.enum("security", r.Security, true, &in.Security, "none, guarantee, collateral, pledge") &&
		in.Security != loan.SecurityNone && strings.TrimSpace(r.SecurityDetail) == "" {
		f.add("security_detail", "required", "name the guarantor, collateral or pledge", "请说明担保人、抵押物或质押物")
	}
	f.text("security_detail", r.SecurityDetail, maxTextLen, false)
	return in, f.err()
}

// commentRequest is the body of submit, review, withdraw and assign: all optional.
type commentRequest struct {
	Comment  string `json:"comment"`
	Priority bool   `json:"priority"` // assign only: serve first when capacity is short
}

func (r commentRequest) check(allowPriority bool) error {
	var f fieldErrors
	f.text("comment", r.Comment, maxCommentLen, false)
	if r.Priority && !allowPriority {
		f.add("priority", "unexpected", "only an assignment takes a priority", "仅分配时可设置优先级")
	}
	return f.err()
}

// documentRequest is the body of POST /v1/applications/{id}/documents.
type documentRequest struct {
	Action    string `json:"action"` // receive, verify or reject
	Kind      string `json:"kind"`
	Reference string `json:"reference"` // receive: where the file is kept
	Reason    string `json:"reason"`    // reject: why
	Comment   string `json:"comment"`
}

func (r documentRequest) command() (loan.Command, error) {
	var (
		f    fieldErrors
		kind loan.DocumentKind
	)
	f.enum("kind", r.Kind, true, &kind, "application_form, identity, proof_of_income, financial_statements, proof_of_employment, guarantee, collateral, business_licence")
	f.text("comment", r.Comment, maxCommentLen, false)
	var cmd loan.Command
	switch r.Action {
	case "receive":
		f.text("reference", r.Reference, maxTextLen, true)
		if r.Reason != "" {
			f.add("reason", "unexpected", "only a rejection takes a reason", "仅退回文件时需要原因")
		}
		cmd = loan.ReceiveDocument{Kind: kind, Reference: r.Reference, Comment: r.Comment}
	case "verify":
		if r.Reference != "" || r.Reason != "" {
			f.add("reference", "unexpected", "verifying takes neither reference nor reason", "核实文件不需要存放位置或原因")
		}
		cmd = loan.VerifyDocument{Kind: kind, Comment: r.Comment}
	case "reject":
		f.text("reason", r.Reason, maxTextLen, true)
		if r.Reference != "" {
			f.add("reference", "unexpected", "rejecting takes no reference", "退回文件不需要存放位置")
		}
		cmd = loan.RejectDocument{Kind: kind, Reason: r.Reason}
	case "":
		f.add("action", "required", "is required; one of receive, verify, reject", "必填，可选值：receive, verify, reject")
	default:
		f.add("action", "enum", "must be one of receive, verify, reject", "取值应为：receive, verify, reject")
	}
	return cmd, f.err()
}

// assessRequest is the body of POST /v1/applications/{id}/assess: the facts about the
// applicant in the credit package's JSON form. Missing request facts (amount, term,
// product, method) are taken from the application; given ones must agree with it.
type assessRequest struct {
	Facts   json.RawMessage `json:"facts"`
	Comment string          `json:"comment"`
}

func (r assessRequest) facts() (credit.Facts, error) {
	var f fieldErrors
	f.text("comment", r.Comment, maxCommentLen, false)
	raw := bytes.TrimSpace(r.Facts)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		f.add("facts", "required", "the facts about the applicant are required", "申请人信息必填")
		return credit.Facts{}, f.err()
	}
	facts, err := credit.DecodeFacts(raw)
	if err != nil {
		return credit.Facts{}, creditFactsError(err, f)
	}
	return facts, f.err()
}

// decisionRequest is the body of POST /v1/applications/{id}/decisions.
type decisionRequest struct {
	Stage          int    `json:"stage"`
	Verdict        string `json:"verdict"` // approve, reject or return
	Comment        string `json:"comment"`
	Amount         money  `json:"amount"`          // approve only; absent = the amount on the table
	OverrideReason string `json:"override_reason"` // approve above the assessed limit
}

func (r decisionRequest) command() (loan.Decide, error) {
	var (
		f fieldErrors
		d = loan.Decide{Stage: r.Stage, Comment: r.Comment, OverrideReason: r.OverrideReason}
	)
	if r.Stage < 1 {
		f.add("stage", "required", "name the pending stage (1, 2, ...)", "请填写待审批的阶段（1、2……）")
	}
	f.enum("verdict", r.Verdict, true, &d.Verdict, "approve, reject, return")
	f.text("comment", r.Comment, maxCommentLen, true)
	f.text("override_reason", r.OverrideReason, maxTextLen, false)
	if r.Amount.raw != nil {
		if d.Verdict != loan.VerdictApprove && d.Verdict != 0 {
			f.add("amount", "unexpected", "only an approval takes an amount", "仅批准时可填写金额")
		} else {
			d.Amount, _ = f.money("amount", r.Amount, false)
		}
	}
	if r.OverrideReason != "" && d.Verdict != loan.VerdictApprove && d.Verdict != 0 {
		f.add("override_reason", "unexpected", "only an approval takes an override", "仅批准时可越权")
	}
	return d, f.err()
}

// ifMatchVersion reads the version an If-Match header names: "\"7\"" (an ETag of this API;
// W/ and a list are refused). Missing is ErrVersionRequired; malformed is a 400.
func ifMatchVersion(c *fiber.Ctx) (int64, error) {
	h := strings.TrimSpace(c.Get(fiber.HeaderIfMatch))
	if h == "" {
		return 0, fmt.Errorf("%w: send If-Match with the application's ETag", ErrVersionRequired)
	}
	if len(h) > maxIfMatchBytes || len(h) < 3 || h[0] != '"' || h[len(h)-1] != '"' {
		return 0, &BadRequestError{Detail: "If-Match must be one ETag of this API, such as \"3\""}
	}
	v, err := strconv.ParseInt(h[1:len(h)-1], 10, 64)
	if err != nil || v < 1 {
		return 0, &BadRequestError{Detail: "If-Match must be one ETag of this API, such as \"3\""}
	}
	return v, nil
}

// etag is the ETag of a version.
func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// decodeOptional decodes a body that may be empty (every field optional) strictly.
func decodeOptional(c *fiber.Ctx, v any) error {
	if len(bytes.TrimSpace(c.Body())) == 0 {
		return nil
	}
	return decode(c, v)
}
