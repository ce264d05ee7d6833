package main

import (
	"bytes"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/output.golden")

// TestRun checks the walk-through's exact output against testdata/output.golden, which was
// reviewed by hand: the applicant of credit's own tests is approved (540 points, grade B,
// 150000 at 708 bp) with four reasons, the student without a file is declined (365 points,
// grade C) with two referral rules, both problems of the bad facts come back at once as 422
// in English and Chinese, text that is not JSON is a 400, and the HTML page has its two SVG
// pictures and no script.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out))
	if *update {
		require.NoError(t, os.WriteFile("testdata/output.golden", out.Bytes(), 0o644))
	}
	want, err := os.ReadFile("testdata/output.golden")
	require.NoError(t, err)
	assert.Equal(t, string(want), out.String())
}

func TestRoutes(t *testing.T) {
	s, err := newScoring(func() time.Time { return time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC) })
	require.NoError(t, err)
	h := s.routes()
	tests := []struct {
		name   string
		method string
		path   string
		body   string
		status int
	}{
		{"wrong method", http.MethodGet, "/v1/score", "", http.StatusMethodNotAllowed},
		{"unknown path", http.MethodPost, "/v1/other", "{}", http.StatusNotFound},
		{"body too large", http.MethodPost, "/v1/score", `{"x":"` + strings.Repeat("a", maxBody) + `"}`, http.StatusRequestEntityTooLarge},
		{"unknown field", http.MethodPost, "/v1/score", `{"salary":1}`, http.StatusBadRequest},
		{"no request", http.MethodPost, "/v1/score", `{}`, http.StatusUnprocessableEntity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body)))
			assert.Equal(t, tt.status, rec.Code, rec.Body.String())
		})
	}
}
