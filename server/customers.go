package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/loan"
	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/store/customerdb"
	"github.com/creditkit/creditkit/tree"
)

// customerState is the server's customer archive and customer tree: SQL repositories
// and the caches kept consistent with them.
type customerState struct {
	repo    *customerdb.Repo
	tree    treeCache
	commits groupCommit // gathers concurrent customer registrations into one transaction
}

// rootName is the name the bank, the root of the tree, gets in a new database; rename it
// with PATCH /v1/tree/nodes/root.
const rootName = "Bank"

// initCustomers prepares the customer archive and the tree (loading caches from the
// database); New calls it once.
func (s *Server) initCustomers(ctx context.Context) error {
	repo, err := customerdb.New(s.cfg.Store, customerdb.Config{Now: s.cfg.Now})
	if err != nil {
		return err
	}
	if err := repo.EnsureRoot(ctx, rootName); err != nil {
		return err
	}
	s.customers.repo = repo
	s.customers.tree.repo, s.customers.tree.log = repo, s.log
	return s.customers.tree.load(ctx)
}

// customerRoutes registers /v1/customers/... and /v1/tree/...; each is documented in
// openapi/customers.json.
func (s *Server) customerRoutes() {
	s.handle(fiber.MethodPost, "/v1/customers", perm.CustomerWrite, s.postCustomer)
	s.handle(fiber.MethodGet, "/v1/customers", perm.CustomerRead, s.getCustomers)
	s.handle(fiber.MethodGet, "/v1/customers/:number", perm.CustomerRead, s.getCustomer)
	s.handle(fiber.MethodPatch, "/v1/customers/:number", perm.CustomerWrite, s.patchCustomer)
	s.handle(fiber.MethodPost, "/v1/customers/:number/close", perm.CustomerWrite, s.postCustomerClose)
	s.handle(fiber.MethodGet, "/v1/customers/:number/contacts", perm.CustomerRead, s.getCustomerContacts)
	s.handle(fiber.MethodPost, "/v1/customers/:number/contacts", perm.CustomerWrite, s.postCustomerContact)
	s.handle(fiber.MethodGet, "/v1/customers/:number/history", perm.CustomerRead, s.getCustomerHistory)
	s.handle(fiber.MethodGet, "/v1/customers/:number/path", perm.CustomerRead, s.getCustomerPath)

	s.handle(fiber.MethodPost, "/v1/tree/nodes", perm.TreeWrite, s.postTreeNode)
	s.handle(fiber.MethodGet, "/v1/tree/nodes/:id", perm.TreeRead, s.getTreeNode)
	s.handle(fiber.MethodPatch, "/v1/tree/nodes/:id", perm.TreeWrite, s.patchTreeNode)
	s.handle(fiber.MethodGet, "/v1/tree/nodes/:id/children", perm.TreeRead, s.getTreeChildren)
	s.handle(fiber.MethodPost, "/v1/tree/nodes/:id/move", perm.TreeWrite, s.postTreeMove)
	s.handle(fiber.MethodGet, "/v1/tree/nodes/:id/exposure", perm.TreeRead, s.getTreeExposure)
	s.handle(fiber.MethodGet, "/v1/tree/nodes/:id/search", perm.TreeRead, s.getTreeSearch)
}

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
	n, err := customer.ParseNumber(number)
	if err != nil {
		return customerRef{}, fmt.Errorf("customer %q: %w", number, ErrNotFound)
	}
	rec, err := s.customers.repo.Lookup(ctx, n)
	if err != nil {
		return customerRef{}, customerProblem(err)
	}
	c := rec.Customer
	ref := customerRef{Number: c.Number.String(), Kind: c.Kind, Status: c.Status, Branch: c.Branch, Officer: c.Officer}
	if rec.Node != 0 {
		ref.Node = strconv.FormatInt(int64(rec.Node), 10)
	}
	switch {
	case c.Individual != nil:
		ref.Region = c.Individual.Address.Province
	case c.Enterprise != nil:
		ref.Region = c.Enterprise.Address.Province
	}
	return ref, nil
}

// limitBreaches is the loan workflow's loan.Headroom over the tree: every group or branch
// limit that raising the customer's exposure by amount would breach.
func (s *Server) limitBreaches(ctx context.Context, number string, amount decimal.Decimal) ([]loan.Breach, error) {
	t, err := s.customers.tree.fresh(ctx)
	if err != nil {
		return nil, err
	}
	found, err := t.CheckIncrease(number, amount)
	var amountErr *tree.AmountError
	switch {
	case errors.As(err, &amountErr):
		return nil, amountProblem("amount", amountErr)
	case errors.Is(err, tree.ErrNotFound):
		// A customer outside the tree has no limit above it; an unknown one is not found.
		if _, err := s.lookupCustomer(ctx, number); err != nil {
			return nil, err
		}
		return nil, nil
	case err != nil:
		return nil, err
	}
	out := make([]loan.Breach, len(found))
	for i, b := range found {
		out[i] = loan.Breach{GroupID: strconv.FormatInt(int64(b.Node), 10), GroupName: b.Name, Headroom: b.Headroom}
	}
	return out, nil
}

// addExposure changes the customer's exposure by delta (negative lowers it) inside tx; the
// tree's roll-ups show it once tx commits.
func (s *Server) addExposure(ctx context.Context, tx *sql.Tx, number string, delta decimal.Decimal) error {
	if !delta.Shift(2).IsInteger() {
		return amountProblem("amount", &tree.AmountError{Field: "amount", Amount: delta, Err: tree.ErrPrecision})
	}
	if delta.Abs().GreaterThan(tree.MaxAmount()) {
		return amountProblem("amount", &tree.AmountError{Field: "amount", Amount: delta, Err: tree.ErrOverflow})
	}
	v, err := s.customers.repo.LockTree(ctx, tx)
	if err != nil {
		return err
	}
	// No catching up here: the caller's transaction may have written before, and the
	// change is checked by the database alone (the exposure stays within range).
	_, err = s.customers.repo.AddExposureTx(ctx, tx, v, number, delta.Shift(2).IntPart())
	var amountErr *tree.AmountError
	switch {
	case errors.Is(err, tree.ErrNotFound):
		return fmt.Errorf("customer %s has no node in the tree: %w", number, ErrNotFound)
	case errors.As(err, &amountErr) && errors.Is(err, tree.ErrNegative):
		return fmt.Errorf("%w: the exposure of customer %s cannot go below zero", ErrConflict, number)
	case errors.As(err, &amountErr):
		return amountProblem("amount", amountErr)
	}
	return err
}
