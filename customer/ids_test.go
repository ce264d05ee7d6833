package customer_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/customer/customertest"
)

const standardID = "11010519491231002X" // the example of GB 11643-1999

func TestParseResidentID(t *testing.T) {
	tests := []struct {
		name       string
		give       string
		wantErr    bool
		wantString string
		wantBirth  time.Time
		wantGender customer.Gender
		wantRegion string
	}{
		{name: "standard example", give: standardID, wantString: standardID,
			wantBirth: time.Date(1949, 12, 31, 0, 0, 0, 0, time.UTC), wantGender: customer.GenderFemale, wantRegion: "110105"},
		{name: "lower-case x normalised", give: "11010519491231002x", wantString: standardID,
			wantBirth: time.Date(1949, 12, 31, 0, 0, 0, 0, time.UTC), wantGender: customer.GenderFemale, wantRegion: "110105"},
		{name: "computed male", give: customertest.ResidentID("440305", time.Date(1988, 2, 29, 0, 0, 0, 0, time.UTC), 17),
			wantString: customertest.ResidentID("440305", time.Date(1988, 2, 29, 0, 0, 0, 0, time.UTC), 17),
			wantBirth:  time.Date(1988, 2, 29, 0, 0, 0, 0, time.UTC), wantGender: customer.GenderMale, wantRegion: "440305"},
		{name: "hong kong resident", give: customertest.ResidentID("810000", time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), 2),
			wantString: customertest.ResidentID("810000", time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), 2),
			wantBirth:  time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), wantGender: customer.GenderFemale, wantRegion: "810000"},
		{name: "empty", give: "", wantErr: true},
		{name: "17 characters", give: standardID[:17], wantErr: true},
		{name: "19 characters", give: standardID + "1", wantErr: true},
		{name: "letter inside", give: "1101051949123100AX", wantErr: true},
		{name: "wrong check", give: "110105194912310021", wantErr: true},
		{name: "15-digit old form", give: "110105491231002", wantErr: true},
		{name: "unknown province 99", give: customertest.ResidentID("990105", time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), 1), wantErr: true},
		{name: "unknown province 00", give: customertest.ResidentID("000105", time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), 1), wantErr: true},
		{name: "february 30", give: fixCheck("11010519900230001"), wantErr: true},
		{name: "february 29 non-leap", give: fixCheck("11010519000229001"), wantErr: true},
		{name: "month 13", give: fixCheck("11010519901301001"), wantErr: true},
		{name: "day 00", give: fixCheck("11010519900100001"), wantErr: true},
		{name: "before 1900", give: fixCheck("11010518991231001"), wantErr: true},
		{name: "non-ascii", give: "11010519491231002Ⅹ", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := customer.ParseResidentID(tt.give)
			if tt.wantErr {
				require.ErrorIs(t, err, customer.ErrBadResidentID)
				assert.True(t, got.IsZero())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantString, got.String())
			assert.Equal(t, tt.wantBirth, got.BirthDate())
			assert.Equal(t, tt.wantGender, got.Gender())
			assert.Equal(t, tt.wantRegion, got.Region())
		})
	}
}

// fixCheck appends the right MOD 11-2 check character to 17 digits.
func fixCheck(body string) string {
	full := customertest.ResidentID(body[:6], time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), 0)
	_ = full
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(body[i]-'0') * weights[i]
	}
	return body + string("10X98765432"[sum%11])
}

func TestParseResidentIDEverySingleChangeFails(t *testing.T) {
	const alphabet = "0123456789Xx"
	for pos := range len(standardID) {
		for _, c := range []byte(alphabet) {
			if c == standardID[pos] || pos == 17 && c == 'x' {
				continue
			}
			b := []byte(standardID)
			b[pos] = c
			_, err := customer.ParseResidentID(string(b))
			require.ErrorIs(t, err, customer.ErrBadResidentID, "%s (position %d)", b, pos+1)
		}
	}
}

func TestParseResidentIDMasksErrors(t *testing.T) {
	_, err := customer.ParseResidentID("110105194912310021")
	var pe *customer.ParseError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "110105********0021", pe.Value)
	assert.NotContains(t, err.Error(), "19491231")
}

func TestMaskID(t *testing.T) {
	tests := []struct {
		name string
		give string
		want string
	}{
		{"resident id", standardID, "110105********002X"},
		{"passport", "E12345678", "E1*****78"},
		{"short", "1234", "****"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, customer.MaskID(tt.give))
		})
	}
}

func TestParseUSCC(t *testing.T) {
	tests := []struct {
		name    string
		give    string
		wantErr bool
	}{
		{name: "published example 91350100M000100Y43", give: "91350100M000100Y43"},
		{name: "computed enterprise", give: customertest.CreditCode("91110108MA01ABCD1")},
		{name: "computed social group", give: customertest.CreditCode("51100000500000000")},
		{name: "computed authority Y", give: customertest.CreditCode("Y1440300MA5ABCDEF")},
		{name: "computed check 0", give: checkZero(t)},
		{name: "wrong check", give: "91350100M000100Y44", wantErr: true},
		{name: "lower case", give: "91350100m000100y43", wantErr: true},
		{name: "letter I", give: "91350100I000100Y43", wantErr: true},
		{name: "letter O", give: customertest.CreditCode("91350100O00010000"), wantErr: true},
		{name: "letter S", give: customertest.CreditCode("91350100S00010000"), wantErr: true},
		{name: "letter V", give: customertest.CreditCode("91350100V00010000"), wantErr: true},
		{name: "letter Z", give: customertest.CreditCode("91350100Z00010000"), wantErr: true},
		{name: "unknown authority B", give: customertest.CreditCode("B1350100M000100Y4"), wantErr: true},
		{name: "unknown authority 0", give: customertest.CreditCode("01350100M000100Y4"), wantErr: true},
		{name: "type 4 not valid for authority 9", give: customertest.CreditCode("94350100M000100Y4"), wantErr: true},
		{name: "type 9 not valid for authority Y", give: customertest.CreditCode("Y9350100M000100Y4"), wantErr: true},
		{name: "letter in division code", give: customertest.CreditCode("9135A100M000100Y4"), wantErr: true},
		{name: "17 characters", give: "91350100M000100Y4", wantErr: true},
		{name: "empty", give: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := customer.ParseUSCC(tt.give)
			if tt.wantErr {
				require.ErrorIs(t, err, customer.ErrBadUSCC)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.give, got.String())
		})
	}
}

// checkZero finds a code whose check character is 0, to cover the (31 - 0) mod 31 case.
func checkZero(t *testing.T) string {
	for i := range 1000 {
		c := customertest.CreditCode("91350100M000" + string(rune('0'+i/100%10)) + string(rune('0'+i/10%10)) + string(rune('0'+i%10)) + "00")
		if c[17] == '0' {
			return c
		}
	}
	t.Fatal("no code with check 0")
	return ""
}

// TestUSCCByHand recomputes the published example's check character from the standard's
// weights written out, independently of the package: 9 1 3 5 0 1 0 0 M(21) 0 0 0 1 0 0 Y(30) 4.
func TestUSCCByHand(t *testing.T) {
	values := []int{9, 1, 3, 5, 0, 1, 0, 0, 21, 0, 0, 0, 1, 0, 0, 30, 4}
	weights := []int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}
	sum := 0
	for i := range values {
		sum += values[i] * weights[i]
	}
	assert.Equal(t, 3, (31-sum%31)%31)
	assert.Equal(t, "91350100M000100Y43", customertest.CreditCode("91350100M000100Y4"))
}

func TestParseUSCCEverySingleChangeFails(t *testing.T) {
	const code = "91350100M000100Y43"
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	for pos := range len(code) {
		for _, c := range []byte(alphabet) {
			if c == code[pos] {
				continue
			}
			b := []byte(code)
			b[pos] = c
			_, err := customer.ParseUSCC(string(b))
			require.ErrorIs(t, err, customer.ErrBadUSCC, "%s (position %d)", b, pos+1)
		}
	}
}

var sampleNumbers = []struct {
	kind customer.Kind
	seq  uint64
}{
	{customer.KindIndividual, 1}, {customer.KindIndividual, 2}, {customer.KindIndividual, 12345},
	{customer.KindIndividual, 9_876_543_210}, {customer.KindIndividual, customer.MaxSequence},
	{customer.KindEnterprise, 1}, {customer.KindEnterprise, 1_000_000}, {customer.KindEnterprise, 1_234_567_890},
	{customer.KindEnterprise, 5_555_500_000}, {customer.KindIndividual, 1_010_101_010},
}

func TestNumberRoundTrip(t *testing.T) {
	for _, s := range sampleNumbers {
		n, err := customer.NewNumber(s.kind, s.seq)
		require.NoError(t, err)
		require.Len(t, n.String(), 12)
		got, err := customer.ParseNumber(n.String())
		require.NoError(t, err)
		assert.Equal(t, n, got)
		assert.Equal(t, s.kind, got.Kind())
		assert.Equal(t, s.seq, got.Sequence())
	}
	first, err := customer.NewNumber(customer.KindIndividual, 1)
	require.NoError(t, err)
	assert.Equal(t, "P0000000001", first.String()[:11])

	for _, bad := range []struct {
		kind customer.Kind
		seq  uint64
	}{{0, 1}, {customer.KindIndividual, 0}, {customer.KindIndividual, customer.MaxSequence + 1}, {9, 1}} {
		_, err := customer.NewNumber(bad.kind, bad.seq)
		require.ErrorIs(t, err, customer.ErrBadNumber)
	}
}

// TestNumberDetectsTypos checks, exhaustively on the sample numbers, that every single
// substitution by any printable ASCII character and every transposition of two adjacent
// different characters is refused.
func TestNumberDetectsTypos(t *testing.T) {
	for _, s := range sampleNumbers {
		n, err := customer.NewNumber(s.kind, s.seq)
		require.NoError(t, err)
		text := n.String()
		for pos := range len(text) {
			for c := byte(0x21); c < 0x7f; c++ {
				if c == text[pos] {
					continue
				}
				b := []byte(text)
				b[pos] = c
				_, err := customer.ParseNumber(string(b))
				require.ErrorIs(t, err, customer.ErrBadNumber, "substitution %s", b)
			}
			if pos+1 < len(text) && text[pos] != text[pos+1] {
				b := []byte(text)
				b[pos], b[pos+1] = b[pos+1], b[pos]
				_, err := customer.ParseNumber(string(b))
				require.ErrorIs(t, err, customer.ErrBadNumber, "transposition %s", b)
			}
		}
	}
}

// TestNumberDetectsTyposEverywhere checks the check-digit property over every body rather than
// samples: for all kinds and every value of the last four sequence digits (the others fixed),
// no single-digit substitution or adjacent transposition gives another valid number.
func TestNumberDetectsTyposEverywhere(t *testing.T) {
	if testing.Short() {
		t.Skip("exhaustive")
	}
	for _, kind := range []customer.Kind{customer.KindIndividual, customer.KindEnterprise} {
		for seq := uint64(1); seq < 10_000; seq++ {
			n, err := customer.NewNumber(kind, 7_300_000_000+seq)
			require.NoError(t, err)
			text := n.String()
			for pos := 1; pos < len(text); pos++ {
				for c := byte('0'); c <= '9'; c++ {
					if c == text[pos] {
						continue
					}
					b := []byte(text)
					b[pos] = c
					if _, err := customer.ParseNumber(string(b)); err == nil {
						t.Fatalf("substitution %s of %s accepted", b, text)
					}
				}
				if pos+1 < len(text) && text[pos] != text[pos+1] {
					b := []byte(text)
					b[pos], b[pos+1] = b[pos+1], b[pos]
					if _, err := customer.ParseNumber(string(b)); err == nil {
						t.Fatalf("transposition %s of %s accepted", b, text)
					}
				}
			}
		}
	}
}

func TestParseNumberRejects(t *testing.T) {
	tests := []struct {
		name string
		give string
	}{
		{"empty", ""},
		{"short", "P0000000001"},
		{"long", "P000000000133"},
		{"unknown prefix", "X00000000013"},
		{"lower-case prefix", "p00000000013"},
		{"zero sequence", "P00000000000"},
		{"letters", "P0000000A013"},
		{"unicode", "P0000000001３"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := customer.ParseNumber(tt.give)
			require.ErrorIs(t, err, customer.ErrBadNumber)
		})
	}
}

func TestCounter(t *testing.T) {
	var c customer.Counter
	a, err := c.Next(t.Context(), customer.KindIndividual)
	require.NoError(t, err)
	b, err := c.Next(t.Context(), customer.KindIndividual)
	require.NoError(t, err)
	e, err := c.Next(t.Context(), customer.KindEnterprise)
	require.NoError(t, err)
	assert.Equal(t, []uint64{1, 2, 1}, []uint64{a, b, e})
	_, err = c.Next(t.Context(), 0)
	require.ErrorIs(t, err, customer.ErrBadQuery)
}

func TestCursorRoundTrip(t *testing.T) {
	n, err := customer.NewNumber(customer.KindEnterprise, 77)
	require.NoError(t, err)
	give := customer.Cursor{Index: "name", Key: []byte{0, 1, 2, 255}, Number: n}
	got, err := customer.DecodeCursor(give.Encode())
	require.NoError(t, err)
	assert.Equal(t, give, got)

	for _, bad := range []string{"", "%%%", "AA", "AQVuYW1lAA", give.Encode()[:10], give.Encode() + "AA"} {
		_, err := customer.DecodeCursor(bad)
		require.ErrorIs(t, err, customer.ErrBadCursor, "%q", bad)
	}
}
