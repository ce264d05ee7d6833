package credit

import "fmt"

// EnumError reports text that names no value of an enumeration.
type EnumError struct {
	Type  string // the enumeration, such as "Employment"
	Value string // the text given
}

// Error returns "credit: unknown <Type> value "<Value>"".
func (e *EnumError) Error() string {
	return fmt.Sprintf("credit: unknown %s value %q", e.Type, e.Value)
}

// Unwrap returns ErrInvalid.
func (e *EnumError) Unwrap() error { return ErrInvalid }

// enumName returns names[v], or "" when v is out of range (the zero value is "").
func enumName[E ~uint8](names []string, v E) string {
	if int(v) < len(names) {
		return names[v]
	}
	return ""
}

func enumText[E ~uint8](typ string, names []string, v E) ([]byte, error) {
	s := enumName(names, v)
	if s == "" {
		return nil, &EnumError{Type: typ, Value: fmt.Sprint(uint8(v))}
	}
	return []byte(s), nil
}

func enumParse[E ~uint8](typ string, names []string, text []byte) (E, error) {
	for i := 1; i < len(names); i++ {
		if names[i] == string(text) {
			return E(i), nil
		}
	}
	return 0, &EnumError{Type: typ, Value: string(text)}
}

func enumValid[E ~uint8](names []string, v E) bool { return v > 0 && int(v) < len(names) }

// VariableType says how a characteristic is binned. The zero value is unset and invalid.
type VariableType uint8

// The variable types.
const (
	Numeric VariableType = iota + 1
	Categorical
)

var variableTypeNames = []string{"", "numeric", "categorical"}

// String returns "numeric" or "categorical" ("" when unset or unknown).
func (t VariableType) String() string { return enumName(variableTypeNames, t) }

// MarshalText returns the name; it fails for the zero or an unknown value.
func (t VariableType) MarshalText() ([]byte, error) {
	return enumText("VariableType", variableTypeNames, t)
}

// UnmarshalText parses a name; unknown text is an *EnumError.
func (t *VariableType) UnmarshalText(b []byte) (err error) {
	*t, err = enumParse[VariableType]("VariableType", variableTypeNames, b)
	return err
}

// Decision is the outcome of an assessment. The zero value is unset.
type Decision uint8

// The decisions.
const (
	Approve Decision = iota + 1
	Refer            // to a credit officer for manual review
	Decline
)

var decisionNames = []string{"", "approve", "refer", "decline"}

// String returns "approve", "refer" or "decline".
func (d Decision) String() string { return enumName(decisionNames, d) }

// MarshalText returns the name; it fails for the zero or an unknown value.
func (d Decision) MarshalText() ([]byte, error) { return enumText("Decision", decisionNames, d) }

// UnmarshalText parses a name; unknown text is an *EnumError.
func (d *Decision) UnmarshalText(b []byte) (err error) {
	*d, err = enumParse[Decision]("Decision", decisionNames, b)
	return err
}

// Employment is the applicant's employment type.
type Employment uint8

// The employment types.
const (
	CivilServant Employment = iota + 1
	StateOwned
	PrivateSector
	SelfEmployed
	Retired
	Unemployed
	Student
)

var employmentNames = []string{"", "civil_servant", "state_owned", "private", "self_employed",
	"retired", "unemployed", "student"}

// String returns the snake_case name ("civil_servant", …).
func (e Employment) String() string { return enumName(employmentNames, e) }

// MarshalText returns the name; it fails for the zero or an unknown value.
func (e Employment) MarshalText() ([]byte, error) {
	return enumText("Employment", employmentNames, e)
}

// UnmarshalText parses a name; unknown text is an *EnumError.
func (e *Employment) UnmarshalText(b []byte) (err error) {
	*e, err = enumParse[Employment]("Employment", employmentNames, b)
	return err
}

// Housing is the applicant's housing status.
type Housing uint8

// The housing statuses.
const (
	OwnHome Housing = iota + 1
	Mortgaged
	Renting
	WithFamily
)

var housingNames = []string{"", "own", "mortgage", "rent", "family"}

// String returns "own", "mortgage", "rent" or "family".
func (h Housing) String() string { return enumName(housingNames, h) }

// MarshalText returns the name; it fails for the zero or an unknown value.
func (h Housing) MarshalText() ([]byte, error) { return enumText("Housing", housingNames, h) }

// UnmarshalText parses a name; unknown text is an *EnumError.
func (h *Housing) UnmarshalText(b []byte) (err error) {
	*h, err = enumParse[Housing]("Housing", housingNames, b)
	return err
}

// Marital is the applicant's marital status.
type Marital uint8

// The marital statuses.
const (
	Single Marital = iota + 1
	Married
	Divorced
	Widowed
)

var maritalNames = []string{"", "single", "married", "divorced", "widowed"}

// String returns "single", "married", "divorced" or "widowed".
func (m Marital) String() string { return enumName(maritalNames, m) }

// MarshalText returns the name; it fails for the zero or an unknown value.
func (m Marital) MarshalText() ([]byte, error) { return enumText("Marital", maritalNames, m) }

// UnmarshalText parses a name; unknown text is an *EnumError.
func (m *Marital) UnmarshalText(b []byte) (err error) {
	*m, err = enumParse[Marital]("Marital", maritalNames, b)
	return err
}

// Education is the applicant's highest education.
type Education uint8

// The education levels.
const (
	BelowHighSchool Education = iota + 1
	HighSchool
	College // 大专
	Bachelor
	Master
	Doctorate
)

var educationNames = []string{"", "below_high_school", "high_school", "college", "bachelor",
	"master", "doctorate"}

// String returns the snake_case name.
func (e Education) String() string { return enumName(educationNames, e) }

// MarshalText returns the name; it fails for the zero or an unknown value.
func (e Education) MarshalText() ([]byte, error) {
	return enumText("Education", educationNames, e)
}

// UnmarshalText parses a name; unknown text is an *EnumError.
func (e *Education) UnmarshalText(b []byte) (err error) {
	*e, err = enumParse[Education]("Education", educationNames, b)
	return err
}

// Security is the collateral or guarantee behind a request.
type Security uint8

// The kinds of security.
const (
	Unsecured Security = iota + 1
	Guarantee
	PropertyMortgage
	DepositPledge
	EquityPledge
)

var securityNames = []string{"", "none", "guarantee", "property", "deposit", "equity"}

// String returns "none", "guarantee", "property", "deposit" or "equity".
func (s Security) String() string { return enumName(securityNames, s) }

// MarshalText returns the name; it fails for the zero or an unknown value.
func (s Security) MarshalText() ([]byte, error) { return enumText("Security", securityNames, s) }

// UnmarshalText parses a name; unknown text is an *EnumError.
func (s *Security) UnmarshalText(b []byte) (err error) {
	*s, err = enumParse[Security]("Security", securityNames, b)
	return err
}

// Product is the credit product requested.
type Product uint8

// The products.
const (
	Consumer Product = iota + 1
	Mortgage
	WorkingCapital
	EquityPledgeLoan
	Revolving // credit line or card
	BusinessTerm
)

var productNames = []string{"", "consumer", "mortgage", "working_capital", "equity_pledge",
	"revolving", "business_term"}

// String returns the snake_case name.
func (p Product) String() string { return enumName(productNames, p) }

// MarshalText returns the name; it fails for the zero or an unknown value.
func (p Product) MarshalText() ([]byte, error) { return enumText("Product", productNames, p) }

// UnmarshalText parses a name; unknown text is an *EnumError.
func (p *Product) UnmarshalText(b []byte) (err error) {
	*p, err = enumParse[Product]("Product", productNames, b)
	return err
}

// Method is a repayment method.
type Method uint8

// The repayment methods.
const (
	EqualInstalments Method = iota + 1 // 等额本息
	EqualPrincipal                     // 等额本金
	InterestOnly                       // 先息后本: interest monthly, principal at the end
)

var methodNames = []string{"", "equal_instalments", "equal_principal", "interest_only"}

// String returns "equal_instalments", "equal_principal" or "interest_only".
func (m Method) String() string { return enumName(methodNames, m) }

// MarshalText returns the name; it fails for the zero or an unknown value.
func (m Method) MarshalText() ([]byte, error) { return enumText("Method", methodNames, m) }

// UnmarshalText parses a name; unknown text is an *EnumError.
func (m *Method) UnmarshalText(b []byte) (err error) {
	*m, err = enumParse[Method]("Method", methodNames, b)
	return err
}

// RuleAction is what a policy rule does when it fires.
type RuleAction uint8

// The rule actions.
const (
	KnockOut RuleAction = iota + 1 // decline regardless of score
	Referral                       // send to a credit officer
)

var ruleActionNames = []string{"", "knock_out", "refer"}

// String returns "knock_out" or "refer".
func (a RuleAction) String() string { return enumName(ruleActionNames, a) }

// MarshalText returns the name; it fails for the zero or an unknown value.
func (a RuleAction) MarshalText() ([]byte, error) {
	return enumText("RuleAction", ruleActionNames, a)
}

// UnmarshalText parses a name; unknown text is an *EnumError.
func (a *RuleAction) UnmarshalText(b []byte) (err error) {
	*a, err = enumParse[RuleAction]("RuleAction", ruleActionNames, b)
	return err
}
