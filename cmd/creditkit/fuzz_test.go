package main

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzSplitCSV checks the CSV field splitter against encoding/csv: on any one-line record
// both accept, the fields agree; the splitter never panics and never returns more bytes than
// it was given.
func FuzzSplitCSV(f *testing.F) {
	for _, s := range []string{"a,b,c", `"a,b",c`, `"say ""hi""",x`, `a"b`, `"a"b`, `"abc`, ",,", "", "\xff,\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, rec string) {
		fields, _, err := splitCSV([]byte(rec), nil, nil)
		total := 0
		for _, f := range fields {
			total += len(f)
		}
		require.LessOrEqual(t, total, len(rec))
		if strings.ContainsAny(rec, "\r\n") || !utf8.ValidString(rec) || strings.TrimSpace(rec) == "" {
			return
		}
		want, ok := csvFields(rec)
		if !ok || err != nil {
			return
		}
		var got []string
		for _, f := range fields {
			got = append(got, string(f))
		}
		assert.Equal(t, want, got)
	})
}

// FuzzRecordReader frames arbitrary input: it never panics, line numbers rise, and a record
// is never longer than maxRecord.
func FuzzRecordReader(f *testing.F) {
	f.Add([]byte("a,b\n1,2\n"), false)
	f.Add([]byte("a\n\"x\ny\",2\r\n\n3"), false)
	f.Add([]byte("\xef\xbb\xbf{\"a\":1}\n{}\n"), true)
	f.Add([]byte("\"\n\"\"\n\""), false)
	f.Fuzz(func(t *testing.T, input []byte, jsonl bool) {
		format := formatCSV
		if jsonl {
			format = formatJSONL
		}
		rr := newRecordReader(bytes.NewReader(input), format)
		last := 0
		for {
			rec, err := rr.next()
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err)
			require.Greater(t, rec.line, last)
			require.LessOrEqual(t, len(rec.data), maxRecord)
			last = rec.line
		}
		require.Equal(t, int64(len(input)), rr.read)
	})
}

// FuzzParseRow feeds arbitrary records to the CSV and JSON Lines row parsers: they never
// panic, and whatever they accept passes credit's own validation of types.
func FuzzParseRow(f *testing.F) {
	f.Add([]byte(`A-1,34,18000.5,private,false,0.42,36,consumer,equal_instalments`))
	f.Add([]byte(`A-2,,,,,,,,`))
	f.Add([]byte(`"A,3",x,1e9,astronaut,maybe,NaN,-1,loan,none`))
	f.Add([]byte(`{"id":"A-1","profile":{"age":30},"income":{"monthly":"18000"}}`))
	f.Add([]byte(`{"income":{"monthly":1e999999999}}`))
	f.Add([]byte("\x00\xff{"))
	header := []byte("id,profile.age,income.monthly,income.employment,blacklisted,bureau.utilisation,request.term_months,request.product,request.method")
	plan, err := planCSV(header, "id", false, true)
	require.NoError(f, err)
	csvParser := newRowParser(plan)
	jsonParser := newRowParser(rowPlan{format: formatJSONL, idCol: -1})
	f.Fuzz(func(t *testing.T, rec []byte) {
		for _, p := range []*rowParser{csvParser, jsonParser} {
			facts, id, err := p.parse(rec)
			if err != nil {
				require.NotEmpty(t, err.Error())
				continue
			}
			require.True(t, utf8.Valid(id))
			require.NoError(t, checkMoney(facts, p.money))
			_ = facts.Validate() // must not panic; values may still be out of range
		}
	})
}
