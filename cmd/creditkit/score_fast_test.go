package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/credit"
)

// noisyCells are cell values the generated files mix in: other spellings of good values,
// values out of range, quoting, bad text.
var noisyCells = []string{"", " ", " 7 ", "\t3", "+3", "-1", "-0", "0", "00012", "1e2", "0x10", "1_000", "abc", "1.5", "0.0", ".5", "5.",
	".", "12.000", "1234567890123", "123456789012345", "1234567890123456", "12345678901234567890", "0.0000000000001", "1.123456789012",
	"NaN", "Inf", "-Inf", "true", "TRUE", "True", "1", "false", "yes", "é", "\xff\xfe", "\"quoted\"", "\"a,b\"", "\"say \"\"hi\"\"\"",
	"\"multi\nline\"", "x\"y", "rent", "own", "private", "retired", "consumer", "equal_principal", "married", "master",
	"25", "601", "600", "131", "130", "24", "1200", "1201", "10000", "10001", "-0.5", "1e308", "1e309", "0.42", "99999999999999.99"}

// writeNoisyApplicants writes n applicants like writeApplicants and mixes in, on about one
// row in eight, a changed cell, a missing or extra field, a blank line, a CRLF ending, a
// quoted ID over two lines or a row longer than maxRecord.
func writeNoisyApplicants(t testing.TB, path string, n int, seed uint64) {
	t.Helper()
	var clean bytes.Buffer
	require.NoError(t, writeApplicants(&clean, n))
	rng := rand.New(rand.NewPCG(seed, 99))
	var b bytes.Buffer
	lines := strings.Split(strings.TrimSuffix(clean.String(), "\n"), "\n")
	b.WriteString(lines[0] + "\n")
	for _, line := range lines[1:] {
		if rng.IntN(8) != 0 {
			b.WriteString(line + "\n")
			continue
		}
		cells := strings.Split(line, ",")
		switch rng.IntN(12) {
		case 0:
			cells = cells[:len(cells)-1]
		case 1:
			cells = append(cells, "extra")
		case 2:
			b.WriteString("\n  \t\n")
		case 3:
			b.WriteString(strings.Join(cells, ",") + "\r\n")
			continue
		case 4:
			cells[0] = "\"" + cells[0] + "\nsecond line\""
		case 5:
			if rng.IntN(20) == 0 {
				cells[0] = strings.Repeat("L", maxRecord+rng.IntN(10))
			}
		case 6:
			cells[0] = "" // an empty ID
		}
		for range 1 + rng.IntN(3) {
			cells[1+rng.IntN(len(cells)-1)] = noisyCells[rng.IntN(len(noisyCells))]
		}
		b.WriteString(strings.Join(cells, ",") + "\n")
	}
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
}

// scoreRowPath scores a CSV file the way creditkit score did before the fast path, with
// recordReader, runPipeline and the row-by-row worker, and returns the output and the rejects
// file as score writes them.
func scoreRowPath(t testing.TB, o scoreOptions, outFormat fileFormat) (string, string) {
	t.Helper()
	card, err := loadCard(o.card)
	require.NoError(t, err)
	model, err := credit.Compile(card)
	require.NoError(t, err)
	assessor, err := credit.NewAssessor(model, credit.Config{Reasons: o.reasons})
	require.NoError(t, err)
	f, err := os.Open(o.in)
	require.NoError(t, err)
	defer f.Close()
	rr := newRecordReader(bufio.NewReaderSize(f, 256<<10), formatCSV)
	header, err := rr.next()
	require.NoError(t, err)
	plan, err := planCSV(header.data, o.id, o.ignoreUnknown, !o.scoreOnly)
	require.NoError(t, err)
	s := &scorer{model: model, assessor: assessor, plan: plan, format: outFormat, reasons: o.reasons,
		scoreOnly: o.scoreOnly, scale: credit.DefaultMasterScale()}
	var out, rej bytes.Buffer
	out.Write(s.header())
	rej.WriteString("line,id,reason\n")
	err = runPipeline(context.Background(), rr, o.workers, s.newWorker, func(b *batch) error {
		out.Write(b.out)
		for _, r := range b.rejects {
			var line []byte
			line = strconv.AppendInt(line, int64(r.line), 10)
			line = append(line, ',')
			line = appendCSVField(line, r.id)
			line = append(line, ',')
			line = appendCSVField(line, r.reason)
			rej.Write(append(line, '\n'))
		}
		return nil
	})
	require.NoError(t, err)
	return out.String(), rej.String()
}

// TestFastPathMatchesRowPath is the golden comparison of the fast path with the row-by-row
// path it replaced: on a generated 100,000-row file with noise (other spellings, bad values,
// quoting, ragged rows, blank lines, CRLF, too-long rows), the output and the rejects are
// byte for byte the same, as CSV and as JSON Lines, on one worker and on several; and so
// for the full assessment (new framing, same worker) on 10,000 rows.
func TestFastPathMatchesRowPath(t *testing.T) {
	if testing.Short() {
		t.Skip("scores 100,000 rows three times")
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		name      string
		rows      int
		card      string
		scoreOnly bool
		format    fileFormat
		workers   int
		reasons   int
	}{
		{"score-only csv", 100_000, "individual", true, formatCSV, 2, 4},
		{"score-only jsonl, enterprise card, 7 workers, 9 reasons", 100_000, "enterprise", true, formatJSONL, 7, 9},
		{"assessment csv", 10_000, "individual", false, formatCSV, 2, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := filepath.Join(dir, fmt.Sprintf("noisy-%d.csv", tc.rows))
			if _, err := os.Stat(in); err != nil {
				writeNoisyApplicants(t, in, tc.rows, 1)
			}
			ext := ".csv"
			if tc.format == formatJSONL {
				ext = ".jsonl"
			}
			out, rejects := filepath.Join(dir, "out"+ext), filepath.Join(dir, "rejects.csv")
			o := scoreOptions{card: tc.card, in: in, out: out, rejects: rejects, reasons: tc.reasons, workers: tc.workers, id: "id",
				scoreOnly: tc.scoreOnly, allowRejects: true, noProgress: true}
			require.NoError(t, score(context.Background(), o, nil, io.Discard, io.Discard))
			wantOut, wantRejects := scoreRowPath(t, o, tc.format)
			gotOut, gotRejects := readFile(t, out), readFile(t, rejects)
			require.Equal(t, len(wantOut), len(gotOut), "output length")
			require.True(t, wantOut == gotOut, "the output differs from the row path's at line %d", firstDiffLine(wantOut, gotOut))
			require.True(t, wantRejects == gotRejects, "the rejects differ from the row path's at line %d", firstDiffLine(wantRejects, gotRejects))
			nRejects := strings.Count(gotRejects, "\n") - 1
			assert.Greater(t, nRejects, tc.rows/50, "the noise is rejected often enough to test the rejects")
			assert.Less(t, nRejects, tc.rows/4)
		})
	}
}

// firstDiffLine is the 1-based line where a and b first differ.
func firstDiffLine(a, b string) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return strings.Count(a[:i], "\n") + 1
		}
	}
	return strings.Count(a[:n], "\n") + 1
}

// fastHeader has every column a scoring file may have.
func fastHeader() string {
	names := []string{"id"}
	for _, c := range factColumns() {
		names = append(names, c.name)
	}
	return strings.Join(names, ",")
}

// FuzzFastRow: whatever row the fast path takes, the general path takes too, with the same
// output bytes, for both built-in cards.
func FuzzFastRow(f *testing.F) {
	header := fastHeader()
	for i, sample := range []map[cellKind]string{
		{kindInteger: "3", kindNumber: "0.5", kindMoney: "1500.50", kindBoolean: "true"},
		{kindInteger: "0", kindNumber: "12", kindMoney: "0.01", kindBoolean: "0"},
		{kindInteger: "", kindNumber: "", kindMoney: "", kindBoolean: ""},
	} {
		cells := []string{"A-" + strconv.Itoa(i)}
		for k, c := range factColumns() {
			v, ok := sample[c.kind]
			if !ok {
				v = c.values[k%len(c.values)]
			}
			cells = append(cells, v)
		}
		f.Add([]byte(strings.Join(cells, ",")))
	}
	type side struct {
		s  *scorer
		fp *fastParser
		p  *rowParser
	}
	var sides []side
	for _, name := range credit.BuiltinCards() {
		card, err := credit.BuiltinCard(name)
		require.NoError(f, err)
		model, err := credit.Compile(card)
		require.NoError(f, err)
		plan, err := planCSV([]byte(header), "id", false, false)
		require.NoError(f, err)
		for _, format := range []fileFormat{formatCSV, formatJSONL} {
			s := &scorer{model: model, plan: plan, format: format, reasons: 5, scoreOnly: true, scale: credit.DefaultMasterScale()}
			fp, ok := s.newFastParser(card)
			require.True(f, ok)
			sides = append(sides, side{s, fp, newRowParser(plan)})
		}
	}
	f.Fuzz(func(t *testing.T, rec []byte) {
		for _, sd := range sides {
			id, ok := sd.fp.parse(rec, 0)
			if !ok {
				continue
			}
			require.NoError(t, sd.fp.score(1))
			var res result
			sd.fp.result(sd.s, 0, &res)
			got := sd.s.appendResult(nil, 7, id, &res)

			facts, oldID, err := sd.p.parse(rec)
			require.NoError(t, err, "the general path refuses a row the fast path takes")
			var oldRes result
			_, err = sd.s.assess(facts, &oldRes, nil)
			require.NoError(t, err, "validation refuses a row the fast path takes")
			want := sd.s.appendResult(nil, 7, oldID, &oldRes)
			require.Equal(t, string(want), string(got))
		}
	})
}

// TestFastRulesMatchValidate: the fast path's ranges of integer columns and signs of number
// columns are credit's validation rules, for every column.
func TestFastRulesMatchValidate(t *testing.T) {
	p := newRowParser(rowPlan{format: formatJSONL, idCol: -1})
	valid := func(c factColumn, cell string) bool {
		var f credit.Facts
		require.NoError(t, c.parse(&f, &p.slots, []byte(cell)), "%s %q", c.name, cell)
		return f.Validate() == nil
	}
	for _, c := range factColumns() {
		switch c.kind {
		case kindInteger:
			r, ok := fastIntRules[fastRuleName(c.name)]
			require.True(t, ok, "no rule for %s", c.name)
			assert.True(t, valid(c, strconv.Itoa(r.lo)), c.name)
			assert.True(t, valid(c, strconv.Itoa(r.hi)), c.name)
			assert.False(t, valid(c, strconv.Itoa(r.lo-1)), c.name)
			assert.False(t, valid(c, strconv.Itoa(r.hi+1)), c.name)
		case kindNumber:
			assert.Equal(t, !fastNonNegative[c.name], valid(c, "-0.5"), c.name)
			assert.True(t, valid(c, "0"), c.name)
		case kindMoney:
			assert.Equal(t, c.name != "request.amount", valid(c, "0"), c.name)
			assert.True(t, valid(c, "999999999999999"), c.name)
		}
	}
}

// TestFastParserTakesPlainRows: the generated rows are all on the fast path, and rows with
// quotes or other spellings are not.
func TestFastParserTakesPlainRows(t *testing.T) {
	var clean bytes.Buffer
	require.NoError(t, writeApplicants(&clean, 200))
	lines := strings.Split(strings.TrimSpace(clean.String()), "\n")
	card, err := credit.BuiltinCard("individual")
	require.NoError(t, err)
	model, err := credit.Compile(card)
	require.NoError(t, err)
	plan, err := planCSV([]byte(lines[0]), "id", false, false)
	require.NoError(t, err)
	s := &scorer{model: model, plan: plan, format: formatCSV, reasons: 4, scoreOnly: true, scale: credit.DefaultMasterScale()}
	fp, ok := s.newFastParser(card)
	require.True(t, ok)
	for _, l := range lines[1:] {
		_, ok := fp.parse([]byte(l), 0)
		require.True(t, ok, l)
	}
	row := lines[1]
	for _, bad := range []string{`"` + row[:9] + `"` + row[9:], strings.Replace(row, ",0,", ",+0,", 1), strings.Replace(row, ",0,", ", 0x0,", 1), row + ",", row[:strings.LastIndexByte(row, ',')]} {
		_, ok := fp.parse([]byte(bad), 0)
		assert.False(t, ok, bad)
	}
}
