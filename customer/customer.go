package customer

import (
	"time"

	"github.com/shopspring/decimal"
)

// Customer is one record of the archive (客户档案): the common fields plus exactly one of
// Individual or Enterprise, matching Kind. Number, Status, Version, CreatedAt and UpdatedAt
// are set by the Store; a caller fills the rest. Customer is a plain value: copy it freely,
// but note that Tags and the pointers are shared by copies (use Clone for a deep copy).
type Customer struct {
	Number     Number      `json:"number"`
	Kind       Kind        `json:"kind" validate:"required,enum"`
	Branch     string      `json:"branch" validate:"required,max=32,code"`
	Officer    string      `json:"officer" validate:"required,max=64"`
	Tags       []string    `json:"tags,omitempty" validate:"max=32,dive,required,max=32"`
	Status     Status      `json:"status"`
	Version    int64       `json:"version"`
	CreatedAt  time.Time   `json:"created_at"`
	UpdatedAt  time.Time   `json:"updated_at"`
	Individual *Individual `json:"individual,omitempty"`
	Enterprise *Enterprise `json:"enterprise,omitempty"`
}

// Individual holds what is recorded about a natural person.
type Individual struct {
	Name        string    `json:"name" validate:"required,max=64"`
	Gender      Gender    `json:"gender" validate:"required,enum"`
	BirthDate   time.Time `json:"birth_date" validate:"required,notfuture"`
	Nationality string    `json:"nationality" validate:"required,iso3166_1_alpha2"` // ISO 3166-1 alpha-2, e.g. "CN"
	DocType     DocType   `json:"doc_type" validate:"required,enum"`
	DocNumber   string    `json:"doc_number" validate:"required,max=32"` // checked against DocType
	Mobile      string    `json:"mobile" validate:"required,cnmobile"`
	Email       string    `json:"email,omitempty" validate:"omitempty,max=254,email"`
	Address     Address   `json:"address"`
	Occupation  string    `json:"occupation,omitempty" validate:"max=64"`
	Employer    string    `json:"employer,omitempty" validate:"max=128"`
	Marital     Marital   `json:"marital,omitempty" validate:"omitempty,enum"`
	Education   Education `json:"education,omitempty" validate:"omitempty,enum"`
}

// Enterprise holds what is recorded about an organisation.
type Enterprise struct {
	LegalName         string    `json:"legal_name" validate:"required,max=128"`
	CreditCode        string    `json:"credit_code" validate:"required,uscc"`
	LegalRep          string    `json:"legal_rep" validate:"required,max=64"`
	RegisteredCapital Money     `json:"registered_capital"`
	Industry          Industry  `json:"industry" validate:"required,enum"`
	Established       time.Time `json:"established" validate:"required,notfuture"`
	Address           Address   `json:"address"`
	ContactName       string    `json:"contact_name" validate:"required,max=64"`
	ContactMobile     string    `json:"contact_mobile" validate:"required,cnmobile"`
}

// Money is an amount in a currency. Amount marshals to JSON as a string.
type Money struct {
	Amount   decimal.Decimal `json:"amount"` // non-negative, below 10^18, at most 4 decimals
	Currency string          `json:"currency" validate:"required,iso4217"`
}

// Address is a mainland postal address.
type Address struct {
	Province string `json:"province" validate:"required,max=32"`
	City     string `json:"city" validate:"required,max=32"`
	District string `json:"district" validate:"max=32"`
	Street   string `json:"street" validate:"required,max=128"`
	Postcode string `json:"postcode" validate:"required,postcode"`
}

// Name returns the individual's name or the enterprise's legal name; "" if neither is set.
func (c Customer) Name() string {
	switch {
	case c.Individual != nil:
		return c.Individual.Name
	case c.Enterprise != nil:
		return c.Enterprise.LegalName
	}
	return ""
}

// Clone returns a deep copy of c.
func (c Customer) Clone() Customer {
	if c.Tags != nil {
		c.Tags = append([]string(nil), c.Tags...)
	}
	if c.Individual != nil {
		v := *c.Individual
		c.Individual = &v
	}
	if c.Enterprise != nil {
		v := *c.Enterprise
		c.Enterprise = &v
	}
	return c
}

// HasTag reports whether c carries tag exactly.
func (c Customer) HasTag(tag string) bool {
	for _, t := range c.Tags {
		if t == tag {
			return true
		}
	}
	return false
}

// AgeOn returns an individual's age in whole years on day t, and false for an enterprise.
func (c Customer) AgeOn(t time.Time) (int, bool) {
	if c.Individual == nil {
		return 0, false
	}
	return age(c.Individual.BirthDate, t), true
}

func age(birth, t time.Time) int {
	y := t.Year() - birth.Year()
	if t.Month() < birth.Month() || (t.Month() == birth.Month() && t.Day() < birth.Day()) {
		y--
	}
	return y
}

// Contact is one entry of a customer's contact log.
type Contact struct {
	At      time.Time `json:"at"`
	Officer string    `json:"officer"`
	Channel Channel   `json:"channel"`
	Note    string    `json:"note"`
}

// Revision is one entry of a customer's version history: who made the change, when, and
// which JSON paths changed. Version 1 is the registration.
type Revision struct {
	Version int64     `json:"version"`
	At      time.Time `json:"at"`
	By      string    `json:"by"`
	Action  string    `json:"action"` // "register", "update" or "close"
	Changes []Change  `json:"changes,omitempty"`
}

// Change is one changed field in a Revision. Identity numbers are masked.
type Change struct {
	Path string `json:"path"`
	Old  string `json:"old"`
	New  string `json:"new"`
}
