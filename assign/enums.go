package assign

import "fmt"

// CustomerKind is the kind of customer a case is for. The zero value is unset and rejected.
type CustomerKind int

// Customer kinds.
const (
	Individual CustomerKind = iota + 1 // a natural person (个人客户)
	Enterprise                         // a company (企业客户)
)

var kindNames = []string{"", "individual", "enterprise"}

// String returns the kind's text form ("individual", "enterprise").
func (k CustomerKind) String() string { return enumString(kindNames, int(k), "CustomerKind") }

// MarshalText encodes the kind as its text form; unset or unknown kinds are an error.
func (k CustomerKind) MarshalText() ([]byte, error) {
	return enumMarshal(kindNames, int(k), "customer kind")
}

// UnmarshalText decodes a kind from its text form; anything else is an error matching
// ErrInvalid.
func (k *CustomerKind) UnmarshalText(b []byte) error {
	v, err := enumUnmarshal(kindNames, string(b), "customer kind")
	*k = CustomerKind(v)
	return err
}

// Product is a loan product. Some products are non-standard and need an officer with the
// matching skill (see Rules.SkilledProducts). The zero value is unset and rejected.
type Product int

// Products.
const (
	Consumer        Product = iota + 1 // consumer loan
	Mortgage                           // residential mortgage
	WorkingCapital                     // business working-capital loan
	EquityPledge                       // loan secured by an equity pledge (股权质押)
	AssetAllocation                    // custom asset allocation (定制资产配置)
)

var productNames = []string{"", "consumer", "mortgage", "working_capital", "equity_pledge", "asset_allocation"}

// String returns the product's text form, e.g. "equity_pledge".
func (p Product) String() string { return enumString(productNames, int(p), "Product") }

// MarshalText encodes the product as its text form; unset or unknown products are an error.
func (p Product) MarshalText() ([]byte, error) { return enumMarshal(productNames, int(p), "product") }

// UnmarshalText decodes a product from its text form; anything else is an error matching
// ErrInvalid.
func (p *Product) UnmarshalText(b []byte) error {
	v, err := enumUnmarshal(productNames, string(b), "product")
	*p = Product(v)
	return err
}

// Rule names a hard eligibility rule. The zero value is unset and rejected.
type Rule int

// Hard rules, in the order they are checked and reported.
const (
	RuleRegion       Rule = iota + 1 // the officer covers the case's region (or a neighbour, if allowed)
	RuleCustomerKind                 // the officer serves the customer's kind
	RuleSkill                        // the officer has the skill a non-standard product needs
	RuleAuthority                    // the officer's authority limit is at least the amount
	RuleSeniority                    // the officer is senior enough for the amount and term
	RuleCapacity                     // the officer's load is below capacity
	RuleAvailability                 // the officer is not on leave on the assignment date
	RuleConflict                     // the officer is not linked to the customer
)

var ruleNames = []string{"", "region", "customer_kind", "skill", "authority", "seniority", "capacity", "availability", "conflict_of_interest"}

// AllRules returns every hard rule in check order, in a new slice.
func AllRules() []Rule {
	return []Rule{RuleRegion, RuleCustomerKind, RuleSkill, RuleAuthority, RuleSeniority, RuleCapacity, RuleAvailability, RuleConflict}
}

// String returns the rule's text form, e.g. "customer_kind".
func (r Rule) String() string { return enumString(ruleNames, int(r), "Rule") }

// MarshalText encodes the rule as its text form; unset or unknown rules are an error.
func (r Rule) MarshalText() ([]byte, error) { return enumMarshal(ruleNames, int(r), "rule") }

// UnmarshalText decodes a rule from its text form; anything else is an error matching
// ErrInvalid.
func (r *Rule) UnmarshalText(b []byte) error {
	v, err := enumUnmarshal(ruleNames, string(b), "rule")
	*r = Rule(v)
	return err
}

// Strategy says how Assign picks among the eligible officers. The zero value is unset;
// Config treats it as BestScore.
type Strategy int

// Strategies.
const (
	BestScore   Strategy = iota + 1 // highest soft score; ties by lower load, then ID
	LeastLoaded                     // lowest load/capacity; ties by higher score, then ID
	RoundRobin                      // next eligible officer by ID after the last one picked
)

var strategyNames = []string{"", "best_score", "least_loaded", "round_robin"}

// String returns the strategy's text form, e.g. "round_robin".
func (s Strategy) String() string { return enumString(strategyNames, int(s), "Strategy") }

// MarshalText encodes the strategy as its text form; unset or unknown values are an error.
func (s Strategy) MarshalText() ([]byte, error) {
	return enumMarshal(strategyNames, int(s), "strategy")
}

// UnmarshalText decodes a strategy from its text form; anything else is an error matching
// ErrInvalid.
func (s *Strategy) UnmarshalText(b []byte) error {
	v, err := enumUnmarshal(strategyNames, string(b), "strategy")
	*s = Strategy(v)
	return err
}

func enumString(names []string, v int, typ string) string {
	if v <= 0 || v >= len(names) {
		return fmt.Sprintf("%s(%d)", typ, v)
	}
	return names[v]
}

func enumMarshal(names []string, v int, what string) ([]byte, error) {
	if v <= 0 || v >= len(names) {
		return nil, fmt.Errorf("%w: %s %d is not set or unknown", ErrInvalid, what, v)
	}
	return []byte(names[v]), nil
}

func enumUnmarshal(names []string, s, what string) (int, error) {
	for i := 1; i < len(names); i++ {
		if names[i] == s {
			return i, nil
		}
	}
	return 0, fmt.Errorf("%w: unknown %s %q", ErrInvalid, what, s)
}
