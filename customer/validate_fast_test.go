package customer_test

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/customer"
)

// TestFastTagsMatchValidator draws customers from pools of valid, borderline and invalid field
// values and checks that the reflection-free fast path of Validate and validator/v10 agree on
// every one: the fast path never passes what the validator refuses (it would hide a problem),
// and it passes what the validator passes (else it would be no faster).
func TestFastTagsMatchValidator(t *testing.T) {
	v := newValidator(t)
	rng := rand.New(rand.NewPCG(7, 11))
	pick := func(xs []string) string { return xs[rng.IntN(len(xs))] }
	runes := func(r string, n int) string { return strings.Repeat(r, n) }
	codes := []string{"", "BJ01", "bj-0_1", "BJ 01", "北京", runes("A", 32), runes("A", 33)}
	short := []string{"", "o-1", "张三", runes("张", 64), runes("张", 65), runes("a", 64), runes("a", 65)}
	long := []string{"", "x", runes("张", 128), runes("张", 129), runes("b", 128), runes("b", 129)}
	address := []string{"", "北京市", runes("省", 32), runes("省", 33)}
	countries := []string{"", "CN", "cn", "US", "XX", "ZZ", "C", "CHN", "HK", "TW"}
	currencies := []string{"", "CNY", "cny", "USD", "XXX", "ZZZ", "CN", "EURO"}
	mobiles := []string{"", "13800000000", "+8613800000000", "12800000000", "1380000000", "+85212345678"}
	postcodes := []string{"", "100022", "10002", "10002a", "1000222"}
	emails := []string{"", "a@b.co", "bad", "a@b", "x@例子.中国", "<a@b.co>", runes("a", 250) + "@b.co"}
	docs := []string{"", standardID, "11010519491231002x", "E12345678", runes("1", 32), runes("1", 33)}
	uscc := []string{"", "91350100M000100Y43", "91350100M000100Y44", "9135010OM000100Y43"}
	loc := time.FixedZone("X", 3600)
	times := []time.Time{{}, time.Date(1980, 1, 2, 0, 0, 0, 0, time.UTC), fixedNow, fixedNow.Add(time.Second),
		fixedNow.AddDate(1, 0, 0), time.Time{}.In(loc)}
	tags := [][]string{nil, {}, {"vip"}, {""}, {runes("标", 32)}, {runes("标", 33)}, make([]string, 33)}
	for i := range tags[6] {
		tags[6][i] = "t"
	}
	agree, passed := 0, 0
	for range 30000 {
		var c customer.Customer
		if rng.IntN(2) == 0 {
			c = person()
		} else {
			c = company()
		}
		for range rng.IntN(4) {
			switch rng.IntN(12) {
			case 0:
				c.Kind = customer.Kind(rng.IntN(4))
			case 1:
				c.Branch = pick(codes)
			case 2:
				c.Officer = pick(short)
			case 3:
				c.Tags = tags[rng.IntN(len(tags))]
			case 4:
				switch rng.IntN(8) { // a missing or a second payload
				case 0:
					c.Individual = nil
				case 1:
					c.Enterprise = nil
				case 2:
					c.Individual, c.Enterprise = person().Individual, company().Enterprise
				}
			}
			if in := c.Individual; in != nil {
				switch rng.IntN(18) {
				case 0:
					in.Name = pick(short)
				case 1:
					in.Gender = customer.Gender(rng.IntN(4))
				case 2:
					in.BirthDate = times[rng.IntN(len(times))]
				case 3:
					in.Nationality = pick(countries)
				case 4:
					in.DocType = customer.DocType(rng.IntN(7))
				case 5:
					in.DocNumber = pick(docs)
				case 6:
					in.Mobile = pick(mobiles)
				case 7:
					in.Email = pick(emails)
				case 8:
					in.Address.Province = pick(address)
				case 9:
					in.Address.City = pick(address)
				case 10:
					in.Address.District = pick(address)
				case 11:
					in.Address.Street = pick(long)
				case 12:
					in.Address.Postcode = pick(postcodes)
				case 13:
					in.Occupation = pick(short)
				case 14:
					in.Employer = pick(long)
				case 15:
					in.Marital = customer.Marital(rng.IntN(9))
				case 16:
					in.Education = customer.Education(rng.IntN(12))
				}
			}
			if e := c.Enterprise; e != nil {
				switch rng.IntN(12) {
				case 0:
					e.LegalName = pick(long)
				case 1:
					e.CreditCode = pick(uscc)
				case 2:
					e.LegalRep = pick(short)
				case 3:
					e.RegisteredCapital.Currency = pick(currencies)
				case 4:
					e.Industry = customer.Industry(rng.IntN(25))
				case 5:
					e.Established = times[rng.IntN(len(times))]
				case 6:
					e.Address.Postcode = pick(postcodes)
				case 7:
					e.ContactName = pick(short)
				case 8:
					e.ContactMobile = pick(mobiles)
				case 9:
					e.Address.Street = pick(long)
				}
			}
		}
		fast, slow := v.FastTagsPass(c), v.ReflectTagsPass(c)
		if !assert.Equal(t, slow, fast, "fast path and validator disagree on %+v %+v %+v", c, c.Individual, c.Enterprise) {
			return
		}
		agree++
		if fast {
			passed++
		}
	}
	// Both verdicts must be well represented, or the test proves little.
	assert.Greater(t, passed, agree/10)
	assert.Less(t, passed, agree*9/10)
}

// TestFastPathKnowsEveryTag lists the validate tags the fast path in validate_fast.go
// implements. A tag added, removed or changed on the customer types fails it: update the
// fast path (tagsPass) and this list together.
func TestFastPathKnowsEveryTag(t *testing.T) {
	want := map[string]string{
		"Customer.Kind": "required,enum", "Customer.Branch": "required,max=32,code",
		"Customer.Officer": "required,max=64", "Customer.Tags": "max=32,dive,required,max=32",
		"Individual.Name": "required,max=64", "Individual.Gender": "required,enum",
		"Individual.BirthDate": "required,notfuture", "Individual.Nationality": "required,iso3166_1_alpha2",
		"Individual.DocType": "required,enum", "Individual.DocNumber": "required,max=32",
		"Individual.Mobile": "required,cnmobile", "Individual.Email": "omitempty,max=254,email",
		"Individual.Occupation": "max=64", "Individual.Employer": "max=128",
		"Individual.Marital": "omitempty,enum", "Individual.Education": "omitempty,enum",
		"Enterprise.LegalName": "required,max=128", "Enterprise.CreditCode": "required,uscc",
		"Enterprise.LegalRep": "required,max=64", "Enterprise.Industry": "required,enum",
		"Enterprise.Established": "required,notfuture", "Enterprise.ContactName": "required,max=64",
		"Enterprise.ContactMobile": "required,cnmobile", "Money.Currency": "required,iso4217",
		"Address.Province": "required,max=32", "Address.City": "required,max=32", "Address.District": "max=32",
		"Address.Street": "required,max=128", "Address.Postcode": "required,postcode",
	}
	got := map[string]string{}
	for _, typ := range []reflect.Type{reflect.TypeFor[customer.Customer](), reflect.TypeFor[customer.Individual](),
		reflect.TypeFor[customer.Enterprise](), reflect.TypeFor[customer.Money](), reflect.TypeFor[customer.Address]()} {
		for f := range typ.Fields() {
			if tag, ok := f.Tag.Lookup("validate"); ok {
				got[typ.Name()+"."+f.Name] = tag
			}
		}
	}
	require.Equal(t, want, got)
}
