package pii

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzOpen feeds arbitrary text to Open, as a tampered database would: it must fail with
// one of its three errors or open a value that Seal made, never panic.
func FuzzOpen(f *testing.F) {
	ring := testRing(f, testKey(1), testKey(2))
	f.Add(ring.Seal("13812345678", "a"), "a")
	f.Add(testRing(f, testKey(2)).Seal("11010519491231002X", "b"), "b")
	f.Add("v1.0123456789abcdef.AAAA", "")
	f.Add("v1..", "")
	f.Add("", "")
	f.Add("v1.0123456789abcdef."+strings.Repeat("A", 40), "x")
	f.Fuzz(func(t *testing.T, sealed, aad string) {
		plain, err := ring.Open(sealed, aad)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnknownKey) && !errors.Is(err, ErrDecrypt) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if sealed == "" {
			if plain != "" {
				t.Fatal("empty must open to empty")
			}
			return
		}
		if _, err := KeyID(sealed); err != nil {
			t.Fatalf("opened a value KeyID rejects: %v", err)
		}
	})
}

// FuzzSealRoundTrip checks Seal and Open are inverse for any text and associated data.
func FuzzSealRoundTrip(f *testing.F) {
	ring := testRing(f, testKey(3))
	f.Add("13812345678", "customers/C1/mobile")
	f.Add("\x00", "")
	f.Fuzz(func(t *testing.T, plain, aad string) {
		got, err := ring.Open(ring.Seal(plain, aad), aad)
		if err != nil || got != plain {
			t.Fatalf("round trip: %q, %v", got, err)
		}
	})
}

// FuzzParseKey feeds arbitrary text to the key parsers (the environment variable and the
// key file are read from outside): a key is 32 bytes or an ErrBadKey.
func FuzzParseKey(f *testing.F) {
	f.Add(EncodeKey(testKey(1)))
	f.Add(strings.Repeat("ab", 32))
	f.Add("# comment\n" + EncodeKey(testKey(2)))
	f.Add(strings.Repeat("=", 44))
	f.Fuzz(func(t *testing.T, s string) {
		if k, err := ParseKey(s); err == nil && len(k) != KeySize {
			t.Fatalf("%d bytes", len(k))
		} else if err != nil && !errors.Is(err, ErrBadKey) {
			t.Fatal(err)
		}
		if _, err := ParseKeys(s); err != nil && !errors.Is(err, ErrBadKey) {
			t.Fatal(err)
		}
		if keys, err := parseKeyFile(s); err == nil && len(keys) == 0 {
			t.Fatal("no keys and no error")
		} else if err != nil && !errors.Is(err, ErrBadKey) {
			t.Fatal(err)
		}
	})
}

// FuzzMask checks the masking functions on any text: no panic, "" stays "", and a value
// with anything to hide (and no '*' of its own) shows fewer of its characters than it has
// (the e-mail mask shows
// the first character of the local part and the domain, so it is checked for the rest).
func FuzzMask(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "13812345678", "+8613812345678", "a@b.c", "北京市朝阳区建国路88号", "\xff", "*", "+86"} {
		f.Add(s)
	}
	revealed := func(s string) int { return utf8.RuneCountInString(s) - strings.Count(s, "*") }
	f.Fuzz(func(t *testing.T, s string) {
		for name, mask := range map[string]func(string) string{
			"identity": MaskIdentity, "credit code": MaskCreditCode, "mobile": MaskMobile, "address": MaskAddress,
		} {
			in, got := s, mask(s)
			if name == "mobile" && strings.HasPrefix(s, "+86") {
				if !strings.HasPrefix(got, "+86") {
					t.Fatalf("mobile: prefix lost: %q", got)
				}
				in, got = s[3:], got[3:]
			}
			if in == "" && got != "" && name != "address" {
				t.Fatalf("%s: %q from empty", name, got)
			}
			if n := revealed(in); n > 0 && utf8.ValidString(in) && !strings.Contains(in, "*") && revealed(got) >= n {
				t.Fatalf("%s: %q shows all of %q", name, got, in)
			}
		}
		got := MaskEmail(s)
		if at := strings.LastIndexByte(s, '@'); at > 0 {
			r, _ := utf8.DecodeRuneInString(s)
			if want := string(r) + "***" + s[at:]; got != want {
				t.Fatalf("email: %q, want %q", got, want)
			}
		}
	})
}

// FuzzMaskJSON checks MaskJSON on any bytes: valid JSON in gives valid JSON out, anything
// else gives ErrJSON.
func FuzzMaskJSON(f *testing.F) {
	f.Add([]byte(`{"mobile":"13812345678","changes":[{"path":"a.email","old":"x@y.z","new":1}]}`))
	f.Add([]byte(`[1, 2.5e300, "x", null, {"street": ["a"]}]`))
	f.Add([]byte(`{"path": 1, "old": "a"}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		out, err := MaskJSON(doc, DefaultRules())
		if err != nil {
			if !errors.Is(err, ErrJSON) {
				t.Fatal(err)
			}
			return
		}
		if !json.Valid(out) {
			t.Fatalf("invalid output %q", out)
		}
	})
}
