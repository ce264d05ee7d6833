package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/credit"
)

// readAll frames input into records.
func readAll(t testing.TB, input string, format fileFormat) []record {
	t.Helper()
	rr := newRecordReader(strings.NewReader(input), format)
	var out []record
	for {
		rec, err := rr.next()
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		rec.data = bytes.Clone(rec.data)
		out = append(out, rec)
	}
}

func TestRecordReader(t *testing.T) {
	tests := []struct {
		name   string
		give   string
		format fileFormat
		want   []record
	}{
		{"lines", "a,b\n1,2\n", formatCSV, []record{{line: 1, data: []byte("a,b")}, {line: 2, data: []byte("1,2")}}},
		{"no final newline", "a\n1", formatCSV, []record{{line: 1, data: []byte("a")}, {line: 2, data: []byte("1")}}},
		{"CRLF", "a\r\n1\r\n", formatCSV, []record{{line: 1, data: []byte("a")}, {line: 2, data: []byte("1")}}},
		{"blank lines skipped, numbers kept", "a\n\n \n1\n", formatCSV, []record{{line: 1, data: []byte("a")}, {line: 4, data: []byte("1")}}},
		{"quoted newline continues the row", "a\n\"x\ny\",2\n3\n", formatCSV,
			[]record{{line: 1, data: []byte("a")}, {line: 2, data: []byte("\"x\ny\",2")}, {line: 4, data: []byte("3")}}},
		{"escaped quotes", "\"a \"\"b\"\"\"\n", formatCSV, []record{{line: 1, data: []byte(`"a ""b"""`)}}},
		{"unclosed quote runs to the end", "a\n\"x\n1\n", formatCSV, []record{{line: 1, data: []byte("a")}, {line: 2, data: []byte("\"x\n1")}}},
		{"a stray quote does not swallow the next lines", "a\n6\"0,1\n\"6\"0\",2\n3\n", formatCSV, []record{{line: 1, data: []byte("a")},
			{line: 2, data: []byte(`6"0,1`)}, {line: 3, data: []byte(`"6"0",2`)}, {line: 4, data: []byte("3")}}},
		{"byte order mark dropped", "\xef\xbb\xbfa\n", formatCSV, []record{{line: 1, data: []byte("a")}}},
		{"JSON lines ignore quotes", "{\"a\":\"\n{}\n", formatJSONL, []record{{line: 1, data: []byte(`{"a":"`)}, {line: 2, data: []byte("{}")}}},
		{"empty", "", formatCSV, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, readAll(t, tt.give, tt.format))
		})
	}
}

func TestRecordReaderTooLong(t *testing.T) {
	long := strings.Repeat("x", maxRecord+10)
	got := readAll(t, "a\n"+long+"\n\"q\n"+long+"\"\n1\n", formatCSV)
	require.Len(t, got, 4)
	assert.Equal(t, record{line: 1, data: []byte("a")}, got[0])
	assert.Equal(t, 2, got[1].line)
	assert.True(t, got[1].tooLong)
	assert.Empty(t, got[1].data, "a long record is not kept")
	assert.Equal(t, 3, got[2].line)
	assert.True(t, got[2].tooLong, "a long quoted record spanning lines")
	assert.Equal(t, record{line: 5, data: []byte("1")}, got[3])
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestRecordReaderError(t *testing.T) {
	_, err := newRecordReader(failingReader{}, formatCSV).next()
	assert.EqualError(t, err, "disk on fire")
}

func TestSplitCSV(t *testing.T) {
	tests := []struct {
		name string
		give string
		want []string
		err  error
	}{
		{"plain", "a,b,c", []string{"a", "b", "c"}, nil},
		{"empty fields", ",,", []string{"", "", ""}, nil},
		{"one empty", "", []string{""}, nil},
		{"quoted comma", `"a,b",c`, []string{"a,b", "c"}, nil},
		{"doubled quote", `"say ""hi""",x`, []string{`say "hi"`, "x"}, nil},
		{"quoted empty", `"",x`, []string{"", "x"}, nil},
		{"quoted newline", "\"a\nb\"", []string{"a\nb"}, nil},
		{"spaces kept", " a , b ", []string{" a ", " b "}, nil},
		{"bare quote", `a"b,c`, nil, errQuote},
		{"text after quote", `"a"b,c`, nil, errQuote},
		{"unclosed", `"abc`, nil, errQuote},
		{"space before quote", ` "a"`, nil, errQuote},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := splitCSV([]byte(tt.give), nil, nil)
			if tt.err != nil {
				assert.ErrorIs(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			var s []string
			for _, f := range got {
				s = append(s, string(f))
			}
			assert.Equal(t, tt.want, s)
		})
	}
}

func TestSplitCSVReusesBuffers(t *testing.T) {
	fields, buf := make([][]byte, 0, 8), make([]byte, 0, 64)
	var err error
	for range 3 {
		fields, buf, err = splitCSV([]byte(`"a""b",c,"d"`), fields, buf)
		require.NoError(t, err)
	}
	assert.Equal(t, [][]byte{[]byte(`a"b`), []byte("c"), []byte("d")}, fields)
	rec := []byte(`"a""b",c,"d"`)
	allocs := testing.AllocsPerRun(100, func() { fields, buf, _ = splitCSV(rec, fields, buf) })
	assert.Zero(t, allocs)
}

func TestPlanCSV(t *testing.T) {
	tests := []struct {
		name          string
		give          string
		ignoreUnknown bool
		needRequest   bool
		wantErr       []string
	}{
		{"facts and id", "id,profile.age,request.term_months,request.product,request.method", false, true, nil},
		{"no id is fine", "profile.age", false, false, nil},
		{"spaces around names", " id , profile.age ", false, false, nil},
		{"unknown", "id,age,salary", false, false, []string{`unknown columns "age", "salary"`}},
		{"unknown ignored", "id,age", true, false, nil},
		{"duplicate", "profile.age,profile.age", false, false, []string{`column "profile.age" appears twice`}},
		{"empty name", "profile.age,", false, false, []string{"column 2 has no name"}},
		{"request needed", "id,profile.age,request.product", false, true, []string{"missing columns request.term_months, request.method"}},
		{"derived variable is no column", "capacity.dti", false, false, []string{`unknown columns "capacity.dti"`}},
		{"bad quoting", `"id`, false, false, []string{"malformed quoting"}},
		{"not UTF-8", "id,\xff", false, false, []string{"not valid UTF-8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := planCSV([]byte(tt.give), "id", tt.ignoreUnknown, tt.needRequest)
			if tt.wantErr == nil {
				assert.NoError(t, err)
				return
			}
			var he *headerError
			require.ErrorAs(t, err, &he)
			for _, w := range tt.wantErr {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestParseCSVRow(t *testing.T) {
	plan, err := planCSV([]byte("id,profile.age,income.monthly,income.employment,blacklisted,extra"), "id", true, false)
	require.NoError(t, err)
	p := newRowParser(plan)

	f, id, err := p.parse([]byte(`A-1, 34 ,18000.5,private,false,whatever`))
	require.NoError(t, err)
	assert.Equal(t, "A-1", string(id))
	require.NotNil(t, f.Profile.Age)
	assert.Equal(t, 34, *f.Profile.Age)
	assert.Equal(t, "18000.5", f.Income.Monthly.String())
	assert.Equal(t, credit.PrivateSector, *f.Income.Employment)
	assert.False(t, *f.Blacklisted)
	assert.Nil(t, f.Bureau.WorstDPD24m)

	f, _, err = p.parse([]byte(`A-2,,,,,`))
	require.NoError(t, err)
	assert.Equal(t, credit.Facts{}, *f, "empty cells are missing")

	_, id, err = p.parse([]byte(`A-3,old,lots,astronaut,maybe,`))
	require.ErrorIs(t, err, errCell)
	assert.Equal(t, "A-3", string(id), "the ID is kept for the rejects file")
	for _, w := range []string{`profile.age: "old" is not a whole number`, `income.monthly: "lots" is not an amount`,
		`income.employment: "astronaut" is not one of`, `blacklisted: "maybe" is not true or false`} {
		assert.Contains(t, err.Error(), w)
	}

	_, _, err = p.parse([]byte(`A-4,1`))
	assert.ErrorIs(t, err, errFieldCount)
	_, _, err = p.parse([]byte("A-5,\xff,,,,"))
	assert.ErrorIs(t, err, errEncoding)
	_, _, err = p.parse([]byte(`A-6,1,99999999999999999,,,`))
	assert.ErrorContains(t, err, "at most 16 before the point")
}

func TestParseCSVRowDoesNotAllocate(t *testing.T) {
	plan, err := planCSV([]byte("id,profile.age,bureau.utilisation,income.employment,income.verified,request.term_months"), "id", false, false)
	require.NoError(t, err)
	p := newRowParser(plan)
	rec := []byte("A-1,34,0.42,private,true,36")
	allocs := testing.AllocsPerRun(200, func() {
		if _, _, err := p.parse(rec); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
}

func TestParseJSONRow(t *testing.T) {
	p := newRowParser(rowPlan{format: formatJSONL, idCol: -1})
	tests := []struct {
		name    string
		give    string
		wantID  string
		wantErr string
	}{
		{"string id", `{"id":"A-1","profile":{"age":30}}`, "A-1", ""},
		{"number id", `{"id":17,"profile":{"age":30}}`, "17", ""},
		{"no id", `{"profile":{"age":30}}`, "", ""},
		{"bad id", `{"id":{"x":1}}`, "", "id: must be a string or a number"},
		{"unknown field", `{"id":"A-2","salary":1}`, "A-2", `unknown field "salary"`},
		{"wrong type", `{"profile":{"age":"old"}}`, "", "profile.age: string is not int"},
		{"not an object", `[1]`, "", "a line must be an object"},
		{"trailing text", `{} {}`, "", "text after the object"},
		{"truncated", `{"profile":`, "", "not complete"},
		{"enum", `{"income":{"employment":"astronaut"}}`, "", "astronaut"},
		{"huge exponent", `{"income":{"monthly":1e999999999}}`, "", "income.monthly: out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, id, err := p.parse([]byte(tt.give))
			assert.Equal(t, tt.wantID, string(id))
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tt.wantErr)
		})
	}
}

// csvFields parses one record with encoding/csv, for comparison.
func csvFields(rec string) ([]string, bool) {
	r := csv.NewReader(strings.NewReader(rec))
	r.FieldsPerRecord = -1
	got, err := r.Read()
	if err != nil {
		return nil, false
	}
	if _, err := r.Read(); !errors.Is(err, io.EOF) {
		return nil, false
	}
	return got, true
}

func BenchmarkParseCSVRow(b *testing.B) {
	plan, err := planCSV([]byte("id,profile.age,bureau.utilisation,income.employment,income.verified,request.term_months"), "id", false, false)
	require.NoError(b, err)
	p := newRowParser(plan)
	rec := []byte("A-1,34,0.42,private,true,36")
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := p.parse(rec); err != nil {
			b.Fatal(err)
		}
	}
}
