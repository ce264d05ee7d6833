package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/credit"
)

// TestScoreCSV scores testdata/applicants.csv end to end. The golden files were checked by
// hand: A-001 is the assessment of credit's own test applicant (540, B, approve 150000 at
// 708 bp), A-004's active default gives grade D and four rule hits, the blacklisted A-005 is
// declined, the quoted ID of A-008 is quoted again in the output, the blank line 16 is
// skipped, and the five bad rows are rejected with their line, ID and every problem.
func TestScoreCSV(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "scored.csv")
	code, stdout, stderr := runWith([]string{"score", "--card", "individual", "--in", "testdata/applicants.csv", "--out", out}, "")
	assert.Equal(t, exitRejects, code)
	assert.Contains(t, stdout, "scored 10 rows, rejected 5 (in "+filepath.Join(dir, "scored.rejects.csv")+")")
	assert.Contains(t, stdout, "card creditkit-individual 1.0.0")
	assert.Equal(t, "creditkit: 5 rows rejected (in "+filepath.Join(dir, "scored.rejects.csv")+"); use --allow-rejects to accept\n", stderr)
	golden(t, "scored.golden.csv", readFile(t, out))
	golden(t, "scored.rejects.golden.csv", readFile(t, filepath.Join(dir, "scored.rejects.csv")))
	assert.ElementsMatch(t, []string{"scored.csv", "scored.rejects.csv"}, entries(t, dir), "no temporary file left")
}

func TestScoreJSONL(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "scored.jsonl")
	code, stdout, _ := runWith([]string{"score", "--card", "individual", "--in", "testdata/applicants.jsonl", "--out", out,
		"--rejects", filepath.Join(dir, "bad.csv"), "--allow-rejects"}, "")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stdout, "scored 10 rows, rejected 2")
	golden(t, "scored.golden.jsonl", readFile(t, out))
	assert.Equal(t, "line,id,reason\n"+
		"9,A-009,income.monthly: must not be negative\n"+
		"10,A-012,request.term_months: term is required\n", readFile(t, filepath.Join(dir, "bad.csv")))
}

// TestScoreFormatsAgree: the same applicants as CSV and as JSON Lines give the same results.
func TestScoreFormatsAgree(t *testing.T) {
	dir := t.TempDir()
	fromCSV, fromJSON := filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")
	code, _, _ := runWith([]string{"score", "--card", "individual", "--in", "testdata/applicants.csv", "--out", fromCSV, "--allow-rejects"}, "")
	require.Equal(t, exitOK, code)
	code, _, _ = runWith([]string{"score", "--card", "individual", "--in", "testdata/applicants.jsonl", "--out", fromJSON, "--allow-rejects"}, "")
	require.Equal(t, exitOK, code)
	withoutLine := func(path string) []string {
		var rows []string
		for _, r := range readCSV(t, path) {
			rows = append(rows, strings.Join(r[1:], ","))
		}
		return rows
	}
	assert.Equal(t, withoutLine(fromCSV), withoutLine(fromJSON))
}

// TestScoreOnlyAgreesWithAssessment: --score-only gives the assessment's score, PD and
// reasons, and its grade except for obligors in default (D).
func TestScoreOnlyAgreesWithAssessment(t *testing.T) {
	dir := t.TempDir()
	full, only := filepath.Join(dir, "full.csv"), filepath.Join(dir, "only.csv")
	code, _, _ := runWith([]string{"score", "--card", "individual", "--in", "testdata/applicants.csv", "--out", full, "--allow-rejects"}, "")
	require.Equal(t, exitOK, code)
	code, _, _ = runWith([]string{"score", "--card", "individual", "--in", "testdata/applicants.csv", "--out", only, "--allow-rejects", "--score-only"}, "")
	require.Equal(t, exitOK, code)
	golden(t, "scored-only.golden.csv", readFile(t, only))

	f, o := readCSV(t, full), readCSV(t, only)
	assert.Equal(t, []string{"line", "id", "score", "pd", "grade", "reason_1", "reason_2", "reason_3", "reason_4"}, o[0])
	rows := map[string][]string{}
	for _, r := range f[1:] {
		rows[r[0]] = r
	}
	for _, r := range o[1:] {
		a, ok := rows[r[0]]
		if !ok {
			continue // rejected by the policy's required request fields only
		}
		assert.Equal(t, a[:3], r[:3], "line, id, score")
		assert.Equal(t, a[10:], r[5:], "reasons of line %s", r[0])
		if a[4] != "D" { // in default, the assessment sets PD 1 and grade D
			assert.Equal(t, a[3:5], r[3:5], "PD and grade of line %s", r[0])
		}
	}
	assert.Greater(t, len(o), len(f), "score-only does not need the request, so A-012 is scored")
}

func TestScoreStdinStdout(t *testing.T) {
	in := readFile(t, "testdata/applicants.csv")
	code, stdout, stderr := runWith([]string{"score", "--card", "individual", "--in", "-", "--out", "-", "--allow-rejects", "--reasons", "2"}, in)
	require.Equal(t, exitOK, code, stderr)
	assert.True(t, strings.HasPrefix(stdout, "line,id,score,pd,grade,decision,limit,rate_bp,apr,rule_hits,reason_1,reason_2\n2,A-001,540,"), stdout)
	assert.Contains(t, stderr, "creditkit: rejected line 10 (id \"A-009\"): income.monthly: must not be negative\n")
	assert.Contains(t, stderr, "scored 10 rows, rejected 5 (on standard error)")

	// JSON Lines on stdin are recognised by their first character.
	code, stdout, stderr = runWith([]string{"score", "--card", "individual", "--in", "-", "--out", "-", "--allow-rejects"},
		readFile(t, "testdata/applicants.jsonl"))
	require.Equal(t, exitOK, code, stderr)
	assert.True(t, strings.HasPrefix(stdout, `{"line":1,"id":"A-001","score":540,"pd":0.053540,"grade":"B","decision":"approve","limit":"150000.00"`), stdout)
}

func TestScoreBadFiles(t *testing.T) {
	dir := t.TempDir()
	garbage := make([]byte, 4096)
	for i := range garbage {
		garbage[i] = byte(i*131 + i/7)
	}
	tests := []struct {
		name     string
		content  string
		args     []string
		wantCode int
		wantErr  string // on stderr
		wantOut  bool   // an output file is written
	}{
		{"empty input", "", nil, exitError, "empty input: no header row", false},
		{"only blank lines", "\n\n  \n", nil, exitError, "empty input: no header row", false},
		{"wrong columns", "id,age,salary,request.term_months,request.product,request.method\n1,2,3,12,consumer,equal_instalments\n", nil,
			exitError, `header: unknown columns "age", "salary"`, false},
		{"missing request columns", "id,profile.age\n1,30\n", nil, exitError, "missing columns request.term_months, request.product, request.method", false},
		{"duplicate column", "profile.age,profile.age\n1,2\n", []string{"--score-only"}, exitError, `column "profile.age" appears twice`, false},
		{"binary garbage", string(garbage), nil, exitError, "header:", false},
		{"header only", "id,profile.age\n", []string{"--score-only"}, exitOK, "", true},
		{"ragged rows", "id,profile.age\n1,30\n2\n3,30,7\n4,40\n", []string{"--score-only"}, exitRejects, "2 rows rejected", true},
		{"garbage rows after a good header", "id,profile.age\n1,30\n\x00\x01\xff\xfe,\"\n", []string{"--score-only"}, exitRejects, "1 rows rejected", true},
		{"JSON garbage", string(garbage[:200]), []string{"--format", "jsonl"}, exitRejects, "rows rejected", true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := writeFile(t, dir, fmt.Sprintf("in%d.csv", i), tt.content)
			out := filepath.Join(dir, fmt.Sprintf("out%d.csv", i))
			args := append([]string{"score", "--card", "individual", "--in", in, "--out", out}, tt.args...)
			code, _, stderr := runWith(args, "")
			assert.Equal(t, tt.wantCode, code, stderr)
			assert.Contains(t, stderr, tt.wantErr)
			if tt.wantCode != exitOK {
				assert.True(t, strings.HasPrefix(stderr, "creditkit: "), stderr)
			}
			_, err := os.Stat(out)
			assert.Equal(t, tt.wantOut, err == nil, "output file written")
		})
	}
}

// TestScoreKeepsOldOutputOnFailure: a run that fails leaves an existing output untouched
// and no temporary file behind.
func TestScoreKeepsOldOutputOnFailure(t *testing.T) {
	dir := t.TempDir()
	out := writeFile(t, dir, "scored.csv", "yesterday's results\n")
	in := writeFile(t, dir, "in.csv", "id,nonsense\n1,2\n")
	code, _, _ := runWith([]string{"score", "--card", "individual", "--in", in, "--out", out}, "")
	assert.Equal(t, exitError, code)
	assert.Equal(t, "yesterday's results\n", readFile(t, out))
	assert.ElementsMatch(t, []string{"scored.csv", "in.csv"}, entries(t, dir))
}

func TestScoreUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no flags", []string{"score"}, "--card, --in, --out required"},
		{"no out", []string{"score", "--card", "individual", "--in", "x.csv"}, "--out required"},
		{"reasons 0", []string{"score", "--card", "individual", "--in", "x", "--out", "y", "--reasons", "0"}, "--reasons must be between 1 and 20"},
		{"workers 0", []string{"score", "--card", "individual", "--in", "x", "--out", "y", "--workers", "0"}, "--workers must be between 1 and 256"},
		{"workers too many", []string{"score", "--card", "individual", "--in", "x", "--out", "y", "--workers", "100000"}, "--workers must be between 1 and 256"},
		{"same file", []string{"score", "--card", "individual", "--in", "x", "--out", "y", "--rejects", "y"}, "same file"},
		{"unknown flag", []string{"score", "--colour"}, "unknown flag: --colour"},
		{"argument", []string{"score", "extra"}, `unknown command "extra"`},
		{"bad format", []string{"score", "--card", "individual", "--in", "testdata/applicants.csv", "--out", "-", "--format", "xml"}, `unknown format "xml"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runWith(tt.args, "")
			assert.Equal(t, exitUsage, code, stderr)
			assert.Contains(t, stderr, tt.want)
		})
	}
}

func TestScoreFailures(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown card", []string{"score", "--card", "platinum", "--in", "testdata/applicants.csv", "--out", "-"}, `card "platinum" is neither a built-in card (enterprise, individual) nor a file`},
		{"bad card file", []string{"score", "--card", "testdata/applicants.jsonl", "--in", "testdata/applicants.csv", "--out", "-"}, "card testdata/applicants.jsonl"},
		{"missing input", []string{"score", "--card", "individual", "--in", "testdata/nope.csv", "--out", "-"}, "no such file"},
		{"input is a directory", []string{"score", "--card", "individual", "--in", "testdata", "--out", "-"}, "is a directory"},
		{"output directory missing", []string{"score", "--card", "individual", "--in", "testdata/applicants.csv", "--out", "testdata/nope/x.csv"}, "create testdata/nope/x.csv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runWith(tt.args, "")
			assert.Equal(t, exitError, code, stderr)
			assert.Contains(t, stderr, tt.want)
		})
	}
}

func TestScoreCustomCardAndEnterprise(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "firms.csv", "id,enterprise.revenue,enterprise.net_margin,enterprise.debt_to_assets,enterprise.current_ratio,"+
		"enterprise.interest_cover,enterprise.years_in_business,enterprise.industry_risk,enterprise.bureau.worst_dpd_24m,"+
		"request.amount,request.term_months,request.product,request.method\n"+
		"E-1,120000000,0.08,0.45,1.6,5.5,12,2,0,5000000,36,working_capital,equal_instalments\n"+
		"E-2,8000000,-0.02,0.85,0.8,0.9,2,4,45,2000000,12,working_capital,interest_only\n")
	code, stdout, stderr := runWith([]string{"score", "--card", "enterprise", "--in", in, "--out", "-"}, "")
	require.Equal(t, exitOK, code, stderr)
	rows := parseCSV(t, stdout)
	require.Len(t, rows, 3)
	s1, err := strconv.ParseFloat(rows[1][2], 64)
	require.NoError(t, err)
	s2, err := strconv.ParseFloat(rows[2][2], 64)
	require.NoError(t, err)
	assert.Greater(t, s1, s2, "the sound firm scores higher")

	// A custom card from a JSON file, with decision thresholds on its own scale.
	code, stdout, stderr = runWith([]string{"score", "--card", "testdata/card.json", "--in", "testdata/applicants.csv", "--out", "-",
		"--allow-rejects", "--reasons", "1", "--approve-score", "90", "--refer-score", "60"}, "")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "\n2,A-001,70,0.123899,CCC,refer,")
	assert.Contains(t, stdout, "\n17,A-015,100,0.047619,B,approve,")
	assert.Contains(t, stderr, "card small-demo 2")
}

// TestScoreKeepsOrder scores many rows on several workers, with batches finishing out of
// order, and checks the rows come out in input order and the same as on one worker.
func TestScoreKeepsOrder(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("id,bureau.worst_dpd_24m,bureau.utilisation,profile.age,income.monthly\n")
	const n = 5000
	for i := range n {
		if i%997 == 0 {
			b.WriteString("bad row\n")
		}
		fmt.Fprintf(&b, "R-%d,%d,%.2f,%d,%d\n", i, i%120, float64(i%100)/100, 18+i%50, 3000+i%30000)
	}
	in := writeFile(t, dir, "many.csv", b.String())
	one, many := filepath.Join(dir, "one.csv"), filepath.Join(dir, "many-out.csv")
	for _, run := range []struct {
		out     string
		workers string
	}{{one, "1"}, {many, "7"}} {
		code, _, stderr := runWith([]string{"score", "--card", "individual", "--in", in, "--out", run.out, "--score-only",
			"--workers", run.workers, "--allow-rejects"}, "")
		require.Equal(t, exitOK, code, stderr)
	}
	assert.Equal(t, readFile(t, one), readFile(t, many))
	rows := readCSV(t, many)
	require.Len(t, rows, n+1)
	for i, r := range rows[1:] {
		require.Equal(t, fmt.Sprintf("R-%d", i), r[1])
	}
	rejects := readCSV(t, filepath.Join(dir, "many-out.rejects.csv"))
	assert.Len(t, rejects, 1+6)
}

func TestDefaultRejects(t *testing.T) {
	tests := []struct{ give, want string }{
		{"scored.csv", "scored.rejects.csv"},
		{"out/scored.jsonl", "out/scored.rejects.csv"},
		{"dir.v2/scored", "dir.v2/scored.rejects.csv"},
		{"-", "-"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, defaultRejects(tt.give), tt.give)
	}
}

func TestTopReasons(t *testing.T) {
	in := []credit.Points{{ReasonCode: "A", Points: 10, MaxPoints: 20}, {ReasonCode: "B", Points: 5, MaxPoints: 30},
		{ReasonCode: "C", Points: 20, MaxPoints: 20}, {ReasonCode: "D", Points: 0, MaxPoints: 10},
		{ReasonCode: "E", Points: 10, MaxPoints: 20}, {ReasonCode: "F", Points: -5, MaxPoints: 20}}
	dst := make([]string, 3)
	n := topReasons(in, dst)
	assert.Equal(t, 3, n)
	assert.Equal(t, []string{"B", "F", "A"}, dst, "largest gap first, ties in card order")
	dst = make([]string, 10)
	n = topReasons(in, dst)
	assert.Equal(t, []string{"B", "F", "A", "D", "E"}, dst[:n])
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	return parseCSV(t, readFile(t, path))
}

func parseCSV(t *testing.T, s string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	require.NoError(t, err)
	return rows
}
