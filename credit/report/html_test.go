package report_test

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/credit"
	"github.com/creditkit/creditkit/credit/report"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// assess assesses testdata/applicant.json with the built-in individual card at a fixed time.
func assess(t testing.TB) credit.Report {
	t.Helper()
	card, err := credit.BuiltinCard("individual")
	require.NoError(t, err)
	m, err := credit.Compile(card)
	require.NoError(t, err)
	a, err := credit.NewAssessor(m, credit.Config{Now: func() time.Time { return time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC) }})
	require.NoError(t, err)
	data, err := os.ReadFile("testdata/applicant.json")
	require.NoError(t, err)
	f, err := credit.DecodeFacts(data)
	require.NoError(t, err)
	r, err := a.Assess(f)
	require.NoError(t, err)
	return r
}

// TestWriteHTMLGolden checks the whole page against testdata/report.golden.html, which was
// reviewed in a browser: gauge at 540 of 680, eleven bars, every section of the Markdown
// report. Run with -update to rewrite it after a deliberate change.
func TestWriteHTMLGolden(t *testing.T) {
	r := assess(t)
	var buf bytes.Buffer
	require.NoError(t, report.WriteHTML(&buf, &r))
	if *update {
		require.NoError(t, os.WriteFile("testdata/report.golden.html", buf.Bytes(), 0o644))
	}
	want, err := os.ReadFile("testdata/report.golden.html")
	require.NoError(t, err)
	assert.Equal(t, string(want), buf.String())
}

func TestWriteHTMLSelfContained(t *testing.T) {
	r := assess(t)
	var buf bytes.Buffer
	require.NoError(t, report.WriteHTML(&buf, &r))
	page := buf.String()
	for _, banned := range []string{"<script", "http://", "https://", "src=", "<link", "@import", "url("} {
		assert.NotContains(t, page, banned)
	}
	assert.Equal(t, 2, strings.Count(page, "<svg "), "the gauge and the chart")
}

func TestWriteHTMLEscapes(t *testing.T) {
	r := assess(t)
	evil := `<script>alert("x")</script>`
	r.ModelID = evil
	r.Points[0].Bin = evil
	r.Points[0].Variable = `"><img onerror=1>`
	r.Reasons[0].EN = evil
	r.Hint.EN = evil
	r.Derivation.Binding = evil
	r.RuleHits = append(r.RuleHits, credit.RuleHit{Code: evil, Action: credit.KnockOut, EN: evil, ZH: evil})
	var buf bytes.Buffer
	require.NoError(t, report.WriteHTML(&buf, &r))
	page := buf.String()
	assert.NotContains(t, page, "<script")
	assert.NotContains(t, page, "<img")
	assert.Contains(t, page, "&lt;script&gt;")
}

func TestWriteHTMLEdgeCases(t *testing.T) {
	tests := []struct {
		name string
		give credit.Report
		want []string
	}{
		{"empty report", credit.Report{}, []string{"NO DECISION", "None: every characteristic is at its maximum"}},
		{"negative points", credit.Report{Decision: credit.Decline, Score: -12, Points: []credit.Points{
			{Variable: "x", Bin: "missing", Points: -20, MaxPoints: 30}, {Variable: "y", Bin: "[1, 2)", Points: 8, MaxPoints: 8}}},
			[]string{`class="bar negative"`, `class="bar full"`, "-20 / 30", "DECLINE"}},
		{"score above the dial", credit.Report{Decision: credit.Approve, Score: 90, Points: []credit.Points{
			{Variable: "x", Bin: "b", Points: 90, MaxPoints: 80}}}, []string{`d="M 20 120 A 100 100 0 0 1 220 120"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, report.WriteHTML(&buf, &tt.give))
			for _, w := range tt.want {
				assert.Contains(t, buf.String(), w)
			}
			assert.NotContains(t, buf.String(), "NaN")
		})
	}
}

func TestWriteHTMLNil(t *testing.T) {
	assert.ErrorIs(t, report.WriteHTML(&bytes.Buffer{}, nil), report.ErrNilReport)
}

func BenchmarkWriteHTML(b *testing.B) {
	r := assess(b)
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := report.WriteHTML(&buf, &r); err != nil {
			b.Fatal(err)
		}
	}
}
