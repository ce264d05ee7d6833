package server

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Both group-committing writers report every commit on /metrics: how many writes it
// stored and how long its transaction took.
func TestGroupCommitMetrics(t *testing.T) {
	h := creditHarness(t)
	number := registerPerson(t, h, 1)
	for range 2 {
		r := h.sendWith(t, http.MethodPost, "/v1/assessments", `{"customer":"`+number+`","facts":`+applicantJSON(t)+`}`)
		require.Equal(t, http.StatusCreated, r.status, string(r.body))
	}
	br := custNode(t, h, 1, "branch", "北京分行", "")
	r := h.do(t, custReq(http.MethodPost, "/v1/customers", custPerson(t, "张三", 1, br)))
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	r = h.do(t, custReq(http.MethodPost, "/v1/customers", `{"kind":"individual"}`))
	require.Equal(t, http.StatusUnprocessableEntity, r.status, "refused before the writer: no commit")

	body := string(h.get(t, "/metrics").body)
	assert.Contains(t, body, `creditkit_group_commit_rows_sum{writer="assessments"} 2`)
	assert.Contains(t, body, `creditkit_group_commit_rows_count{writer="assessments"} 2`)
	assert.Contains(t, body, `creditkit_group_commit_duration_seconds_count{writer="assessments"} 2`)
	assert.Contains(t, body, `creditkit_group_commit_rows_sum{writer="customers"} 1`)
	assert.Contains(t, body, `creditkit_group_commit_duration_seconds_count{writer="customers"} 1`)
}
