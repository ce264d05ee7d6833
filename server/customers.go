package server

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/loan"
	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/pii"
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
	repo, err := customerdb.New(s.cfg.Store, customerdb.Config{Now: s.cfg.Now, Keyring: s.cfg.Keyring})
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
	// Related-party links (links.go): customer data, so customer:read and customer:write.
	s.handle(fiber.MethodGet, "/v1/customers/:number/links", perm.CustomerRead, s.getCustomerLinks)
	s.handle(fiber.MethodPut, "/v1/customers/:number/links", perm.CustomerWrite, s.putCustomerLink)
	s.handle(fiber.MethodDelete, "/v1/customers/:number/links/:to/:kind", perm.CustomerWrite, s.deleteCustomerLink)

	s.handle(fiber.MethodPost, "/v1/tree/nodes", perm.TreeWrite, s.postTreeNode)
	s.handle(fiber.MethodGet, "/v1/tree/nodes/:id", perm.TreeRead, s.getTreeNode)
	s.handle(fiber.MethodPatch, "/v1/tree/nodes/:id", perm.TreeWrite, s.patchTreeNode)
	s.handle(fiber.MethodGet, "/v1/tree/nodes/:id/children", perm.TreeRead, s.getTreeChildren)
	s.handle(fiber.MethodPost, "/v1/tree/nodes/:id/move", perm.TreeWrite, s.postTreeMove)
	s.handle(fiber.MethodGet, "/v1/tree/nodes/:id/exposure", perm.TreeRead, s.getTreeExposure)
	s.handle(fiber.MethodGet, "/v1/tree/nodes/:id/search", perm.TreeRead, s.getTreeSearch)
	s.handle(fiber.MethodGet, "/v1/tree/related", perm.CustomerRead, s.getTreeRelated)
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
		return customerRef{}, errNoSuchCustomer()
	}
	r, err := s.customers.repo.Ref(ctx, n)
	if err != nil {
		return customerRef{}, customerProblem(err)
	}
	return refOf(r), nil
}

// refOf is the stored reference r as the handlers use it.
func refOf(r customerdb.Ref) customerRef {
	ref := customerRef{Number: r.Number.String(), Kind: r.Kind, Status: r.Status, Branch: r.Branch, Officer: r.Officer, Region: r.Region}
	if r.Node != 0 {
		ref.Node = strconv.FormatInt(int64(r.Node), 10)
	}
	return ref
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

// The data scope and masking of customers (issue 9 §3 and §5). Every customer route
// answers a customer outside the caller's scope exactly like a missing one (404), leaves
// such customers out of lists and searches, and masks the personal data (identity and
// document numbers, credit codes, mobiles, e-mails, street addresses) of a customer whose
// personal data the caller may not see (perm.Actor.SeesPII of its officer).

// scopeIn is the scope of a over the tree t, which a write's transaction holds (tl.t):
// the check then runs against the very tree the write builds on.
func scopeIn(a perm.Actor, t *tree.Tree) scope {
	sc := scope{actor: a, node: tree.ID(a.ScopeNode())}
	if sc.node != customerdb.RootID {
		sc.t = t
	}
	return sc
}

// seesTreeNode reports whether the actor sees the tree node n: a branch or a group inside
// its subtree, a customer's node only when it sees that customer (its officer is kept in
// the node's attributes).
func (sc scope) seesTreeNode(n tree.Node) bool {
	if n.Kind == tree.KindCustomer {
		return sc.sees(n.ID, n.Attrs[tree.AttrOfficer])
	}
	return sc.seesNode(n.ID)
}

// filtersCustomers reports whether some customer nodes inside the actor's subtree are
// hidden from it (an officer limited to its own customers), so a list of nodes must be
// filtered node by node.
func (sc scope) filtersCustomers() bool { return sc.actor.AssignedOnly }

// bound reports whether the actor is bound below the bank's root.
func (sc scope) bound() bool { return sc.node != customerdb.RootID }

// readCustomerFor is readCustomer for actor a: a customer outside a's scope is not found,
// exactly like one that does not exist. It returns the scope it checked with.
func (s *Server) readCustomerFor(ctx context.Context, a perm.Actor, n customer.Number) (customerdb.Record, scope, error) {
	rec, err := s.readCustomer(ctx, n)
	if err != nil {
		return customerdb.Record{}, scope{}, err
	}
	sc, err := s.scopeOf(ctx, a)
	if err != nil {
		return customerdb.Record{}, scope{}, err
	}
	if !sc.sees(rec.Node, rec.Customer.Officer) {
		return customerdb.Record{}, scope{}, errNoSuchCustomer()
	}
	return rec, sc, nil
}

// custMaskRules name the personal fields of a customer's JSON (and of its revisions'
// changes); see pii.DefaultRules.
var custMaskRules = pii.DefaultRules()

// maskCustomer returns c with its personal data masked: the document number, mobile,
// e-mail and street of an individual; the credit code, contact mobile and street of an
// enterprise. It masks with the same functions pii.MaskJSON applies to stored JSON.
func maskCustomer(c customer.Customer) customer.Customer {
	if c.Individual != nil {
		i := *c.Individual
		i.DocNumber, i.Mobile, i.Email = pii.MaskIdentity(i.DocNumber), pii.MaskMobile(i.Mobile), pii.MaskEmail(i.Email)
		i.Address.Street = pii.MaskAddress(i.Address.Street)
		c.Individual = &i
	}
	if c.Enterprise != nil {
		e := *c.Enterprise
		e.CreditCode, e.ContactMobile = pii.MaskCreditCode(e.CreditCode), pii.MaskMobile(e.ContactMobile)
		e.Address.Street = pii.MaskAddress(e.Address.Street)
		c.Enterprise = &e
	}
	return c
}

// viewCustomerFor is viewCustomer as actor a may see it: masked unless a sees the
// customer's personal data.
func viewCustomerFor(a perm.Actor, rec customerdb.Record) customerView {
	if !a.SeesPII(rec.Customer.Officer) {
		rec.Customer = maskCustomer(rec.Customer)
	}
	return viewCustomer(rec)
}

// keepMaskedFields undoes, in next, the changes of a caller that does not see the
// customer's personal data and sends back the masked values it was shown: a personal field
// equal to the masked form of its stored value in cur (and different from it) keeps the
// stored value. Any other value is a change, validated as usual.
func keepMaskedFields(cur customer.Customer, next *customer.Customer) {
	keep := func(dst *string, old string, mask func(string) string) {
		if *dst != old && *dst == mask(old) {
			*dst = old
		}
	}
	if o, n := cur.Individual, next.Individual; o != nil && n != nil {
		keep(&n.DocNumber, o.DocNumber, pii.MaskIdentity)
		keep(&n.Mobile, o.Mobile, pii.MaskMobile)
		keep(&n.Email, o.Email, pii.MaskEmail)
		keep(&n.Address.Street, o.Address.Street, pii.MaskAddress)
	}
	if o, n := cur.Enterprise, next.Enterprise; o != nil && n != nil {
		keep(&n.CreditCode, o.CreditCode, pii.MaskCreditCode)
		keep(&n.ContactMobile, o.ContactMobile, pii.MaskMobile)
		keep(&n.Address.Street, o.Address.Street, pii.MaskAddress)
	}
}

// custOfficerOf reads the officer of a customer's stored JSON.
func custOfficerOf(doc []byte) (string, error) {
	var v struct {
		Officer string `json:"officer"`
	}
	if err := json.Unmarshal(doc, &v); err != nil {
		return "", fmt.Errorf("server: a stored customer does not decode: %w", err)
	}
	return v.Officer, nil
}

// custRawAccess reports whether the actor of sc sees the stored customer raw and whether
// it sees its personal data; it reads the customer's officer only when the answer
// depends on it.
func custRawAccess(sc scope, raw customerdb.RawRecord) (visible, unmasked bool, err error) {
	a := sc.actor
	piiAll, piiOwn := a.Can(perm.PIIRead), a.Can(perm.PIIReadAssigned)
	var officer string
	if a.AssignedOnly || !piiAll && piiOwn {
		if officer, err = custOfficerOf(raw.JSON); err != nil {
			return false, false, err
		}
	}
	if !sc.sees(raw.Node, officer) {
		return false, false, nil
	}
	return true, piiAll || piiOwn && officer != "" && officer == a.ID, nil
}

// custMaskRaw masks the personal data of a stored customer's JSON.
func custMaskRaw(raw customerdb.RawRecord) (customerdb.RawRecord, error) {
	doc, err := pii.MaskJSON(raw.JSON, custMaskRules)
	if err != nil {
		return customerdb.RawRecord{}, fmt.Errorf("server: mask a stored customer: %w", err)
	}
	raw.JSON = doc
	return raw, nil
}
