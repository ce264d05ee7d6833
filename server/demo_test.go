package server

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/loan"
	"github.com/creditkit/creditkit/server/auth"
	"github.com/creditkit/creditkit/server/demo"
	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/tree"
)

var demoNow = time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)

// TestLoadDemo loads a small demo bank, checks it through the API, and loads it again to
// show the second load changes nothing.
func TestLoadDemo(t *testing.T) {
	h := newHarness(t, Config{Authenticator: scopeAuth{}})
	ctx := context.Background()
	cfg := demo.Config{Customers: 200, Applications: 80, Now: demoNow}
	if testing.Short() {
		cfg.Customers, cfg.Applications = 100, 30
	}
	rep, err := h.srv.LoadDemo(ctx, cfg)
	require.NoError(t, err)
	require.True(t, rep.Loaded)
	t.Log(rep)
	assert.Equal(t, cfg.Customers, rep.Customers)
	total := 0
	for _, n := range rep.Applications {
		total += n
	}
	assert.Equal(t, cfg.Applications, total)
	assert.Positive(t, rep.Applications[loan.StatusApproved])
	if !testing.Short() {
		for _, st := range []loan.Status{loan.StatusDraft, loan.StatusSubmitted, loan.StatusAssessed, loan.StatusUnderReview,
			loan.StatusRejected, loan.StatusWithdrawn} {
			assert.Positive(t, rep.Applications[st], "some application ends %s", st)
		}
	}
	before := h.tableCounts(t)

	// What the API shows matches the report.
	p := h.as("a1/analyst").portfolio(t)
	assert.Equal(t, cfg.Customers, p.Customers.Total)
	assert.Equal(t, total, p.Applications.Total)
	assert.Equal(t, rep.Applications[loan.StatusApproved], p.Applications.Approved)
	require.NotNil(t, p.Applications.ApprovalRate)
	require.NotNil(t, p.Applications.MedianHoursToDecision)
	assert.Positive(t, *p.Applications.MedianHoursToDecision)
	assert.NotEqual(t, "0", p.Exposure.Total, "approvals added exposure")
	assert.Positive(t, p.Grades.Assessed)
	require.NotEmpty(t, p.Exposure.TopGroups)
	var conglomerate bool
	for _, g := range p.Exposure.TopGroups {
		if g.Name == "华辰控股集团" {
			conglomerate = true
			require.NotNil(t, g.Limit)
			assert.Equal(t, "120000000", *g.Limit)
		}
	}
	assert.True(t, conglomerate, "the conglomerate is among the top groups")

	r := h.as("r1/reader").get(t, "/v1/applications?status=under_review&limit=200")
	require.Equal(t, http.StatusOK, r.status)

	// The custom roles of the demo's people are stored, so keys can be made for them.
	roles, err := auth.NewRoleStore(h.store, auth.KeyStoreConfig{}).List(ctx)
	require.NoError(t, err)
	var names []string
	for _, r := range roles {
		names = append(names, r.Name)
		assert.Equal(t, demoRoles[r.Name].Permissions, r.Permissions)
	}
	assert.Equal(t, []string{"committee", "supervisor"}, names)
	_, _, err = auth.NewKeyStore(h.store, auth.KeyStoreConfig{}).Create(ctx, perm.Admin("t", "t"),
		auth.NewKey{Role: "committee", Subject: "committee-member", Name: "a committee member"})
	require.NoError(t, err)

	// Every write of the load is on record, and the chain verifies: one record per
	// application version, and the two roles.
	var versions, appRecords, roleRecords int
	require.NoError(t, h.store.QueryRow(ctx, `SELECT COUNT(*) FROM application_events`).Scan(&versions))
	require.NoError(t, h.store.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE entity_type = 'application'`).Scan(&appRecords))
	require.NoError(t, h.store.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'role.put'`).Scan(&roleRecords))
	assert.Equal(t, versions, appRecords)
	assert.Equal(t, 2, roleRecords)
	verifyTrail(t, h)

	// The regions (the branches under the head office) partition the bank: their
	// analysts' portfolios add up to the whole one, and each is a part of it.
	rows, err := h.store.Query(ctx, `SELECT id FROM tree_nodes WHERE kind = 'branch' AND parent IN
		(SELECT id FROM tree_nodes WHERE parent = 1 AND kind = 'branch')`)
	require.NoError(t, err)
	var branches []int64
	for rows.Next() {
		var id int64
		require.NoError(t, rows.Scan(&id))
		branches = append(branches, id)
	}
	require.NoError(t, rows.Err())
	rows.Close()
	require.Greater(t, len(branches), 1)
	var customers, applications, approved int
	for _, b := range branches {
		r := h.scoped("risk", "analyst", b).get(t, "/v1/analytics/portfolio")
		require.Equal(t, http.StatusOK, r.status, string(r.body))
		bp := decodeAs[portfolioJSON](t, r)
		assert.Less(t, bp.Customers.Total, p.Customers.Total, "branch %d sees a part of the bank", b)
		customers += bp.Customers.Total
		applications += bp.Applications.Total
		approved += bp.Applications.Approved
	}
	assert.Equal(t, p.Customers.Total, customers)
	assert.Equal(t, p.Applications.Total, applications)
	assert.Equal(t, p.Applications.Approved, approved)

	// Again: nothing is loaded twice.
	again, err := h.srv.LoadDemo(ctx, cfg)
	require.NoError(t, err)
	assert.False(t, again.Loaded)
	assert.False(t, again.Unfinished)
	assert.Equal(t, before, h.tableCounts(t))
	assert.Equal(t, "demo bank: already loaded", again.String())
}

func TestLoadDemoRefusesADatabaseWithData(t *testing.T) {
	h := newHarness(t, Config{Authenticator: headerAuth{}})
	ctx := context.Background()
	admin := h.srv.cfg.Anonymous
	branch, err := h.srv.createNode(ctx, admin, nodeInput{Parent: 1, Kind: tree.KindBranch, Name: "支行"})
	require.NoError(t, err)
	_, err = h.srv.createCustomer(ctx, admin, demoCustomer(t), branch.ID)
	require.NoError(t, err)
	_, err = h.srv.LoadDemo(ctx, demo.Config{Customers: 100, Applications: 30, Now: demoNow})
	require.ErrorIs(t, err, ErrDemoNotEmpty)
	// The claim was not taken: the refusal rolled back.
	var n int
	require.NoError(t, h.store.QueryRow(ctx, `SELECT COUNT(*) FROM sequences WHERE name LIKE 'demo-bank%'`).Scan(&n))
	assert.Zero(t, n)
}

// demoCustomer is a valid individual customer from the demo plan.
func demoCustomer(t *testing.T) customer.Customer {
	t.Helper()
	b, err := demo.Generate(demo.Config{Customers: 100, Applications: 30, Now: demoNow})
	require.NoError(t, err)
	for _, c := range b.Customers {
		if c.Customer.Kind == customer.KindIndividual {
			return c.Customer
		}
	}
	t.Fatal("the demo plan has no individual")
	return customer.Customer{}
}
