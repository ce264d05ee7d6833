package pii

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMasks(t *testing.T) {
	tests := []struct {
		name string
		mask func(string) string
		give string
		want string
	}{
		{"identity", MaskIdentity, "11010519491231002X", "110105********002X"},
		{"identity 15", MaskIdentity, "110105491231002", "110105*****1002"},
		{"passport", MaskIdentity, "E12345678", "E******78"},
		{"identity tiny", MaskIdentity, "1234", "****"},
		{"identity empty", MaskIdentity, "", ""},
		{"mobile", MaskMobile, "13812345678", "138****5678"},
		{"mobile +86", MaskMobile, "+8613812345678", "+86138****5678"},
		{"mobile short", MaskMobile, "12345", "1**45"},
		{"mobile empty", MaskMobile, "", ""},
		{"email", MaskEmail, "zhang.san@example.com", "z***@example.com"},
		{"email chinese local", MaskEmail, "张三@例子.中国", "张***@例子.中国"},
		{"email one letter", MaskEmail, "z@example.com", "z***@example.com"},
		{"email no at", MaskEmail, "not-an-email", "n*********il"},
		{"email leading at", MaskEmail, "@example.com", "@*********om"},
		{"credit code", MaskCreditCode, "91350100M000100Y43", "913501********0Y43"},
		{"address", MaskAddress, "北京市朝阳区建国路88号3单元501室", "北京市朝阳区建国路****"},
		{"street", MaskAddress, "建国路88号", "建国路****"},
		{"address digits first", MaskAddress, "88号院", "****"},
		{"address no digits", MaskAddress, "朝阳区某某小区东门", "朝阳区某****"},
		{"english address", MaskAddress, "Flat 5, 10 Downing Street", "Flat****"},
		{"address empty", MaskAddress, "", ""},
		{"invalid utf-8", MaskIdentity, "\xff\xfe1234567890", "\ufffd\ufffd1234**7890"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.mask(tt.give))
		})
	}
}

func TestMaskJSON(t *testing.T) {
	doc := `{"number":"C0000012","individual":{"name":"张三","doc_number":"11010519491231002X","mobile":"13812345678",
		"email":"zhang.san@example.com","address":{"city":"北京市","street":"建国路88号3单元501室","postcode":"100022"}},
		"amount":12345.678901234567890,"tags":["vip"],
		"changes":[{"path":"individual.mobile","old":"13812345678","new":"13987654321"},{"path":"individual.occupation","old":"teacher","new":"doctor"}],
		"enterprise":null,"flag":true}`
	got, err := MaskJSON([]byte(doc), DefaultRules())
	require.NoError(t, err)
	s := string(got)
	for _, secret := range []string{"11010519491231002X", "13812345678", "13987654321", "zhang.san", "88号", "501"} {
		assert.NotContains(t, s, secret)
	}
	for _, kept := range []string{`"110105********002X"`, `"138****5678"`, `"139****4321"`, `"z***@example.com"`, `"建国路****"`,
		`"postcode":"100022"`, `"name":"张三"`, `12345.678901234567890`, `"old":"teacher"`, `"enterprise":null`, `"flag":true`} {
		assert.Contains(t, s, kept)
	}
	assert.False(t, strings.ContainsAny(s, "\n\t"), "compact")
	again, err := MaskJSON([]byte(doc), DefaultRules())
	require.NoError(t, err)
	assert.Equal(t, got, again, "deterministic")

	for _, bad := range []string{"", "{", `{"a":1} {"b":2}`, `{"a":}`, "nul"} {
		_, err := MaskJSON([]byte(bad), DefaultRules())
		require.ErrorIs(t, err, ErrJSON, bad)
	}
	scalar, err := MaskJSON([]byte(` "13812345678" `), DefaultRules())
	require.NoError(t, err)
	assert.Equal(t, `"13812345678"`, string(scalar), "a bare string has no member name")
}

func TestLastName(t *testing.T) {
	for give, want := range map[string]string{
		"individual.mobile": "mobile", "addresses[0].street": "street", "/individual/email": "email",
		"mobile": "mobile", "tags[3]": "tags", "": "",
	} {
		assert.Equal(t, want, lastName(give), give)
	}
}
