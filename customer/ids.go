package customer

import (
	"strings"
	"time"
)

// ResidentID is a parsed 18-character resident identity number (居民身份号码, GB 11643-1999).
// The zero value is unset; its String is "". ResidentID is an immutable value.
type ResidentID struct {
	s string // normalised: upper-case X
}

// provinces holds the two-digit province-level codes of GB/T 2260 in use in identity
// numbers, including 71 (Taiwan), 81 (Hong Kong), 82 (Macau) and 83 (Taiwan residence permits).
var provinces = [100]bool{
	11: true, 12: true, 13: true, 14: true, 15: true,
	21: true, 22: true, 23: true,
	31: true, 32: true, 33: true, 34: true, 35: true, 36: true, 37: true,
	41: true, 42: true, 43: true, 44: true, 45: true, 46: true,
	50: true, 51: true, 52: true, 53: true, 54: true,
	61: true, 62: true, 63: true, 64: true, 65: true,
	71: true, 81: true, 82: true, 83: true,
}

// residentWeights are 2^(17-i) mod 11 for positions 1..17 (ISO 7064 MOD 11-2).
var residentWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const residentCheck = "10X98765432"

// minBirthYear is the earliest birth year accepted in a resident identity number.
const minBirthYear = 1900

// ParseResidentID parses an 18-character resident identity number: 17 digits and an
// ISO 7064 MOD 11-2 check character (0–9 or X; a lower-case x is accepted and normalised).
// The first two digits must be a province code in use, and digits 7–14 a real calendar date
// from 1900 on. ParseResidentID has no clock, so it cannot refuse a birth date in the future;
// Validator does that. Errors are *ParseError wrapping ErrBadResidentID, with the value masked.
func ParseResidentID(s string) (ResidentID, error) {
	bad := func(reason string) (ResidentID, error) {
		return ResidentID{}, &ParseError{Value: MaskID(s), Reason: reason, Err: ErrBadResidentID}
	}
	if len(s) != 18 {
		return bad("must be 18 characters")
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return bad("first 17 characters must be digits")
		}
		sum += int(c-'0') * residentWeights[i]
	}
	last := s[17]
	if last == 'x' {
		last = 'X'
	}
	if last != residentCheck[sum%11] {
		return bad("check character mismatch")
	}
	if !provinces[int(s[0]-'0')*10+int(s[1]-'0')] {
		return bad("unknown province code")
	}
	y, m, d := atoi(s[6:10]), atoi(s[10:12]), atoi(s[12:14])
	if y < minBirthYear || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return bad("birth date is not a real date")
	}
	if s[17] == 'x' {
		s = s[:17] + "X"
	}
	return ResidentID{s: s}, nil
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func daysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// String returns the normalised number, or "" for the zero value.
func (r ResidentID) String() string { return r.s }

// IsZero reports whether r is the zero value.
func (r ResidentID) IsZero() bool { return r.s == "" }

// Masked returns the number with the birth date and sequence hidden: 110105********002X.
func (r ResidentID) Masked() string { return MaskID(r.s) }

// BirthDate returns the date of birth encoded in digits 7–14, at midnight UTC.
// It returns the zero time for the zero value.
func (r ResidentID) BirthDate() time.Time {
	if r.s == "" {
		return time.Time{}
	}
	return time.Date(atoi(r.s[6:10]), time.Month(atoi(r.s[10:12])), atoi(r.s[12:14]), 0, 0, 0, 0, time.UTC)
}

// Gender returns the gender encoded in the 17th digit: odd is male, even is female.
// It returns 0 (unset) for the zero value.
func (r ResidentID) Gender() Gender {
	if r.s == "" {
		return 0
	}
	if (r.s[16]-'0')%2 == 1 {
		return GenderMale
	}
	return GenderFemale
}

// Region returns the six-digit administrative division code (GB/T 2260) of the first six
// digits, e.g. "110105". It returns "" for the zero value.
func (r ResidentID) Region() string {
	if r.s == "" {
		return ""
	}
	return r.s[:6]
}

// MaskID hides the middle of an identity document number for logs and error values: an
// 18-character number keeps its first 6 and last 4 characters (110105********002X), shorter
// ones keep 2 and 2, and anything of 4 characters or fewer is hidden entirely.
func MaskID(s string) string {
	n := len(s)
	switch {
	case n == 18:
		return s[:6] + strings.Repeat("*", 8) + s[14:]
	case n > 4 && n <= 64:
		return s[:2] + strings.Repeat("*", n-4) + s[n-2:]
	case n > 64:
		return s[:2] + "****" + s[n-2:]
	default:
		return strings.Repeat("*", n)
	}
}

// USCC is a parsed unified social credit code (统一社会信用代码, GB 32100-2015).
// The zero value is unset. USCC is an immutable value.
type USCC struct {
	s string
}

// usccAlphabet is the 31-character alphabet of GB 32100: digits and upper-case letters
// without I, O, S, V and Z. A character's value is its index.
const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccWeights are 3^(i) mod 31 for positions 1..17.
var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// usccTypes maps each registration-authority code (first character) to its valid
// organisation-type codes (second character), per GB 32100-2015 appendix A.
var usccTypes = map[byte]string{
	'1': "1239", // 机构编制: 机关, 事业单位, 中央编办直管群众团体, 其他
	'2': "19",   // 外交
	'3': "123459",
	'4': "19",
	'5': "1239", // 民政: 社会团体, 民办非企业单位, 基金会, 其他
	'6': "129",
	'7': "129",
	'8': "19",
	'9': "123", // 工商: 企业, 个体工商户, 农民专业合作社
	'A': "19",
	'N': "1239",
	'Y': "1",
}

func usccValue(c byte) int {
	return strings.IndexByte(usccAlphabet, c)
}

// ParseUSCC parses an 18-character unified social credit code: a registration-authority
// code, an organisation-type code valid for that authority, a six-digit administrative
// division code, a nine-character organisation code and a MOD 31 check character, all from
// the 31-character alphabet 0-9 A-H J-N P-R T U W-Y. Lower case is not accepted.
// Errors are *ParseError wrapping ErrBadUSCC.
func ParseUSCC(s string) (USCC, error) {
	bad := func(reason string) (USCC, error) {
		v := s
		if len(v) > 64 {
			v = v[:64] + "…"
		}
		return USCC{}, &ParseError{Value: v, Reason: reason, Err: ErrBadUSCC}
	}
	if len(s) != 18 {
		return bad("must be 18 characters")
	}
	sum := 0
	for i := 0; i < 18; i++ {
		if usccValue(s[i]) < 0 {
			return bad("character outside the GB 32100 alphabet")
		}
		if i < 17 {
			sum += usccValue(s[i]) * usccWeights[i]
		}
	}
	types, ok := usccTypes[s[0]]
	if !ok {
		return bad("unknown registration-authority code")
	}
	if strings.IndexByte(types, s[1]) < 0 {
		return bad("organisation-type code not valid for the registration authority")
	}
	for i := 2; i < 8; i++ {
		if s[i] < '0' || s[i] > '9' {
			return bad("administrative division code must be digits")
		}
	}
	if usccValue(s[17]) != (31-sum%31)%31 {
		return bad("check character mismatch")
	}
	return USCC{s: s}, nil
}

// String returns the code, or "" for the zero value.
func (u USCC) String() string { return u.s }

// IsZero reports whether u is the zero value.
func (u USCC) IsZero() bool { return u.s == "" }

// Authority returns the registration-authority code (first character), e.g. '9' for
// market regulation. It returns 0 for the zero value.
func (u USCC) Authority() byte {
	if u.s == "" {
		return 0
	}
	return u.s[0]
}

// Region returns the six-digit administrative division code (characters 3–8).
func (u USCC) Region() string {
	if u.s == "" {
		return ""
	}
	return u.s[2:8]
}
