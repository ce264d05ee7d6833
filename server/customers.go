package server

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/loan"
)

// customerState is the server's customer archive and customer tree: SQL repositories
// and the caches kept consistent with them.
type customerState struct{}

// initCustomers prepares the customer archive and the tree (loading caches from the
// database); New calls it once.
func (s *Server) initCustomers(ctx context.Context) error { return nil }

// customerRoutes registers /v1/customers/... and /v1/tree/....
func (s *Server) customerRoutes() {}

// customerRef is what the other domains need to know of one customer.
type customerRef struct {
	Number  string
	Kind    customer.Kind
	Status  customer.Status
	Node    string // the customer's node in the tree; "" when not placed
	Branch  string // branch code
	Officer string // responsible officer ID; "" when none
	Region  string // province (or city) used to match officers
}

// lookupCustomer returns the customer's reference, or an error wrapping ErrNotFound.
func (s *Server) lookupCustomer(ctx context.Context, number string) (customerRef, error) {
	return customerRef{}, fmt.Errorf("customer %s: %w", number, ErrNotFound)
}

// limitBreaches is the loan workflow's loan.Headroom over the tree: every group or branch
// limit that raising the customer's exposure by amount would breach.
func (s *Server) limitBreaches(ctx context.Context, number string, amount decimal.Decimal) ([]loan.Breach, error) {
	return nil, fmt.Errorf("customer %s: %w", number, ErrNotFound)
}

// addExposure changes the customer's exposure by delta (negative lowers it) inside tx; the
// tree's roll-ups show it once tx commits.
func (s *Server) addExposure(ctx context.Context, tx *sql.Tx, number string, delta decimal.Decimal) error {
	return fmt.Errorf("customer %s: %w", number, ErrNotFound)
}
