package jsonstr_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/server/internal/jsonstr"
)

var strings_ = []string{
	"", "plain", `"quoted" \back\slash/`, "<script>&amp;</script>", "\x00\x01\x1f\x7f",
	"\b\f\n\r\t", "中文 ∞ (-∞, 0.2)", "\u2028\u2029", "bad \xff utf-8 \xe4\xb8", "\xed\xa0\x80 surrogate",
	"emoji 🙂 and \U0010FFFF",
}

// encodingJSON is what encoding/json writes for s, with or without HTML escaping.
func encodingJSON(t testing.TB, s string, escapeHTML bool) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(escapeHTML)
	require.NoError(t, enc.Encode(s))
	return string(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

func check(t testing.TB, s string) {
	for _, html := range []bool{true, false} {
		want := encodingJSON(t, s, html)
		require.Equal(t, want, string(jsonstr.AppendString(nil, s, html)), "%q html=%v", s, html)
		require.Equal(t, want, string(jsonstr.AppendString([]byte{}, []byte(s), html)), "%q html=%v", s, html)
		if r, size := utf8.DecodeRuneInString(s); size == len(s) && size > 0 && r != utf8.RuneError {
			got := append(jsonstr.AppendRune([]byte{'"'}, r, html), '"')
			require.Equal(t, want, string(got), "rune %U html=%v", r, html)
		}
	}
}

func TestAppendStringIsEncodingJSON(t *testing.T) {
	for _, s := range strings_ {
		check(t, s)
	}
	for r := rune(0); r < 0x3000; r++ { // every rune alone, ASCII, Latin, CJK and the separators
		check(t, string(r))
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range strings_ {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { check(t, s) })
}

func ExampleAppendString() {
	fmt.Println(string(jsonstr.AppendString(nil, "<a> & \"b\"\n", true)))
	fmt.Println(string(jsonstr.AppendString(nil, "<a> & \"b\"\n", false)))
	// Output:
	// "\u003ca\u003e \u0026 \"b\"\n"
	// "<a> & \"b\"\n"
}

func ExampleAppendRune() {
	fmt.Println(string(jsonstr.AppendRune(nil, '\u2028', false)), string(jsonstr.AppendRune(nil, '&', true)))
	// Output:
	// \u2028 \u0026
}
