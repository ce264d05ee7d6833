package server

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/server/store/storetest"
)

// The customer of POST /v1/assessments comes from a cache, checked at commit: a customer
// closed through another server after this one cached it is refused, and nothing is
// stored; one that was reopened in the database (here: never closed again) is assessed.
func TestAssessmentCustomerCheckedAtCommit(t *testing.T) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			a, b := replicas(t, db.DSN)
			f := setupBank(t, a, "1000000")
			body := `{"customer":"` + f.person + `","facts":` + applicantJSON(t) + `}`
			r := a.as("m1/officer").post(t, "/v1/assessments", body)
			require.Equal(t, http.StatusCreated, r.status, string(r.body))
			_, cached := a.srv.credit.refs.get(f.person)
			require.True(t, cached, "the first assessment cached its customer")

			r = b.as("boss/admin").get(t, "/v1/customers/"+f.person)
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			var c struct{ Version int64 }
			require.NoError(t, json.Unmarshal(r.body, &c))
			r = b.as("boss/admin").send(t, http.MethodPost, "/v1/customers/"+f.person+"/close", "", c.Version)
			require.Equal(t, http.StatusOK, r.status, string(r.body))

			r = a.as("m1/officer").post(t, "/v1/assessments", body)
			require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.body))
			assert.Contains(t, string(r.body), `"rule":"active"`)
			assert.Equal(t, 1, assessmentsOf(t, a, f.person))
			_, cached = a.srv.credit.refs.get(f.person)
			assert.False(t, cached, "a changed customer leaves the cache")

			// The refusal was decided on the database: asked again, the answer is the same.
			r = a.as("m1/officer").post(t, "/v1/assessments", body)
			require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.body))
			assert.Equal(t, 1, assessmentsOf(t, a, f.person))
		})
	}
}

// A customer reassigned to another officer after an officer limited to their own
// customers assessed it (the cache still says theirs) is refused at commit, word for word
// as a customer that does not exist; the new officer is assessed. /metrics counts where
// the references came from.
func TestAssessmentCustomerScopeCheckedAtCommit(t *testing.T) {
	for name, h := range harnesses(t, Config{Now: creditClock, Authenticator: scopeAuth{}}) {
		t.Run(name, func(t *testing.T) {
			f := setupScope(t, h)
			body := `{"customer":"` + f.person + `","facts":` + applicantJSON(t) + `}`
			o1 := h.scoped("o1", "officer", f.branch)
			r := o1.post(t, "/v1/assessments", body)
			require.Equal(t, http.StatusCreated, r.status, string(r.body))

			// As a reassignment through another server would, behind this one's cache.
			require.NoError(t, h.store.Tx(context.Background(), func(tx *sql.Tx) error {
				_, err := tx.ExecContext(context.Background(), h.store.Rebind(`UPDATE customers SET officer = 'o2' WHERE number = ?`), f.person)
				return err
			}))
			r = o1.post(t, "/v1/assessments", body)
			require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.body))
			assert.Contains(t, string(r.body), `"rule":"exists"`)
			assert.Equal(t, 1, assessmentsOf(t, h, f.person))

			r = h.scoped("o2", "officer", f.branch).post(t, "/v1/assessments", body)
			require.Equal(t, http.StatusCreated, r.status, string(r.body))

			// Read, taken from the cache and found changed at commit, read again.
			metrics := string(h.scoped("boss", "admin", 1).get(t, "/metrics").body)
			assert.Contains(t, metrics, `creditkit_assessment_customer_refs_total{result="miss"} 2`)
			assert.Contains(t, metrics, `creditkit_assessment_customer_refs_total{result="hit"} 1`)
			assert.Contains(t, metrics, `creditkit_assessment_customer_refs_total{result="stale"} 1`)
		})
	}
}

func TestRefCacheIsBounded(t *testing.T) {
	var c refCache
	for i := range maxCachedRefs + 10 {
		n, err := customer.NewNumber(customer.KindIndividual, uint64(i+1))
		require.NoError(t, err)
		c.put(customerRef{Number: n.String(), Kind: customer.KindIndividual})
	}
	assert.Len(t, c.refs, 10, "a full cache starts again")
	last, _ := customer.NewNumber(customer.KindIndividual, maxCachedRefs+10)
	ref, ok := c.get(last.String())
	assert.True(t, ok)
	assert.Equal(t, last.String(), ref.Number)
	c.drop(last.String())
	_, ok = c.get(last.String())
	assert.False(t, ok)
}

// assessmentsOf counts the stored assessments of customer number.
func assessmentsOf(t *testing.T, h *harness, number string) int {
	t.Helper()
	var n int
	require.NoError(t, h.store.QueryRow(context.Background(), `SELECT COUNT(*) FROM assessments WHERE customer = ?`, number).Scan(&n))
	return n
}
