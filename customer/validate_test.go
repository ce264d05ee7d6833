package customer_test

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/customer/customertest"
)

var fixedNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func newValidator(t testing.TB) *customer.Validator {
	v, err := customer.NewValidator(func() time.Time { return fixedNow })
	require.NoError(t, err)
	return v
}

func person() customer.Customer {
	return customertest.Person("张三", standardID, "13800000000", "BJ01", "o-1")
}

func company() customer.Customer {
	return customertest.Company("福州示例有限公司", "91350100M000100Y43", "FZ01", "o-1")
}

type problem struct{ Path, Rule string }

func TestValidate(t *testing.T) {
	future := customertest.ResidentID("110105", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), 11)
	tests := []struct {
		name string
		give func(c *customer.Customer)
		base func() customer.Customer
		want []problem
	}{
		{name: "valid individual", base: person, give: func(*customer.Customer) {}},
		{name: "valid enterprise", base: company, give: func(*customer.Customer) {}},
		{name: "mobile with +86", base: person, give: func(c *customer.Customer) { c.Individual.Mobile = "+8613912345678" }},
		{name: "lower-case x", base: person, give: func(c *customer.Customer) { c.Individual.DocNumber = "11010519491231002x" }},
		{name: "passport", base: person, give: func(c *customer.Customer) {
			c.Individual.DocType, c.Individual.DocNumber = customer.DocPassport, "E12345678"
		}},
		{name: "hong kong permit", base: person, give: func(c *customer.Customer) {
			c.Individual.DocType, c.Individual.DocNumber = customer.DocHKMacauPermit, "H12345678"
		}},
		{name: "taiwan permit", base: person, give: func(c *customer.Customer) {
			c.Individual.DocType, c.Individual.DocNumber = customer.DocTaiwanPermit, "12345678"
		}},
		{name: "every problem at once", base: person, give: func(c *customer.Customer) {
			c.Branch = ""
			c.Individual.Name = ""
			c.Individual.Mobile = "12800000000"
			c.Individual.Email = "not-an-email"
			c.Individual.Address.Postcode = "10002"
			c.Individual.Nationality = "China"
			c.Individual.Marital = 9
		}, want: []problem{
			{"branch", "required"}, {"individual.name", "required"}, {"individual.nationality", "iso3166_1_alpha2"},
			{"individual.mobile", "cnmobile"}, {"individual.email", "email"}, {"individual.address.postcode", "postcode"},
			{"individual.marital", "enum"},
		}},
		{name: "branch code with a space", base: person, give: func(c *customer.Customer) { c.Branch = "BJ 01" },
			want: []problem{{"branch", "code"}}},
		{name: "bad check character", base: person, give: func(c *customer.Customer) { c.Individual.DocNumber = "110105194912310021" },
			want: []problem{{"individual.doc_number", "residentid"}}},
		{name: "birth date and gender disagree", base: person, give: func(c *customer.Customer) {
			c.Individual.BirthDate = time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC)
			c.Individual.Gender = customer.GenderMale
		}, want: []problem{{"individual.birth_date", "idbirthdate"}, {"individual.gender", "idgender"}}},
		{name: "identity number born in the future", base: person, give: func(c *customer.Customer) {
			c.Individual.DocNumber = future
			c.Individual.BirthDate = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
			c.Individual.Gender = customer.GenderMale
		}, want: []problem{{"individual.birth_date", "notfuture"}, {"individual.doc_number", "notfuture"}}},
		{name: "bad passport", base: person, give: func(c *customer.Customer) {
			c.Individual.DocType, c.Individual.DocNumber = customer.DocPassport, "e-1"
		}, want: []problem{{"individual.doc_number", "passport"}}},
		{name: "bad permits", base: person, give: func(c *customer.Customer) {
			c.Individual.DocType, c.Individual.DocNumber = customer.DocHKMacauPermit, "X12345678"
		}, want: []problem{{"individual.doc_number", "hkmopermit"}}},
		{name: "bad taiwan permit", base: person, give: func(c *customer.Customer) {
			c.Individual.DocType, c.Individual.DocNumber = customer.DocTaiwanPermit, "1234567"
		}, want: []problem{{"individual.doc_number", "twpermit"}}},
		{name: "unset kind and document type", base: person, give: func(c *customer.Customer) {
			c.Kind = 0
			c.Individual.DocType = 0
		}, want: []problem{{"kind", "required"}, {"individual.doc_type", "required"}}},
		{name: "kind without payload", base: person, give: func(c *customer.Customer) { c.Kind = customer.KindEnterprise },
			want: []problem{{"enterprise", "required"}, {"individual", "excluded"}}},
		{name: "enterprise problems", base: company, give: func(c *customer.Customer) {
			c.Enterprise.CreditCode = "91350100M000100Y44"
			c.Enterprise.RegisteredCapital = customer.Money{Amount: decimal.RequireFromString("-1"), Currency: "XXQ"}
			c.Enterprise.Established = fixedNow.AddDate(0, 0, 1)
			c.Enterprise.ContactMobile = "+85212345678"
			c.Enterprise.Industry = 0
			c.Tags = []string{""}
		}, want: []problem{
			{"tags[0]", "required"}, {"enterprise.credit_code", "uscc"}, {"enterprise.registered_capital.amount", "nonneg"},
			{"enterprise.registered_capital.currency", "iso4217"}, {"enterprise.industry", "required"},
			{"enterprise.established", "notfuture"}, {"enterprise.contact_mobile", "cnmobile"},
		}},
	}
	v := newValidator(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.base()
			tt.give(&c)
			err := v.Validate(c)
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, customer.ErrInvalid)
			var ve *customer.ValidationError
			require.ErrorAs(t, err, &ve)
			got := make([]problem, len(ve.Problems))
			for i, p := range ve.Problems {
				got[i] = problem{p.Path, p.Rule}
				assert.NotEmpty(t, p.Message)
				assert.NotEmpty(t, p.MessageZH)
				assert.NotEqual(t, p.Message, p.MessageZH)
			}
			assert.ElementsMatch(t, tt.want, got)
		})
	}
}

func TestValidateMessagesAndMasking(t *testing.T) {
	v := newValidator(t)
	c := person()
	c.Individual.DocNumber = "110105194912310021"
	c.Individual.Address.Postcode = ""
	err := v.Validate(c)
	var ve *customer.ValidationError
	require.ErrorAs(t, err, &ve)
	require.Len(t, ve.Problems, 2)
	assert.Equal(t, customer.Problem{Path: "individual.address.postcode", Rule: "required",
		Message: "postcode is a required field", MessageZH: "postcode为必填字段"}, ve.Problems[0])
	assert.Equal(t, customer.Problem{Path: "individual.doc_number", Rule: "residentid", Value: "110105********0021",
		Message:   "doc_number must be a valid resident identity number (GB 11643)",
		MessageZH: "doc_number必须是有效的居民身份号码"}, ve.Problems[1])
	assert.NotContains(t, err.Error(), "19491231")
}

func TestValidateContact(t *testing.T) {
	v := newValidator(t)
	require.NoError(t, v.ValidateContact(customer.Contact{At: fixedNow, Officer: "o-1", Channel: customer.ChannelVisit}))
	err := v.ValidateContact(customer.Contact{At: fixedNow.Add(time.Hour), Channel: 7, Note: string(make([]byte, 2001))})
	var ve *customer.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Len(t, ve.Problems, 4)
}

func TestEnums(t *testing.T) {
	for _, g := range []customer.Gender{customer.GenderMale, customer.GenderFemale} {
		b, err := g.MarshalText()
		require.NoError(t, err)
		var back customer.Gender
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, g, back)
	}
	_, err := customer.Gender(9).MarshalText()
	require.ErrorIs(t, err, customer.ErrUnknownValue)
	unset, err := customer.Gender(0).MarshalText()
	require.NoError(t, err)
	assert.Empty(t, unset)
	var g customer.Gender = customer.GenderMale
	require.NoError(t, g.UnmarshalText(nil))
	assert.Equal(t, customer.Gender(0), g)
	var k customer.Kind
	require.ErrorIs(t, k.UnmarshalText([]byte("robot")), customer.ErrUnknownValue)
	assert.Equal(t, "Kind(0)", k.String())
	var in customer.Industry
	require.NoError(t, in.UnmarshalText([]byte("J")))
	assert.Equal(t, customer.IndustryJ, in)
}

func TestValidateMoney(t *testing.T) {
	tests := []struct {
		name string
		give string
		want string // rule, "" for valid
	}{
		{"zero", "0", ""},
		{"cents", "5000000.00", ""},
		{"four decimals", "1.2345", ""},
		{"trailing zeros beyond four", "1.230000", ""},
		{"negative", "-0.01", "nonneg"},
		{"five decimals", "1.23456", "money"},
		{"too large", "1000000000000000000", "money"},
		{"huge exponent", "1e999999999", "money"},
		{"tiny exponent", "1e-999999999", "money"},
		{"zero with exponent", "0e5", ""},
		// A zero too: formatting it (to store or show it) would build 10^999999999.
		{"zero with huge exponent", "0e999999999", "money"},
		{"zero with tiny exponent", "0e-999999999", "money"},
	}
	v := newValidator(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := company()
			c.Enterprise.RegisteredCapital.Amount = decimal.RequireFromString(tt.give)
			err := v.Validate(c)
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			var ve *customer.ValidationError
			require.ErrorAs(t, err, &ve)
			require.Len(t, ve.Problems, 1)
			assert.Equal(t, problem{"enterprise.registered_capital.amount", tt.want}, problem{ve.Problems[0].Path, ve.Problems[0].Rule})
		})
	}
}
