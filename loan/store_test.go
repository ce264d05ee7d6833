package loan

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMemStore(t *testing.T) {
	ctx := context.Background()
	w := newWorkflow(t)
	s := NewMemStore()
	app, ev, err := w.Create(maker, t0, draft("1000"))
	require.NoError(t, err)
	require.NoError(t, s.Create(ctx, app, ev))
	assert.ErrorIs(t, s.Create(ctx, app, ev), ErrExists)

	got, err := s.Get(ctx, app.ID)
	require.NoError(t, err)
	assert.Equal(t, app, got)

	next, ev2, err := w.Apply(ctx, got, maker, t0, ReceiveDocument{Kind: DocIdentity, Reference: "r"})
	require.NoError(t, err)
	require.NoError(t, s.Update(ctx, next, 1, ev2))

	jump := next
	jump.Version = 5
	assert.ErrorIs(t, s.Update(ctx, jump, 2, ev2), ErrInvalid, "the new version must be one above the expected one")

	var ve *VersionError
	err = s.Update(ctx, next, 1, ev2)
	require.ErrorAs(t, err, &ve)
	assert.ErrorIs(t, err, ErrStale)
	assert.ErrorIs(t, err, ErrConflict)
	assert.Equal(t, int64(1), ve.Expected)
	assert.Equal(t, int64(2), ve.Actual)

	events, err := s.Events(ctx, app.ID)
	require.NoError(t, err)
	require.Len(t, events, 2)
	assert.Equal(t, ActionCreate, events[0].Action)
	assert.Equal(t, ActionReceiveDocument, events[1].Action)

	// Values in and out are copies.
	got, err = s.Get(ctx, app.ID)
	require.NoError(t, err)
	got.Documents[0].Reference = "tampered"
	events[1].Details["document"] = "tampered"
	again, err := s.Get(ctx, app.ID)
	require.NoError(t, err)
	assert.Equal(t, "r", again.Documents[0].Reference)
	events, err = s.Events(ctx, app.ID)
	require.NoError(t, err)
	assert.Equal(t, "identity", events[1].Details["document"])

	_, err = s.Get(ctx, "nope")
	assert.ErrorIs(t, err, ErrNotFound)
	_, err = s.Events(ctx, "nope")
	assert.ErrorIs(t, err, ErrNotFound)
	missing := app
	missing.ID = "nope"
	missing.Version = 2
	assert.ErrorIs(t, s.Update(ctx, missing, 1, ev), ErrNotFound)
	assert.ErrorIs(t, s.Create(ctx, Application{}, ev), ErrInvalid)

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = s.Get(cancelled, app.ID)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestExecuteStaleVersion(t *testing.T) {
	ctx := context.Background()
	w := newWorkflow(t)
	s := NewMemStore()
	app := inStatus(t, w, StatusUnderReview)
	require.NoError(t, s.Create(ctx, Application{ID: app.ID, Version: 1, Status: StatusDraft}, Event{}))
	// Put the prepared application in the store at its own version.
	cur, err := s.Get(ctx, app.ID)
	require.NoError(t, err)
	for cur.Version < app.Version-1 {
		cur.Version++
		require.NoError(t, s.Update(ctx, cur, cur.Version-1, Event{}))
	}
	require.NoError(t, s.Update(ctx, app, app.Version-1, Event{}))

	_, _, err = w.Execute(ctx, s, app.ID, app.Version-1, approver, t0, approve(1))
	var ve *VersionError
	require.ErrorAs(t, err, &ve)
	assert.ErrorIs(t, err, ErrStale)

	next, _, err := w.Execute(ctx, s, app.ID, app.Version, approver, t0, approve(1))
	require.NoError(t, err)
	assert.Equal(t, StatusApproved, next.Status)

	_, _, err = w.Execute(ctx, s, app.ID, next.Version, approver, t0, approve(1))
	assert.ErrorIs(t, err, ErrConflict, "approving an approved application")
	_, _, err = w.Execute(ctx, s, "nope", 1, approver, t0, approve(1))
	assert.ErrorIs(t, err, ErrNotFound)
}

// TestRacingApprovals has many approvers decide the same stage from the same version at
// once: exactly one wins, every other gets a stale-version conflict, and the store records
// one decision.
func TestRacingApprovals(t *testing.T) {
	ctx := context.Background()
	w := newWorkflow(t)
	s := NewMemStore()
	app, ev, err := w.Open(ctx, s, maker, t0, draft("100000"))
	require.NoError(t, err)
	_ = ev
	run := func(a Actor, cmd Command) {
		t.Helper()
		app, _, err = w.Execute(ctx, s, app.ID, app.Version, a, t0, cmd)
		require.NoError(t, err)
	}
	for _, k := range w.Required(app) {
		run(maker, ReceiveDocument{Kind: k, Reference: "r"})
	}
	run(maker, Submit{})
	for _, k := range w.Required(app) {
		run(officer, VerifyDocument{Kind: k})
	}
	run(officer, Assess{Report: report(t, "A", "150000")})
	run(supervisor, Assign{Officer: officer.ID})
	run(officer, StartReview{})

	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := Actor{ID: "racer" + string(rune('a'+i)), Roles: []Role{RoleApprover}, Authority: dec("500000")}
			_, _, errs[i] = w.Execute(ctx, s, app.ID, app.Version, a, t0, approve(1))
		}()
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		if err == nil {
			wins++
			continue
		}
		assert.ErrorIs(t, err, ErrStale)
	}
	assert.Equal(t, 1, wins)
	final, err := s.Get(ctx, app.ID)
	require.NoError(t, err)
	assert.Equal(t, StatusApproved, final.Status)
	assert.Len(t, final.Decisions, 1)
	assert.Equal(t, app.Version+1, final.Version)
}
