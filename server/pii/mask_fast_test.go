package pii

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// oddRules exercise what DefaultRules do not: a rule on "path" (read before the change
// object is masked), on "old", on the empty name, a nil rule, a name that needs escaping,
// and rules whose output encoding/json must escape (invalid UTF-8, control characters,
// quotes, U+2028).
func oddRules() Rules {
	return Rules{
		"path":   func(s string) string { return strings.ReplaceAll(s, "X", "a") },
		"old":    func(s string) string { return "O" + s },
		"a":      func(s string) string { return s + "\xff\x00\x1f\t\"\\<>&\u2028\u2029\x7f" },
		"":       func(s string) string { return "empty:" + s },
		"b":      nil,
		"é\n":    func(s string) string { return strings.ToUpper(s) },
		"mobile": MaskMobile,
	}
}

// maskRuleSets are the rules the differential tests try each document with.
var maskRuleSets = []struct {
	name  string
	rules func() Rules
}{
	{"default", DefaultRules},
	{"odd", oddRules},
	{"none", func() Rules { return nil }},
}

// checkMatchesReference fails t unless MaskJSON and maskJSONReference agree on doc with
// rules: the same bytes, or both an ErrJSON.
func checkMatchesReference(t *testing.T, doc []byte, rules Rules) {
	t.Helper()
	in := bytes.Clone(doc)
	want, wantErr := maskJSONReference(bytes.Clone(doc), rules)
	got, gotErr := MaskJSON(doc, rules)
	if !bytes.Equal(in, doc) {
		t.Fatalf("MaskJSON changed its input %q to %q", in, doc)
	}
	if (gotErr != nil) != (wantErr != nil) {
		t.Fatalf("doc %q: error %v, reference error %v", doc, gotErr, wantErr)
	}
	if gotErr != nil {
		if !errors.Is(gotErr, ErrJSON) {
			t.Fatalf("doc %q: error %v is not ErrJSON", doc, gotErr)
		}
		return
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("doc %q:\n got %q\nwant %q", doc, got, want)
	}
}

// maskSeeds are tricky documents for the table test and the fuzz corpus.
var maskSeeds = []string{
	benchCustomerDoc,
	benchRevisionDoc,
	`{"mobile":"13812345678","changes":[{"path":"a.email","old":"x@y.z","new":1}]}`,
	`[1, 2.5e300, "x", null, {"street": ["a"]}]`,
	`{"path": 1, "old": "a"}`,
	// duplicate names: the last wins, whatever its kind
	`{"a":1,"a":2}`,
	`{"mobile":"13812345678","mobile":"13987654321"}`,
	`{"mobile":"13812345678","mobile":{"x":"13812345678"}}`,
	`{"mobile":{"x":1},"mobile":"13812345678"}`,
	`{"path":"x.mobile","old":"13812345678","path":7}`,
	`{"path":7,"old":"13812345678","path":"x.mobile"}`,
	`{"path":"x.mobile","old":"13812345678","old":"13987654321","new":null}`,
	`{"\u0061":1,"a":2,"\u0061":3}`,
	`{"\ud800":1,"\ufffd":2,"` + "\xff" + `":3}`,
	`{"é":1,"\u00e9":2,"e\u0301":3}`,
	// escapes, unicode and invalid UTF-8
	`"\u00e9\u2028\u2029\ud83d\ude00\ud800\udc00\ud800x\udc00\ud800\ud800\"\\\/\b\f\n\r\t\u0000\u001f\u007f<>&"`,
	"\"\xff\xfe\xed\xa0\x80\xe2\x80\xa8\xe2\x80\xa9\xef\xbf\xbd\xc3\"",
	"{\"email\":\"\xffa@b.c\",\"street\":\"\\u5efa\\u56fd\\u8def88\\u53f7\",\"x\\u2028\":\"\\\"\"}",
	`{"mobile":"\u0031\u0033\u0038\u0031\u0032\u0033\u0034\u0035\u0036\u0037\u0038"}`,
	`{"mob\u0069le":"13812345678","MOBILE":"13812345678"}`,
	// numbers keep their text
	`[1e5,1E+5,-0,0,1.50,-1.0e-0,123456789012345678901234567890,0.000001,1e400,-1e-400]`,
	`{"n":-0.0E-00}`,
	// empty containers, scalars, nesting
	`{}`, `[]`, `[{}]`, `{"a":[]}`, `[[],[[]],{"a":{}}]`,
	`null`, `true`, `false`, `0`, `-1.5`, `"x"`, ` "13812345678" `, "\t\n\r 1 \r\n\t",
	`[[[[[[[[[[{"mobile":"13812345678","a":[[{"email":"a@b.c"}]]}]]]]]]]]]]`,
	// change objects
	`{"path":"individual.mobile","old":"13812345678","new":"13987654321"}`,
	`{"path":"/individual/email","old":{"x":"a@b.c"},"new":["a@b.c"]}`,
	`{"path":"addresses[0].street","old":"建国路88号","new":null}`,
	`{"path":"x.","old":"o","new":"n"}`,
	`{"path":"X","old":"o","new":"n"}`,
	`{"path":"mobile","old":"13812345678","new":13987654321}`,
	`{"path":"a.email","old":"a@b.c","new":"d@e.f","email":"g@h.i","path":"a.mobile"}`,
	`[{"path":"mobile","old":"13812345678"},{"path":"b","old":"x","new":"y"},{"path":"a","a":"q","old":"r"}]`,
	`{"a":"x","b":"y","":"z","é\n":"w","é\\n":"v","old":"o","path":"b.a","new":"n"}`,
	`{"a":["x",{"a":"y"}],"b":{"a":"z"}}`,
	// sorting is byte-wise on the decoded name
	`{"b":1,"a":2,"B":3,"é":4,"z":5,"":6,"aa":7,"a\u0000":8,"~":9,"\u007f":10}`,
	// not one JSON value
	``, ` `, `{`, `}`, `[`, `]`, `{"a":1} {"b":2}`, `{"a":}`, `nul`, `tru`, `nulll`, `[1,]`, `{"a":1,}`,
	`{,}`, `[,1]`, `{"a" 1}`, `{a:1}`, `{'a':1}`, `[1 2]`, `01`, `-`, `-a`, `1.`, `.5`, `1e`, `1e+`,
	`+1`, `0x10`, `NaN`, `Infinity`, `1 2`, `"a" "b"`, `"abc`, `"\x"`, `"\u12"`, `"\u12g4"`, "\"\x01\"",
	"\"a\nb\"", `"\'"`, "\xef\xbb\xbf{}", "{}\x00", `[1]]`, `{"a":1}}`, `"\`, `{"a"`, `{"a":`,
	`{"a":1`, `[1`, `[1,`, `[]x`, `truefalse`, `[true false]`, `{"a":1 "b":2}`,
}

func TestMaskJSONMatchesReference(t *testing.T) {
	for _, rs := range maskRuleSets {
		for _, doc := range maskSeeds {
			checkMatchesReference(t, []byte(doc), rs.rules())
		}
	}
}

func TestMaskJSONDeep(t *testing.T) {
	for _, depth := range []int{maxMaskDepth - 1, maxMaskDepth, maxMaskDepth + 1} {
		arrays := strings.Repeat("[", depth) + strings.Repeat("]", depth)
		objects := strings.Repeat(`{"mobile":"13812345678","a":`, depth-1) + `{}` + strings.Repeat("}", depth-1)
		mixed := strings.Repeat(`[{"a":`, depth/2) + `"13812345678"` + strings.Repeat("}]", depth/2)
		for _, doc := range []string{arrays, objects, mixed} {
			checkMatchesReference(t, []byte(doc), DefaultRules())
		}
		_, err := MaskJSON([]byte(arrays), DefaultRules())
		assert.Equal(t, depth > maxMaskDepth, err != nil, "depth %d", depth)
	}
}

func TestMaskJSONTable(t *testing.T) {
	tests := []struct {
		name, give, want string
	}{
		{"sorted and compact", "{ \"b\" : 1 ,\n \"a\" : [ true , null ] }", `{"a":[true,null],"b":1}`},
		{"last duplicate wins", `{"a":1,"b":2,"a":3}`, `{"a":3,"b":2}`},
		{"masked", `{"mobile":"13812345678","email":"zhang.san@example.com"}`, `{"email":"z***@example.com","mobile":"138****5678"}`},
		{"nested", `{"x":[{"address":{"street":"建国路88号"}}]}`, `{"x":[{"address":{"street":"建国路****"}}]}`},
		{"strings in arrays kept", `{"mobile":["13812345678"]}`, `{"mobile":["13812345678"]}`},
		{"non-string kept", `{"mobile":13812345678}`, `{"mobile":13812345678}`},
		{"change object", `{"path":"individual.mobile","old":"13812345678","new":"13987654321"}`,
			`{"new":"139****4321","old":"138****5678","path":"individual.mobile"}`},
		{"change of another field", `{"path":"individual.name","old":"张三","new":"李四"}`,
			`{"new":"李四","old":"张三","path":"individual.name"}`},
		{"change path not a string", `{"path":["mobile"],"old":"13812345678"}`, `{"old":"13812345678","path":["mobile"]}`},
		{"numbers keep their text", `[1e5, -0, 1.50, 123456789012345678901234567890]`, `[1e5,-0,1.50,123456789012345678901234567890]`},
		{"escapes re-encoded", `"\u00e9\/\u0041\u2028\ud800"`, `"é/A\u2028` + "\ufffd" + `"`},
		{"invalid UTF-8 replaced", "\"a\xffb\"", "\"a\ufffdb\""},
		{"control characters", `"\u0001\b\u000c"`, `"\u0001\b\f"`},
		{"bare string", ` "13812345678" `, `"13812345678"`},
		{"empty", `{"a":{},"b":[]}`, `{"a":{},"b":[]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MaskJSON([]byte(tt.give), DefaultRules())
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
			checkMatchesReference(t, []byte(tt.give), DefaultRules())
		})
	}
}

// FuzzMaskJSONMatchesReference holds MaskJSON to the encoding/json implementation it
// replaced: the same output for any bytes and each set of rules, or an ErrJSON from both.
func FuzzMaskJSONMatchesReference(f *testing.F) {
	for _, doc := range maskSeeds {
		for which := range maskRuleSets {
			f.Add([]byte(doc), uint8(which))
		}
	}
	f.Fuzz(func(t *testing.T, doc []byte, which uint8) {
		rules := maskRuleSets[int(which)%len(maskRuleSets)].rules()
		checkMatchesReference(t, doc, rules)
		if _, err := MaskJSON(doc, rules); (err == nil) != json.Valid(doc) {
			t.Fatalf("doc %q: error %v, json.Valid %v", doc, err, json.Valid(doc))
		}
	})
}
