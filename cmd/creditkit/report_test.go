package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReportMarkdown renders testdata/assessment.json (credit's test applicant with a worst
// delinquency of 45 days: 515 points, CCC, refer) as credit's Markdown.
func TestReportMarkdown(t *testing.T) {
	code, stdout, stderr := runWith([]string{"report", "testdata/assessment.json"}, "")
	require.Equal(t, exitOK, code, stderr)
	golden(t, "report.golden.md", stdout)
	assert.Contains(t, stdout, "- Decision 决定: **REFER**")
}

// TestReportHTML renders the same assessment as one HTML page. The golden page was opened in
// a browser: the gauge stands at 515 of 680 in amber (refer), the DPD bar is the shortest.
func TestReportHTML(t *testing.T) {
	out := filepath.Join(t.TempDir(), "report.html")
	code, stdout, stderr := runWith([]string{"report", "testdata/assessment.json", "--html", "--out", out}, "")
	require.Equal(t, exitOK, code, stderr)
	assert.Empty(t, stdout)
	page := readFile(t, out)
	golden(t, "report.golden.html", page)
	assert.Contains(t, page, `<body class="refer">`)
	assert.NotContains(t, page, "<script")
}

// TestReportStoredAssessment reads an assessment wrapped as the server stores it, from stdin.
func TestReportStoredAssessment(t *testing.T) {
	code, stdout, stderr := runWith([]string{"report", "-"}, readFile(t, "testdata/stored-assessment.json"))
	require.Equal(t, exitOK, code, stderr)
	want := readFile(t, "testdata/report.golden.md")
	assert.Equal(t, want, stdout)
}

func TestReportFromFacts(t *testing.T) {
	code, stdout, stderr := runWith([]string{"report", "--facts", "../../credit/testdata/applicant.json", "--card", "individual", "--html"}, "")
	require.Equal(t, exitOK, code, stderr)
	assert.True(t, strings.HasPrefix(stdout, "<!DOCTYPE html>"))
	assert.Contains(t, stdout, `aria-label="Score 540 of a best possible 680; grade B, PD 5.35%; decision approve"`)

	code, stdout, stderr = runWith([]string{"report", "--facts", "-", "--card", "testdata/card.json"}, `{"capacity":{"housing":"own"}}`)
	assert.Equal(t, exitError, code, stdout)
	assert.Contains(t, stderr, "request.term_months: term is required")
}

func TestReportErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		in   string
		code int
		want string
	}{
		{"no file", []string{"report"}, "", exitUsage, "report needs one assessment file"},
		{"file and facts", []string{"report", "x.json", "--facts", "f.json", "--card", "individual"}, "", exitUsage, "not both"},
		{"facts without card", []string{"report", "--facts", "f.json"}, "", exitUsage, "--facts needs --card"},
		{"card without facts", []string{"report", "x.json", "--card", "individual"}, "", exitUsage, "--card goes with --facts"},
		{"missing file", []string{"report", "nope.json"}, "", exitError, "nope.json"},
		{"not JSON", []string{"report", "-"}, "\x00\x01garbage", exitError, "not a JSON object"},
		{"empty", []string{"report", "-"}, "", exitError, "not a JSON object"},
		{"facts, not a report", []string{"report", "../../credit/testdata/applicant.json"}, "", exitError, "not an assessment report"},
		{"empty object", []string{"report", "-"}, "{}", exitError, "no decision, model or points"},
		{"wrong types", []string{"report", "-"}, `{"score":"high"}`, exitError, "not an assessment report"},
		{"unknown field", []string{"report", "-"}, `{"decision":"approve","colour":"green"}`, exitError, `unknown field "colour"`},
		{"facts unknown card", []string{"report", "--facts", "x", "--card", "gold"}, "", exitError, `card "gold"`},
		{"output directory missing", []string{"report", "testdata/assessment.json", "--out", filepath.Join(dir, "no", "r.md")}, "", exitError, "create"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runWith(tt.args, tt.in)
			assert.Equal(t, tt.code, code, stderr)
			assert.Contains(t, stderr, tt.want)
		})
	}
}
