package customer

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/go-playground/locales/en"
	"github.com/go-playground/locales/zh"
	ut "github.com/go-playground/universal-translator"
	"github.com/go-playground/validator/v10"
	en_translations "github.com/go-playground/validator/v10/translations/en"
	zh_translations "github.com/go-playground/validator/v10/translations/zh"
	"github.com/shopspring/decimal"
)

// Problem is one validation failure: where (a JSON path such as "individual.address.postcode"),
// which rule, the offending value (identity numbers masked) and a message in English and Chinese.
type Problem struct {
	Path      string `json:"path"`
	Rule      string `json:"rule"`
	Value     string `json:"value,omitempty"`
	Message   string `json:"message"`
	MessageZH string `json:"message_zh"`
}

// ValidationError lists every problem found in one value. It matches ErrInvalid.
type ValidationError struct {
	Problems []Problem
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("customer: invalid customer: ")
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.Path)
		b.WriteString(": ")
		b.WriteString(p.Message)
	}
	return b.String()
}

// Is reports whether target is ErrInvalid.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// customMessages holds the English and Chinese messages of the rules that validator's
// translations do not cover. %s is the field name.
var customMessages = map[string][2]string{
	"enum":             {"%s must be one of the defined values", "%s必须是规定的取值之一"},
	"notfuture":        {"%s must not be in the future", "%s不能晚于今天"},
	"cnmobile":         {"%s must be a mainland mobile number (11 digits starting 13–19, optional +86)", "%s必须是有效的中国大陆手机号码"},
	"code":             {"%s must be ASCII letters, digits, - and _", "%s只能包含英文字母、数字、-和_"},
	"postcode":         {"%s must be a 6-digit postcode", "%s必须是6位数字邮政编码"},
	"uscc":             {"%s must be a valid unified social credit code (GB 32100)", "%s必须是有效的统一社会信用代码"},
	"nonneg":           {"%s must be a non-negative amount", "%s不能为负数"},
	"money":            {"%s must be below 10^18 with at most 4 decimal places", "%s必须小于10^18且最多4位小数"},
	"iso3166_1_alpha2": {"%s must be an ISO 3166-1 alpha-2 country code", "%s必须是ISO 3166-1两位国家代码"},
	"iso4217":          {"%s must be an ISO 4217 currency code", "%s必须是ISO 4217货币代码"},
	"residentid":       {"%s must be a valid resident identity number (GB 11643)", "%s必须是有效的居民身份号码"},
	"passport":         {"%s must be a passport number of 5 to 17 letters and digits", "%s必须是5至17位字母或数字的护照号码"},
	"hkmopermit":       {"%s must be a Hong Kong/Macau permit number (H or M and 8 or 10 digits)", "%s必须是有效的港澳居民来往内地通行证号码"},
	"twpermit":         {"%s must be a Taiwan permit number (8 digits)", "%s必须是有效的台湾居民来往大陆通行证号码"},
	"idbirthdate":      {"%s must agree with the identity number", "%s必须与身份证号码一致"},
	"idgender":         {"%s must agree with the identity number", "%s必须与身份证号码一致"},
	"kindpayload":      {"%s must match the customer kind", "%s必须与客户类型一致"},
	"excluded":         {"%s must be empty for this customer kind", "%s对该客户类型必须为空"},
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isMobile reports whether s is a mainland mobile: optional +86, then 1[3-9] and 9 digits.
func isMobile(s string) bool {
	s = strings.TrimPrefix(s, "+86")
	return len(s) == 11 && s[0] == '1' && s[1] >= '3' && s[1] <= '9' && allDigits(s)
}

// isCode reports whether s is made of ASCII letters, digits, '-' and '_'.
func isCode(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

func isPostcode(s string) bool { return len(s) == 6 && allDigits(s) }

// isPassport reports whether s is 5 to 17 upper-case letters and digits.
func isPassport(s string) bool {
	if len(s) < 5 || len(s) > 17 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if (s[i] < '0' || s[i] > '9') && (s[i] < 'A' || s[i] > 'Z') {
			return false
		}
	}
	return true
}

// isHKMacauPermit reports whether s is H or M followed by 8 or 10 digits.
func isHKMacauPermit(s string) bool {
	return (len(s) == 9 || len(s) == 11) && (s[0] == 'H' || s[0] == 'M') && allDigits(s[1:])
}

func isTaiwanPermit(s string) bool { return len(s) == 8 && allDigits(s) }

// Validator checks customers and contact-log entries. Build one with NewValidator and reuse
// it: it is safe for concurrent use.
type Validator struct {
	v   *validator.Validate
	en  ut.Translator
	zh  ut.Translator
	now func() time.Time
}

// NewValidator builds a Validator whose "not in the future" rules use now (time.Now when nil).
// It fails only if the translations cannot be registered.
func NewValidator(now func() time.Time) (*Validator, error) {
	if now == nil {
		now = time.Now
	}
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		if name == "" {
			return f.Name
		}
		return name
	})
	val := &Validator{v: v, now: now}
	rules := map[string]validator.Func{
		"enum": func(fl validator.FieldLevel) bool {
			e, ok := fl.Field().Interface().(interface{ Valid() bool })
			return ok && e.Valid()
		},
		"notfuture": func(fl validator.FieldLevel) bool {
			t, ok := fl.Field().Interface().(time.Time)
			return ok && !t.After(val.now())
		},
		"cnmobile": func(fl validator.FieldLevel) bool { return isMobile(fl.Field().String()) },
		"code":     func(fl validator.FieldLevel) bool { return isCode(fl.Field().String()) },
		"postcode": func(fl validator.FieldLevel) bool { return isPostcode(fl.Field().String()) },
		"uscc": func(fl validator.FieldLevel) bool {
			_, err := ParseUSCC(fl.Field().String())
			return err == nil
		},
	}
	for tag, fn := range rules {
		if err := v.RegisterValidation(tag, fn); err != nil {
			return nil, fmt.Errorf("customer: register rule %s: %w", tag, err)
		}
	}
	uni := ut.New(en.New(), en.New(), zh.New())
	val.en, _ = uni.GetTranslator("en")
	val.zh, _ = uni.GetTranslator("zh")
	if err := en_translations.RegisterDefaultTranslations(v, val.en); err != nil {
		return nil, fmt.Errorf("customer: register English messages: %w", err)
	}
	if err := zh_translations.RegisterDefaultTranslations(v, val.zh); err != nil {
		return nil, fmt.Errorf("customer: register Chinese messages: %w", err)
	}
	return val, nil
}

// Validate checks every rule on c and returns nil or a *ValidationError listing all problems.
// Store-managed fields (Number, Status, Version, times) are not checked. Rules beyond the
// struct tags: exactly the payload matching Kind; the document number matches DocType
// (a resident identity number must parse, its birth date must not be in the future, and
// BirthDate and Gender must agree with it).
func (v *Validator) Validate(c Customer) error {
	var ps []Problem
	if !v.tagsPass(&c) { // the fast path found something: let validator/v10 list it
		err := v.v.Struct(c)
		var ves validator.ValidationErrors
		if errors.As(err, &ves) {
			for _, fe := range ves {
				ps = append(ps, v.problem(fe))
			}
		} else if err != nil {
			return &ValidationError{Problems: []Problem{custom("", "invalid", err.Error())}}
		}
	}
	switch c.Kind {
	case KindIndividual:
		if c.Individual == nil {
			ps = append(ps, custom("individual", "required", ""))
		}
		if c.Enterprise != nil {
			ps = append(ps, custom("enterprise", "excluded", ""))
		}
	case KindEnterprise:
		if c.Enterprise == nil {
			ps = append(ps, custom("enterprise", "required", ""))
		}
		if c.Individual != nil {
			ps = append(ps, custom("individual", "excluded", ""))
		}
	}
	if c.Individual != nil {
		ps = v.checkDocument(ps, c.Individual)
	}
	if c.Enterprise != nil {
		ps = checkMoney(ps, "enterprise.registered_capital.amount", c.Enterprise.RegisteredCapital.Amount)
	}
	if len(ps) == 0 {
		return nil
	}
	return &ValidationError{Problems: ps}
}

func (v *Validator) checkDocument(ps []Problem, in *Individual) []Problem {
	const path = "individual.doc_number"
	doc := in.DocNumber
	if doc == "" {
		return ps // reported as required
	}
	switch in.DocType {
	case DocResidentID:
		id, err := ParseResidentID(doc)
		if err != nil {
			return append(ps, custom(path, "residentid", MaskID(doc)))
		}
		if id.BirthDate().After(v.now()) {
			ps = append(ps, custom(path, "notfuture", id.Masked()))
		}
		if !in.BirthDate.IsZero() && !sameDay(in.BirthDate, id.BirthDate()) {
			ps = append(ps, custom("individual.birth_date", "idbirthdate", in.BirthDate.Format(time.DateOnly)))
		}
		if in.Gender.Valid() && in.Gender != id.Gender() {
			ps = append(ps, custom("individual.gender", "idgender", in.Gender.String()))
		}
	case DocPassport:
		if !isPassport(doc) {
			ps = append(ps, custom(path, "passport", MaskID(doc)))
		}
	case DocHKMacauPermit:
		if !isHKMacauPermit(doc) {
			ps = append(ps, custom(path, "hkmopermit", MaskID(doc)))
		}
	case DocTaiwanPermit:
		if !isTaiwanPermit(doc) {
			ps = append(ps, custom(path, "twpermit", MaskID(doc)))
		}
	}
	return ps
}

// maxMoney bounds amounts: 18 integer digits, and at most 4 decimal places.
var maxMoney = decimal.New(1, 18)

const maxMoneyScale = 4

// checkMoney refuses negative amounts and amounts outside the range a bank books. It never
// formats the amount, so a hostile exponent costs nothing.
func checkMoney(ps []Problem, path string, d decimal.Decimal) []Problem {
	exp := d.Exponent()
	switch {
	case d.IsNegative():
		return append(ps, custom(path, "nonneg", ""))
	case exp > 18, exp < -40: // checked first, zero included: rescaling or formatting such values would be costly
		return append(ps, custom(path, "money", ""))
	case d.IsZero():
	case exp < -maxMoneyScale && !d.Equal(d.Truncate(maxMoneyScale)), d.Cmp(maxMoney) >= 0:
		return append(ps, custom(path, "money", ""))
	}
	return ps
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// ValidateContact checks a contact-log entry: an officer (at most 64 characters), a defined
// channel, a note of at most 2000 characters, and a time not in the future. It returns nil or
// a *ValidationError.
func (v *Validator) ValidateContact(ct Contact) error {
	var ps []Problem
	if strings.TrimSpace(ct.Officer) == "" {
		ps = append(ps, custom("officer", "required", ""))
	} else if len(ct.Officer) > 64 {
		ps = append(ps, custom("officer", "max", ""))
	}
	if !ct.Channel.Valid() {
		ps = append(ps, custom("channel", "enum", ""))
	}
	if len(ct.Note) > 2000 {
		ps = append(ps, custom("note", "max", ""))
	}
	if ct.At.After(v.now()) {
		ps = append(ps, custom("at", "notfuture", ct.At.Format(time.RFC3339)))
	}
	if len(ps) == 0 {
		return nil
	}
	return &ValidationError{Problems: ps}
}

func (v *Validator) problem(fe validator.FieldError) Problem {
	path := fe.Namespace()
	if _, rest, ok := strings.Cut(path, "."); ok {
		path = rest
	}
	value := ""
	if s, ok := fe.Value().(string); ok {
		value = s
		if strings.HasSuffix(path, "doc_number") {
			value = MaskID(s)
		} else if len(value) > 64 {
			value = value[:64] + "…"
		}
	}
	if _, ok := customMessages[fe.Tag()]; ok {
		p := custom(path, fe.Tag(), value)
		return p
	}
	return Problem{Path: path, Rule: fe.Tag(), Value: value, Message: fe.Translate(v.en), MessageZH: fe.Translate(v.zh)}
}

// custom builds a Problem for a rule with messages of our own.
func custom(path, rule, value string) Problem {
	field := path
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		field = path[i+1:]
	}
	msg, ok := customMessages[rule]
	if !ok {
		switch rule {
		case "required":
			msg = [2]string{"%s is a required field", "%s为必填字段"}
		case "max":
			msg = [2]string{"%s is too long", "%s长度超过上限"}
		default:
			msg = [2]string{"%s is invalid", "%s无效"}
		}
	}
	return Problem{Path: path, Rule: rule, Value: value, Message: fmt.Sprintf(msg[0], field), MessageZH: fmt.Sprintf(msg[1], field)}
}
