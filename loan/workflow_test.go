package loan

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// legal lists, independently of the code, where each action may go: from → to.
var legal = map[Action]map[Status]Status{
	ActionSubmit: {StatusDraft: StatusSubmitted, StatusReturned: StatusSubmitted},
	ActionReceiveDocument: {StatusDraft: StatusDraft, StatusSubmitted: StatusSubmitted,
		StatusAssessed: StatusAssessed, StatusAssigned: StatusAssigned, StatusReturned: StatusReturned},
	ActionVerifyDocument: {StatusSubmitted: StatusSubmitted, StatusAssessed: StatusAssessed, StatusAssigned: StatusAssigned},
	ActionRejectDocument: {StatusSubmitted: StatusSubmitted, StatusAssessed: StatusAssessed, StatusAssigned: StatusAssigned},
	ActionAssess:         {StatusSubmitted: StatusAssessed, StatusAssessed: StatusAssessed, StatusAssigned: StatusAssigned},
	ActionAssign:         {StatusAssessed: StatusAssigned, StatusAssigned: StatusAssigned},
	ActionStartReview:    {StatusAssigned: StatusUnderReview},
	ActionApprove:        {StatusUnderReview: StatusApproved},
	ActionReject:         {StatusUnderReview: StatusRejected},
	ActionReturn:         {StatusUnderReview: StatusReturned},
	ActionWithdraw: {StatusDraft: StatusWithdrawn, StatusSubmitted: StatusWithdrawn, StatusAssessed: StatusWithdrawn,
		StatusAssigned: StatusWithdrawn, StatusUnderReview: StatusWithdrawn, StatusReturned: StatusWithdrawn},
}

// TestEveryTransition tries every action in every status: legal pairs move to the expected
// status and record it; illegal ones fail with a StateError naming the current status.
func TestEveryTransition(t *testing.T) {
	w := newWorkflow(t)
	commands := map[Action]struct {
		actor Actor
		cmd   Command
	}{
		ActionSubmit:          {maker, Submit{Comment: "please"}},
		ActionReceiveDocument: {maker, ReceiveDocument{Kind: DocProofOfIncome, Reference: "dms://new"}},
		ActionVerifyDocument:  {officer, VerifyDocument{Kind: DocCollateral}},
		ActionRejectDocument:  {officer, RejectDocument{Kind: DocCollateral, Reason: "illegible"}},
		ActionAssess:          {officer, Assess{Report: report(t, "A", "150000")}},
		ActionAssign:          {supervisor, Assign{Officer: officer.ID}},
		ActionStartReview:     {officer, StartReview{}},
		ActionApprove:         {approver, approve(1)},
		ActionReject:          {approver, Decide{Stage: 1, Verdict: VerdictReject, Comment: "no"}},
		ActionReturn:          {approver, Decide{Stage: 1, Verdict: VerdictReturn, Comment: "more"}},
		ActionWithdraw:        {maker, Withdraw{Comment: "bye"}},
	}
	fixtures := map[Status]Application{}
	for _, s := range Statuses() {
		fixtures[s] = inStatus(t, w, s)
		require.Equal(t, s, fixtures[s].Status)
	}
	for _, action := range Actions() {
		if action == ActionCreate {
			continue
		}
		for _, s := range Statuses() {
			to, ok := legal[action][s]
			t.Run(fmt.Sprintf("%s from %s", action, s), func(t *testing.T) {
				c := commands[action]
				app := fixtures[s]
				next, ev, err := w.Apply(context.Background(), app, c.actor, t0.Add(44*time.Minute), c.cmd)
				if !ok {
					var se *StateError
					require.ErrorAs(t, err, &se)
					assert.ErrorIs(t, err, ErrConflict)
					assert.Equal(t, s, se.Status)
					assert.Equal(t, action, se.Action)
					return
				}
				require.NoError(t, err)
				assert.Equal(t, to, next.Status)
				assert.Equal(t, app.Version+1, next.Version)
				assert.Equal(t, app.ID, ev.Application)
				assert.Equal(t, next.Version, ev.Version)
				assert.Equal(t, action, ev.Action)
				assert.Equal(t, c.actor.ID, ev.Actor)
				assert.True(t, ev.Role.Valid())
				assert.Equal(t, s, ev.From)
				assert.Equal(t, to, ev.To)
				assert.Equal(t, t0.Add(44*time.Minute), ev.At)
				assert.Equal(t, fixtures[s], app, "Apply must not change its input")
			})
		}
	}
}
