package customertest

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/customer"
)

// ResidentID returns a valid 18-character resident identity number for a six-digit region
// code, a birth date and a three-digit sequence (odd for men, even for women), computing the
// ISO 7064 MOD 11-2 check character.
func ResidentID(region string, birth time.Time, seq int) string {
	body := fmt.Sprintf("%s%s%03d", region, birth.Format("20060102"), seq%1000)
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 17 && i < len(body); i++ {
		sum += int(body[i]-'0') * weights[i]
	}
	return body + string("10X98765432"[sum%11])
}

// CreditCode returns a valid unified social credit code from its first 17 characters,
// computing the GB 32100 check character.
func CreditCode(first17 string) string {
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	sum, w := 0, 1
	for i := 0; i < 17 && i < len(first17); i++ {
		sum += strings.IndexByte(alphabet, first17[i]) * w
		w = w * 3 % 31
	}
	return first17 + string(alphabet[(31-sum%31)%31])
}

// Person returns a valid individual customer with the given name, resident identity number,
// mobile, branch and officer; birth date and gender are taken from the identity number.
func Person(name, id, mobile, branch, officer string) customer.Customer {
	rid, err := customer.ParseResidentID(id)
	var birth time.Time
	var gender customer.Gender
	if err == nil {
		birth, gender = rid.BirthDate(), rid.Gender()
	}
	return customer.Customer{
		Kind:    customer.KindIndividual,
		Branch:  branch,
		Officer: officer,
		Individual: &customer.Individual{
			Name: name, Gender: gender, BirthDate: birth, Nationality: "CN",
			DocType: customer.DocResidentID, DocNumber: id, Mobile: mobile,
			Address: customer.Address{Province: "北京市", City: "北京市", District: "朝阳区", Street: "建国路1号", Postcode: "100022"},
		},
	}
}

// Company returns a valid enterprise customer with the given legal name and credit code.
func Company(name, code, branch, officer string) customer.Customer {
	return customer.Customer{
		Kind:    customer.KindEnterprise,
		Branch:  branch,
		Officer: officer,
		Enterprise: &customer.Enterprise{
			LegalName: name, CreditCode: code, LegalRep: "王五",
			RegisteredCapital: customer.Money{Amount: decimal.RequireFromString("10000000"), Currency: "CNY"},
			Industry:          customer.IndustryC,
			Established:       time.Date(2010, 5, 4, 0, 0, 0, 0, time.UTC),
			Address:           customer.Address{Province: "福建省", City: "福州市", Street: "五四路100号", Postcode: "350001"},
			ContactName:       "李四", ContactMobile: "13800000001",
		},
	}
}
