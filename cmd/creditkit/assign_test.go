package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAssign plans testdata/cases.csv over testdata/officers.csv on 2 December 2026. The
// golden plan was checked by hand: the relationship officer O-1 keeps A-102 (continuity), the
// equity pledge A-103 goes to O-2, the only officer with the skill, A-104's customer is linked
// to O-2 (conflict of interest), Chen Jie (O-4) is on leave, so nobody serves xuhui and
// minhang individuals, and nobody covers jingan.
func TestAssign(t *testing.T) {
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan.csv")
	code, stdout, stderr := runWith([]string{"assign", "--cases", "testdata/cases.csv", "--officers", "testdata/officers.csv",
		"--out", plan, "--date", "2026-12-02"}, "")
	require.Equal(t, exitOK, code, stderr)
	assert.Empty(t, stderr)
	golden(t, "plan.golden.csv", readFile(t, plan))
	golden(t, "plan-summary.golden.txt", stdout)
}

func TestAssignToStdout(t *testing.T) {
	code, stdout, stderr := runWith([]string{"assign", "--cases", "testdata/cases.csv", "--officers", "testdata/officers.csv",
		"--out", "-", "--date", "2026-12-06", "--max-load-spread", "1"}, "")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "case,status,officer,score")
	assert.Contains(t, stderr, "assigned ")
	assert.Contains(t, stderr, "O-4  Chen Jie", "back from leave on the 6th")
	rows := parseCSV(t, stdout)
	assert.Len(t, rows, 11)
}

func TestAssignBadFiles(t *testing.T) {
	dir := t.TempDir()
	officers := "testdata/officers.csv"
	tests := []struct {
		name     string
		cases    string
		officers string
		args     []string
		code     int
		want     []string
	}{
		{"unknown column", "application_id,region,kind,amount,term_months,product,colour\n", "", nil, exitError,
			[]string{`unknown column "colour"`}},
		{"missing columns", "application_id,region\nA-1,pudong\n", "", nil, exitError,
			[]string{`missing column "kind"`, `missing column "amount"`}},
		{"empty file", "", "", nil, exitError, []string{"empty file: no header row"}},
		{"header only", "application_id,region,kind,amount,term_months,product\n", "", nil, exitError, []string{"no rows after the header"}},
		{"bad cells, every one reported", "application_id,region,kind,amount,term_months,product,priority\n" +
			"A-1,pudong,person,12k,twelve,loan,maybe\n,pudong,individual,1,1,consumer,\n", "", nil, exitError,
			[]string{`line 2, kind: "person" is not a known value`, `line 2, amount: "12k" is not an amount`,
				`line 2, term_months: "twelve" is not a whole number`, `line 2, product: "loan" is not a known value`,
				`line 2, priority: "maybe" is not true or false`, "line 3, application_id: required"}},
		{"ragged", "application_id,region,kind,amount,term_months,product\nA-1,pudong\n", "", nil, exitError, []string{"wrong number of fields"}},
		{"duplicate case", "application_id,region,kind,amount,term_months,product\nA-1,pudong,individual,1,1,consumer\nA-1,pudong,individual,1,1,consumer\n",
			"", nil, exitError, []string{"A-1"}},
		{"bad officer cells", "", "id,capacity,leave,rating,kinds\nO-1,many,2026-13-01,120,robot\n", nil, exitError,
			[]string{`capacity: "many" is not a whole number`, `leave: "2026-13-01" is not a date`, `rating: "120" is not a number from 0 to 100`,
				`kinds: "robot" is not a known value`}},
		{"not UTF-8", "application_id,region\xff\n", "", nil, exitError, []string{"not valid UTF-8"}},
		{"bad date", "", "", []string{"--date", "02/12/2026"}, exitUsage, []string{`--date "02/12/2026": want YYYY-MM-DD`}},
		{"negative spread", "", "", []string{"--max-load-spread", "-1"}, exitUsage, []string{"must not be negative"}},
		{"missing rules file", "", "", []string{"--rules", "testdata/nope.json"}, exitError, []string{"nope.json"}},
		{"bad rules", "", "", []string{"--rules", "testdata/card.json"}, exitError, []string{"testdata/card.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cases := "testdata/cases.csv"
			if tt.cases != "" || tt.name == "empty file" {
				cases = writeFile(t, dir, "cases.csv", tt.cases)
			}
			off := officers
			if tt.officers != "" {
				off = writeFile(t, dir, "officers.csv", tt.officers)
			}
			args := append([]string{"assign", "--cases", cases, "--officers", off, "--out", filepath.Join(dir, "plan.csv")}, tt.args...)
			code, _, stderr := runWith(args, "")
			assert.Equal(t, tt.code, code, stderr)
			for _, w := range tt.want {
				assert.Contains(t, stderr, w)
			}
			assert.NoFileExists(t, filepath.Join(dir, "plan.csv"))
		})
	}
}

func TestAssignUsage(t *testing.T) {
	code, _, stderr := runWith([]string{"assign", "--cases", "x.csv"}, "")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--officers, --out required")
	code, out, _ := runWith([]string{"assign", "--help"}, "")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "application_id   the case's ID")
	assert.Contains(t, out, "leave            absences as YYYY-MM-DD..YYYY-MM-DD")
}
