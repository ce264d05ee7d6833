package customer

import (
	"sync"
	"time"
	"unicode/utf8"

	"github.com/go-playground/validator/v10"
)

// The fast path of Validate. validator/v10 walks the struct tags by reflection, which costs
// several microseconds per customer even when everything is valid — the common case. The
// functions below decide, without reflection, whether the struct tags of Customer and its
// parts (see the `validate` tags in customer.go) all pass. They answer true only when every
// tag passes; Validate then skips validator/v10. On false, Validate runs validator/v10 as
// before, so the problems reported never depend on this code: it can only make a valid value
// cheaper to check, never change an answer. TestFastTagsMatchValidator checks both answers
// agree on many generated values, and TestFastPathKnowsEveryTag fails when a tag changes
// without this file following.

// maxRunes reports whether s has at most n runes (validator's max for strings).
func maxRunes(s string, n int) bool {
	return len(s) <= n || utf8.RuneCountInString(s) <= n
}

// reqMax is "required,max=n" on a string.
func reqMax(s string, n int) bool { return s != "" && maxRunes(s, n) }

// codeTables holds the ISO 3166-1 alpha-2 and ISO 4217 verdicts of validator/v10 for every
// string of two (three) upper-case ASCII letters, so the fast path answers exactly as the
// validator's own tables do. Other strings are left to the validator.
type codeTables struct {
	country  [26 * 26]bool
	currency [26 * 26 * 26]bool
}

var isoCodes = sync.OnceValue(func() *codeTables {
	v := validator.New()
	t := &codeTables{}
	var b [3]byte
	for i := range t.country {
		b[0], b[1] = 'A'+byte(i/26), 'A'+byte(i%26)
		t.country[i] = v.Var(string(b[:2]), "iso3166_1_alpha2") == nil
	}
	for i := range t.currency {
		b[0], b[1], b[2] = 'A'+byte(i/676), 'A'+byte(i/26%26), 'A'+byte(i%26)
		t.currency[i] = v.Var(string(b[:3]), "iso4217") == nil
	}
	return t
})

func upper(c byte) (int, bool) { return int(c - 'A'), c >= 'A' && c <= 'Z' }

// knownCountry reports whether s is an ISO 3166-1 alpha-2 code by validator/v10's table.
func knownCountry(s string) bool {
	if len(s) != 2 {
		return false
	}
	a, ok1 := upper(s[0])
	b, ok2 := upper(s[1])
	return ok1 && ok2 && isoCodes().country[a*26+b]
}

// knownCurrency reports whether s is an ISO 4217 code by validator/v10's table.
func knownCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	a, ok1 := upper(s[0])
	b, ok2 := upper(s[1])
	c, ok3 := upper(s[2])
	return ok1 && ok2 && ok3 && isoCodes().currency[a*676+b*26+c]
}

// notFuture is "required,notfuture" on a time: validator's required is reflect's IsZero,
// which for a time.Time means all of its fields zero.
func notFuture(t, now time.Time) bool { return t != (time.Time{}) && !t.After(now) }

// tagsPass reports whether validator/v10 would find no problem with the struct tags of c.
// A false answer means "let the validator look", not "invalid".
func (v *Validator) tagsPass(c *Customer) bool {
	if !c.Kind.Valid() || !reqMax(c.Branch, 32) || !isCode(c.Branch) || !reqMax(c.Officer, 64) || len(c.Tags) > 32 {
		return false
	}
	for _, t := range c.Tags {
		if !reqMax(t, 32) {
			return false
		}
	}
	var now time.Time
	if c.Individual != nil || c.Enterprise != nil {
		now = v.now()
	}
	if in := c.Individual; in != nil {
		if !reqMax(in.Name, 64) || !in.Gender.Valid() || !notFuture(in.BirthDate, now) ||
			!knownCountry(in.Nationality) || !in.DocType.Valid() || !reqMax(in.DocNumber, 32) ||
			!isMobile(in.Mobile) || !addressPasses(&in.Address) ||
			!maxRunes(in.Occupation, 64) || !maxRunes(in.Employer, 128) ||
			in.Marital != 0 && !in.Marital.Valid() || in.Education != 0 && !in.Education.Valid() {
			return false
		}
		if in.Email != "" && (!maxRunes(in.Email, 254) || v.v.Var(in.Email, "email") != nil) {
			return false
		}
	}
	if e := c.Enterprise; e != nil {
		if !reqMax(e.LegalName, 128) || !reqMax(e.LegalRep, 64) || !knownCurrency(e.RegisteredCapital.Currency) ||
			!e.Industry.Valid() || !notFuture(e.Established, now) || !addressPasses(&e.Address) ||
			!reqMax(e.ContactName, 64) || !isMobile(e.ContactMobile) {
			return false
		}
		if _, err := ParseUSCC(e.CreditCode); err != nil {
			return false
		}
	}
	return true
}

func addressPasses(a *Address) bool {
	return reqMax(a.Province, 32) && reqMax(a.City, 32) && maxRunes(a.District, 32) &&
		reqMax(a.Street, 128) && isPostcode(a.Postcode)
}
