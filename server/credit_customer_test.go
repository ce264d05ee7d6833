package server

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/customer/customertest"
	"github.com/creditkit/creditkit/server/store/customerdb"
)

// registerPerson stores the i-th test person through the customer repository (the
// customers domain's own write path is not needed to assess) and returns the number.
func registerPerson(t testing.TB, h *harness, i int) string {
	t.Helper()
	repo, err := customerdb.New(h.store, customerdb.Config{Now: creditClock, Keyring: h.srv.cfg.Keyring})
	require.NoError(t, err)
	id := customertest.ResidentID("110105", time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i), i%999+1)
	c := customertest.Person(fmt.Sprintf("测试%d", i), id, "13800000000", "BJ01", "O-1")
	stored, err := repo.Register(context.Background(), c, "test")
	require.NoError(t, err)
	return stored.Number.String()
}

func TestPostAssessment(t *testing.T) {
	h := creditHarness(t)
	number := registerPerson(t, h, 1)
	r := h.sendWith(t, http.MethodPost, "/v1/assessments", `{"customer":"`+number+`","facts":`+applicantJSON(t)+`}`,
		"X-Request-ID", "req-42")
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	v := decodeAs[storedAssessmentView](t, r)
	assert.Equal(t, "/v1/assessments/"+v.ID, r.header.Get("Location"))
	assert.Equal(t, number, v.Customer)
	assert.Equal(t, "individual", v.CustomerKind)
	assert.Equal(t, "individual-1", v.Scorecard)
	assert.Equal(t, "approve", v.Decision)
	assert.Equal(t, "req-42", v.RequestID)
	assert.Equal(t, "anonymous", v.CreatedBy)
	assert.Equal(t, creditNow, v.CreatedAt)

	got := h.get(t, "/v1/assessments/"+v.ID)
	require.Equal(t, http.StatusOK, got.status)
	assert.JSONEq(t, string(r.body), string(got.body), "the answer is what was stored")

	// A closed customer is not assessed.
	repo, err := customerdb.New(h.store, customerdb.Config{Now: creditClock, Keyring: h.srv.cfg.Keyring})
	require.NoError(t, err)
	n, err := customer.ParseNumber(number)
	require.NoError(t, err)
	_, err = repo.Close(context.Background(), n, 1, "test")
	require.NoError(t, err)
	r = h.sendWith(t, http.MethodPost, "/v1/assessments", `{"customer":"`+number+`","facts":`+applicantJSON(t)+`}`)
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.body))
	assert.Equal(t, "customer", problemOf(t, r).Errors[0].Path)
	assert.Equal(t, 1, rowCount(t, h.store, "assessments"))
}
