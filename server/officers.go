package server

import (
	"context"
	"database/sql"
	"errors"

	"github.com/creditkit/creditkit/assign"
)

// officerState holds the officers, their ratings and the assignment rules.
type officerState struct{}

// initOfficers prepares officers and assignments; New calls it once.
func (s *Server) initOfficers(ctx context.Context) error { return nil }

// officerRoutes registers /v1/officers/... and /v1/assignments/....
func (s *Server) officerRoutes() {}

// assignCase chooses an officer for c, records the assignment (dated, in the history)
// inside tx and returns the decision with its reasons. When nobody is eligible it returns
// the decision and an error wrapping ErrConflict whose text summarises why per rule.
func (s *Server) assignCase(ctx context.Context, tx *sql.Tx, c assign.Case) (assign.Decision, error) {
	return assign.Decision{}, errors.New("server: assignments are not wired yet")
}
