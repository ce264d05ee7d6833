package loandb_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/credit"
	"github.com/creditkit/creditkit/loan"
	"github.com/creditkit/creditkit/server/store"
	"github.com/creditkit/creditkit/server/store/loandb"
	"github.com/creditkit/creditkit/server/store/storetest"
)

const matrixJSON = `{
  "bands": [
    {"above": "0", "up_to": "200000", "routes": [
      {"grades": ["AAA", "AA", "A", "BBB"], "stages": [
        {"name": "branch", "role": "approver", "authority": "50000"}]},
      {"stages": [
        {"name": "branch", "role": "approver", "authority": "50000"},
        {"name": "committee", "role": "committee", "authority": "1000000", "approvals": 2}]}]},
    {"above": "200000", "routes": [
      {"stages": [
        {"name": "branch", "role": "approver", "authority": "200000"},
        {"name": "committee", "role": "committee", "authority": "1000000", "approvals": 2}]}]}
  ],
  "override": {"role": "committee", "authority": "1000000"}
}`

var (
	t0         = time.Date(2026, 11, 28, 9, 0, 0, 123456789, time.UTC)
	maker      = loan.Actor{ID: "m1", Roles: []loan.Role{loan.RoleMaker}}
	officer    = loan.Actor{ID: "o1", Roles: []loan.Role{loan.RoleOfficer}}
	supervisor = loan.Actor{ID: "s1", Roles: []loan.Role{loan.RoleSupervisor}}
	committee1 = loan.Actor{ID: "c1", Roles: []loan.Role{loan.RoleCommittee}, Authority: dec("5000000")}
	committee2 = loan.Actor{ID: "c2", Roles: []loan.Role{loan.RoleCommittee}, Authority: dec("5000000")}
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func newWorkflow(t testing.TB) *loan.Workflow {
	t.Helper()
	m, err := loan.ParseMatrix([]byte(matrixJSON))
	require.NoError(t, err)
	w, err := loan.New(loan.Config{Matrix: m}, loan.HeadroomFunc(func(context.Context, string, decimal.Decimal) ([]loan.Breach, error) {
		return nil, nil
	}))
	require.NoError(t, err)
	return w
}

// realReport assesses the credit package's sample applicant with the built-in individual
// card, so the stored report has every field a real one has.
func realReport(t testing.TB) credit.Report {
	t.Helper()
	card, err := credit.BuiltinCard("individual")
	require.NoError(t, err)
	model, err := credit.Compile(card)
	require.NoError(t, err)
	a, err := credit.NewAssessor(model, credit.Config{Now: func() time.Time { return t0 }})
	require.NoError(t, err)
	facts, err := credit.DecodeFacts([]byte(`{
	  "bureau": {"history_months": 60, "open_accounts": 3, "delinquencies_24m": 0, "worst_dpd_24m": 0,
	             "amount_overdue": "0", "defaults_or_write_offs": 0, "utilisation": 0.2, "hard_inquiries_6m": 1},
	  "income": {"monthly": "38000", "verified": true, "employment": "civil_servant", "years_with_employer": 9},
	  "capacity": {"monthly_debt_payments": "2500", "monthly_living_costs": "4000", "housing": "own"},
	  "profile": {"age": 41, "marital": "married", "education": "master"},
	  "request": {"amount": "300000", "term_months": 36, "product": "consumer", "method": "equal_instalments"}}`))
	require.NoError(t, err)
	r, err := a.Assess(facts)
	require.NoError(t, err)
	return r
}

func draft(id, amount string) loan.Draft {
	return loan.Draft{ID: id, Customer: "C0000001", CustomerKind: loan.CustomerIndividual, Product: "consumer",
		Amount: dec(amount), TermMonths: 36, Purpose: "renovation 装修", Repayment: loan.RepaymentEqualInstalments,
		Security: loan.SecurityGuarantee, SecurityDetail: "guarantor 李娜"}
}

// stores runs f against a fresh Repo on every test database.
func stores(t *testing.T, f func(t *testing.T, st *store.Store, r *loandb.Repo)) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			st, err := store.Open(context.Background(), db.DSN)
			require.NoError(t, err)
			t.Cleanup(func() { st.Close() })
			f(t, st, loandb.New(st))
		})
	}
}

// TestStoreContract checks the loan.Store contract on the SQL repository and, as the
// reference, on loan.MemStore: both must behave the same.
func TestStoreContract(t *testing.T) {
	t.Run("memstore", func(t *testing.T) { storeContract(t, loan.NewMemStore()) })
	stores(t, func(t *testing.T, _ *store.Store, r *loandb.Repo) { storeContract(t, r) })
}

func storeContract(t *testing.T, s loan.Store) {
	ctx := context.Background()
	w := newWorkflow(t)
	app, ev, err := w.Create(maker, t0, draft("L-1", "1000"))
	require.NoError(t, err)
	require.NoError(t, s.Create(ctx, app, ev))
	assert.ErrorIs(t, s.Create(ctx, app, ev), loan.ErrExists)

	got, err := s.Get(ctx, app.ID)
	require.NoError(t, err)
	sameApp(t, app, got)

	next, ev2, err := w.Apply(ctx, got, maker, t0.Add(time.Minute), loan.ReceiveDocument{Kind: loan.DocIdentity, Reference: "dms://1"})
	require.NoError(t, err)
	require.NoError(t, s.Update(ctx, next, 1, ev2))

	jump := next
	jump.Version = 5
	assert.ErrorIs(t, s.Update(ctx, jump, 2, ev2), loan.ErrInvalid, "the new version must be one above the expected one")

	var ve *loan.VersionError
	err = s.Update(ctx, next, 1, ev2)
	require.ErrorAs(t, err, &ve)
	assert.ErrorIs(t, err, loan.ErrStale)
	assert.Equal(t, int64(1), ve.Expected)
	assert.Equal(t, int64(2), ve.Actual)

	got, err = s.Get(ctx, app.ID)
	require.NoError(t, err)
	sameApp(t, next, got, "a refused update changes nothing")

	events, err := s.Events(ctx, app.ID)
	require.NoError(t, err)
	assert.Equal(t, []loan.Event{ev, ev2}, events)

	_, err = s.Get(ctx, "nope")
	assert.ErrorIs(t, err, loan.ErrNotFound)
	_, err = s.Events(ctx, "nope")
	assert.ErrorIs(t, err, loan.ErrNotFound)
	missing := next
	missing.ID = "nope"
	missing.Version = 3
	assert.ErrorIs(t, s.Update(ctx, missing, 2, loan.Event{Application: "nope", Version: 3, Action: loan.ActionSubmit,
		Role: loan.RoleMaker, To: loan.StatusSubmitted, At: t0}), loan.ErrNotFound)
	assert.ErrorIs(t, s.Create(ctx, loan.Application{}, ev), loan.ErrInvalid)
	v2 := app
	v2.ID, v2.Version = "L-2", 2
	assert.ErrorIs(t, s.Create(ctx, v2, ev), loan.ErrInvalid, "a new application starts at version 1")
}

// TestRoundTrip drives an application through every step to a two-stage approval with a
// quorum and an override, storing each version, and checks that what comes back equals
// what was stored, field for field, at every version.
func TestRoundTrip(t *testing.T) {
	stores(t, func(t *testing.T, st *store.Store, r *loandb.Repo) {
		ctx := context.Background()
		w := newWorkflow(t)
		at := t0
		app, _, err := w.Open(ctx, r, maker, at, draft("L-7", "990000"))
		require.NoError(t, err)
		step := func(a loan.Actor, cmd loan.Command) {
			t.Helper()
			at = at.Add(time.Minute)
			app, _, err = w.Execute(ctx, r, app.ID, app.Version, a, at, cmd)
			require.NoError(t, err)
			got, err := r.Get(ctx, app.ID)
			require.NoError(t, err)
			sameApp(t, app, got, "after %s", cmd.Action())
		}
		for _, k := range w.Required(app) {
			step(maker, loan.ReceiveDocument{Kind: k, Reference: "dms://L-7/" + k.String(), Comment: "scan"})
		}
		step(maker, loan.Submit{Comment: "complete"})
		for _, k := range w.Required(app) {
			step(officer, loan.VerifyDocument{Kind: k})
		}
		rep := realReport(t)
		step(officer, loan.Assess{Report: rep, Comment: "first look"})
		step(supervisor, loan.Assign{Officer: officer.ID})
		step(officer, loan.StartReview{})
		require.Len(t, app.Stages, 2)
		require.True(t, rep.Limit.LessThan(app.Amount), "the limit %s must be below the amount to test an override", rep.Limit)
		// An approver who sits on the committee may approve above the assessed limit, with a reason.
		senior := loan.Actor{ID: "a9", Roles: []loan.Role{loan.RoleApprover, loan.RoleCommittee}, Authority: dec("5000000")}
		step(senior, loan.Decide{Stage: 1, Verdict: loan.VerdictApprove, Comment: "ok", OverrideReason: "long relationship"})
		require.NotNil(t, app.Override)
		step(committee1, loan.Decide{Stage: 2, Verdict: loan.VerdictApprove, Comment: "ok", OverrideReason: "agreed"})
		step(committee2, loan.Decide{Stage: 2, Verdict: loan.VerdictApprove, Comment: "ok", OverrideReason: "agreed"})
		assert.Equal(t, loan.StatusApproved, app.Status)
		assert.JSONEq(t, string(mustJSON(t, rep)), string(mustJSON(t, app.Reports[0])))

		events, err := r.Events(ctx, app.ID)
		require.NoError(t, err)
		require.Len(t, events, int(app.Version))
		for i, ev := range events {
			assert.Equal(t, int64(i+1), ev.Version)
		}
		assert.Equal(t, loan.ActionApprove, events[len(events)-1].Action)
		assert.Equal(t, "2", events[len(events)-1].Details["stage"])

		var submitted, decided sql.NullInt64
		require.NoError(t, st.QueryRow(ctx, `SELECT submitted_at, decided_at FROM applications WHERE id = ?`, app.ID).Scan(&submitted, &decided))
		require.True(t, submitted.Valid)
		require.True(t, decided.Valid)
		assert.Equal(t, events[len(events)-1].At.UnixNano(), decided.Int64)
		for _, ev := range events {
			if ev.Action == loan.ActionSubmit {
				assert.Equal(t, ev.At.UnixNano(), submitted.Int64, "the first submission is kept")
				break
			}
		}
	})
}

// TestRacingUpdates has many writers update one version at once, each through its own
// Repo on its own connection pool (as separate server processes would): exactly one wins,
// the others get a *loan.VersionError, and one event is recorded for the version.
func TestRacingUpdates(t *testing.T) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			ctx := context.Background()
			const n = 12
			repos := make([]*loandb.Repo, 3)
			for i := range repos {
				st, err := store.Open(ctx, db.DSN)
				require.NoError(t, err)
				t.Cleanup(func() { st.Close() })
				repos[i] = loandb.New(st)
			}
			w := newWorkflow(t)
			app, _, err := w.Open(ctx, repos[0], maker, t0, draft("L-9", "1000"))
			require.NoError(t, err)
			var wg sync.WaitGroup
			errs := make([]error, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, _, errs[i] = w.Execute(ctx, repos[i%len(repos)], app.ID, app.Version, maker, t0.Add(time.Second),
						loan.ReceiveDocument{Kind: loan.DocIdentity, Reference: fmt.Sprintf("dms://%d", i)})
				}()
			}
			wg.Wait()
			wins := 0
			for _, err := range errs {
				if err == nil {
					wins++
					continue
				}
				var ve *loan.VersionError
				require.ErrorAs(t, err, &ve)
			}
			assert.Equal(t, 1, wins)
			events, err := repos[1].Events(ctx, app.ID)
			require.NoError(t, err)
			assert.Len(t, events, 2)
			got, err := repos[2].Get(ctx, app.ID)
			require.NoError(t, err)
			assert.Equal(t, int64(2), got.Version)
			assert.Equal(t, events[1].Details["reference"], got.Documents[0].Reference)
		})
	}
}

// TestTxRollback: an update inside a transaction that fails afterwards leaves neither the
// new version nor its event.
func TestTxRollback(t *testing.T) {
	stores(t, func(t *testing.T, st *store.Store, r *loandb.Repo) {
		ctx := context.Background()
		w := newWorkflow(t)
		app, _, err := w.Open(ctx, r, maker, t0, draft("L-3", "1000"))
		require.NoError(t, err)
		boom := errors.New("boom")
		err = st.Tx(ctx, func(tx *sql.Tx) error {
			cur, err := r.GetTx(ctx, tx, app.ID)
			require.NoError(t, err)
			next, ev, err := w.Apply(ctx, cur, maker, t0, loan.Withdraw{Comment: "no"})
			require.NoError(t, err)
			require.NoError(t, r.UpdateTx(ctx, tx, next, cur.Version, ev))
			seen, err := r.GetTx(ctx, tx, app.ID)
			require.NoError(t, err)
			assert.Equal(t, loan.StatusWithdrawn, seen.Status, "the transaction sees its own write")
			require.NoError(t, r.LockApprovals(ctx, tx))
			return boom
		})
		require.ErrorIs(t, err, boom)
		got, err := r.Get(ctx, app.ID)
		require.NoError(t, err)
		sameApp(t, app, got)
		events, err := r.Events(ctx, app.ID)
		require.NoError(t, err)
		assert.Len(t, events, 1)
	})
}

func TestEventChecks(t *testing.T) {
	stores(t, func(t *testing.T, _ *store.Store, r *loandb.Repo) {
		ctx := context.Background()
		w := newWorkflow(t)
		app, ev, err := w.Create(maker, t0, draft("L-4", "1000"))
		require.NoError(t, err)
		bad := ev
		bad.Application = "L-5"
		assert.ErrorIs(t, r.Create(ctx, app, bad), loan.ErrInvalid, "an event of another application")
		bad = ev
		bad.Version = 2
		assert.ErrorIs(t, r.Create(ctx, app, bad), loan.ErrInvalid, "an event of another version")
		bad = ev
		bad.Role = 0
		assert.ErrorIs(t, r.Create(ctx, app, bad), loan.ErrInvalid, "an event without role")
		_, err = r.Get(ctx, app.ID)
		assert.ErrorIs(t, err, loan.ErrNotFound, "nothing of a refused create is stored")
		noStatus := app
		noStatus.Status = 0
		assert.ErrorIs(t, r.Create(ctx, noStatus, ev), loan.ErrInvalid)
	})
}

func TestList(t *testing.T) {
	stores(t, func(t *testing.T, _ *store.Store, r *loandb.Repo) {
		ctx := context.Background()
		w := newWorkflow(t)
		for i := range 7 {
			d := draft(fmt.Sprintf("L-%02d", i), "1000")
			if i%2 == 1 {
				d.Customer = "C0000002"
			}
			app, _, err := w.Open(ctx, r, maker, t0, d)
			require.NoError(t, err)
			if i%3 == 0 {
				_, _, err = w.Execute(ctx, r, app.ID, 1, maker, t0, loan.Withdraw{})
				require.NoError(t, err)
			}
		}
		var ids []string
		cursor := ""
		for {
			p, err := r.List(ctx, loandb.Query{Limit: 3, Cursor: cursor})
			require.NoError(t, err)
			assert.LessOrEqual(t, len(p.Items), 3)
			for _, a := range p.Items {
				ids = append(ids, a.ID)
			}
			if p.Next == "" {
				break
			}
			cursor = p.Next
		}
		assert.Equal(t, []string{"L-00", "L-01", "L-02", "L-03", "L-04", "L-05", "L-06"}, ids)

		p, err := r.List(ctx, loandb.Query{Status: loan.StatusWithdrawn})
		require.NoError(t, err)
		assert.Equal(t, []string{"L-00", "L-03", "L-06"}, appIDs(p.Items))
		assert.Empty(t, p.Next)
		p, err = r.List(ctx, loandb.Query{Status: loan.StatusDraft, Customer: "C0000002"})
		require.NoError(t, err)
		assert.Equal(t, []string{"L-01", "L-05"}, appIDs(p.Items))
		p, err = r.List(ctx, loandb.Query{Officer: "nobody"})
		require.NoError(t, err)
		assert.Empty(t, p.Items)

		for _, c := range []string{"x", "!!!", loandb.EncodeCursor("")[:2], "YTo", string(make([]byte, 300))} {
			_, err = r.List(ctx, loandb.Query{Cursor: c})
			assert.ErrorIs(t, err, loandb.ErrCursor, "%q", c)
		}
		for _, l := range []int{-1, loandb.MaxLimit + 1} {
			_, err = r.List(ctx, loandb.Query{Limit: l})
			assert.ErrorIs(t, err, loan.ErrInvalid)
		}
		_, err = r.List(ctx, loandb.Query{Status: loan.Status(99)})
		assert.ErrorIs(t, err, loan.ErrInvalid)
	})
}

// sameApp compares two applications by value: decimals by amount (their internal form may
// differ after a round trip through text), times by instant, everything else exactly — the
// JSON form of an Application shows each field that way.
func sameApp(t *testing.T, want, got loan.Application, msgAndArgs ...any) {
	t.Helper()
	require.JSONEq(t, string(mustJSON(t, want)), string(mustJSON(t, got)), msgAndArgs...)
	require.Equal(t, len(want.Reports), len(got.Reports), msgAndArgs...)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

func appIDs(apps []loan.Application) []string {
	out := make([]string, len(apps))
	for i, a := range apps {
		out[i] = a.ID
	}
	return out
}

func TestCursor(t *testing.T) {
	for _, id := range []string{"L0000000001", "a", "申请-7"} {
		got, err := loandb.DecodeCursor(loandb.EncodeCursor(id))
		require.NoError(t, err)
		assert.Equal(t, id, got)
	}
}

// FuzzCursor: DecodeCursor never panics, and what it accepts encodes back to itself.
func FuzzCursor(f *testing.F) {
	for _, s := range []string{loandb.EncodeCursor("L0000000001"), "", "YTo", "!!!", "YTpMMDAwMDAwMDAwMQ=="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := loandb.DecodeCursor(s)
		if err != nil {
			return
		}
		if got := loandb.EncodeCursor(id); got != s {
			t.Fatalf("%q decodes to %q which encodes to %q", s, id, got)
		}
	})
}
