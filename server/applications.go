package server

import "context"

// applicationState holds the loan workflow and its store.
type applicationState struct{}

// initApplications prepares the loan workflow; New calls it once.
func (s *Server) initApplications(ctx context.Context) error { return nil }

// applicationRoutes registers /v1/applications/... and /v1/analytics/....
func (s *Server) applicationRoutes() {}
