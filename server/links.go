package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/server/audit"
	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/store/customerdb"
	"github.com/creditkit/creditkit/tree"
)

// Related-party links (关联关系, issue 3 §5) over HTTP:
//
//   - GET    /v1/customers/{number}/links             (customer:read)  the customer's links
//   - PUT    /v1/customers/{number}/links             (customer:write) create or replace one
//   - DELETE /v1/customers/{number}/links/{to}/{kind} (customer:write) remove one
//   - GET    /v1/tree/related?limit=AMOUNT            (customer:read)  the connected groups
//
// Links are customer data, kept by the officers who keep the customers, so they take the
// customer permissions, not tree:write (which only admins hold). Both ends of a link must
// be in the caller's scope to write it (404 otherwise, word for word a missing customer);
// a customer's list leaves out links whose other end the caller does not see, and the
// connected-groups report leaves out every group with a member the caller does not see
// (its combined exposure would tell of customers outside the scope). Both ends must be
// placed in the tree, like tree.Tree.Link requires.
//
// A link write locks the tree (bumping its version, like a node write) and stamps the
// links version; the tree cache (treeCache) applies the links after every catch-up, so
// every process on the database answers with the same links.

// linkState is the set of links the cached tree holds, and the links version
// (tree_state.links_version) it reflects. treeCache.mu guards it.
type linkState struct {
	version int64
	set     map[linkID]string // each link's share, as a decimal string
}

// linkID identifies a canonical link.
type linkID struct {
	from, to string
	kind     tree.LinkKind
}

func idOf(l tree.Link) linkID { return linkID{l.From, l.To, l.Kind} }

// loadLinks applies every stored link to t, a tree freshly built from the database, as tx
// sees them (nil: as committed).
func (tc *treeCache) loadLinks(ctx context.Context, tx *sql.Tx, t *tree.Tree) error {
	tc.links = linkState{}
	return tc.applyLinks(ctx, tx, t)
}

// catchUpLinks brings t's links up to the stored ones when the links version moved. The
// caller holds mu.
func (tc *treeCache) catchUpLinks(ctx context.Context, tx *sql.Tx, t *tree.Tree) error {
	v, err := tc.repo.LinksVersion(ctx, tx)
	if err != nil {
		return err
	}
	if v == tc.links.version && tc.links.set != nil {
		return nil
	}
	return tc.applyLinks(ctx, tx, t)
}

// applyLinks reads every stored link (links are few) and applies the difference from the
// ones t holds (tc.links). A link the tree refuses (a customer not yet in the rows read) is
// logged and left for the next catch-up to retry. The caller holds mu.
func (tc *treeCache) applyLinks(ctx context.Context, tx *sql.Tx, t *tree.Tree) error {
	v, ls, err := tc.repo.LoadLinks(ctx, tx)
	if err != nil {
		return err
	}
	next := linkState{version: v, set: make(map[linkID]string, len(ls))}
	stored := make(map[linkID]bool, len(ls))
	for _, l := range ls {
		stored[idOf(l.Link)] = true
	}
	for id := range tc.links.set {
		if !stored[id] {
			if err := t.Unlink(id.from, id.to, id.kind); err != nil && !errors.Is(err, tree.ErrNotFound) {
				return fmt.Errorf("unlink %s-%s: %w", id.from, id.to, err)
			}
		}
	}
	for _, l := range ls {
		id, share := idOf(l.Link), l.Share.String()
		if held, ok := tc.links.set[id]; !ok || held != share {
			if err := t.Link(l.Link); err != nil {
				tc.log.Warn("a related-party link does not fit the customer tree; retrying later", "from", l.From, "to", l.To,
					"kind", l.Kind.String(), "error", err.Error())
				next.version = -1
				continue
			}
		}
		next.set[id] = share
	}
	tc.links = next
	return nil
}

// linkView is a link as the API shows it.
type linkView struct {
	From      string        `json:"from"`
	To        string        `json:"to"`
	Kind      tree.LinkKind `json:"kind"`
	Share     *string       `json:"share,omitempty"` // control only: From's share of To
	CreatedAt *time.Time    `json:"created_at,omitempty"`
	CreatedBy string        `json:"created_by,omitempty"`
}

// linkList is a customer's links.
type linkList struct {
	Items []linkView `json:"items"`
}

func viewLink(l customerdb.StoredLink) linkView {
	v := linkView{From: l.From, To: l.To, Kind: l.Kind, CreatedBy: l.CreatedBy}
	if l.Kind == tree.LinkControl {
		s := l.Share.String()
		v.Share = &s
	}
	if !l.CreatedAt.IsZero() {
		at := l.CreatedAt
		v.CreatedAt = &at
	}
	return v
}

// linkRecord is a link as its audit records show it.
type linkRecord struct {
	From  string        `json:"from"`
	To    string        `json:"to"`
	Kind  tree.LinkKind `json:"kind"`
	Share string        `json:"share,omitempty"`
}

func linkAudit(actor perm.Actor, action string, before, after *customerdb.StoredLink) audit.Entry {
	record := func(l *customerdb.StoredLink) any {
		if l == nil {
			return nil
		}
		r := linkRecord{From: l.From, To: l.To, Kind: l.Kind}
		if l.Kind == tree.LinkControl {
			r.Share = l.Share.String()
		}
		return r
	}
	id := after
	if id == nil {
		id = before
	}
	return audit.Entry{Actor: actor, Action: action, EntityType: "customer.link",
		EntityID: id.From + "/" + id.To + "/" + id.Kind.String(), Before: record(before), After: record(after)}
}

// linkRequest is the body of PUT /v1/customers/{number}/links.
type linkRequest struct {
	To    string          `json:"to"`
	Kind  string          `json:"kind"`
	Share *boundedDecimal `json:"share"`
}

// linkEndsFor resolves both ends of a link for actor: a customer that does not exist or
// that the actor does not see is errNoSuchCustomer (404).
func (s *Server) linkEndsFor(ctx context.Context, a perm.Actor, from, to string) (customerRef, customerRef, error) {
	f, err := s.lookupCustomerFor(ctx, a, from)
	if err != nil {
		return customerRef{}, customerRef{}, err
	}
	t, err := s.lookupCustomerFor(ctx, a, to)
	if err != nil {
		return customerRef{}, customerRef{}, err
	}
	return f, t, nil
}

// checkLinkEnds checks, inside a tree writer's transaction, that both ends are placed in
// the tree t and seen by the actor there.
func checkLinkEnds(a perm.Actor, t *tree.Tree, ends ...customerRef) error {
	sc := scopeIn(a, t)
	for i, ref := range ends {
		n, err := t.Customer(ref.Number)
		if errors.Is(err, tree.ErrNotFound) {
			path := "to"
			if i == 0 {
				path = "number"
			}
			return fieldProblem(path, "placed", "customer "+ref.Number+" has no place in the customer tree; place it first",
				"客户"+ref.Number+"尚未挂入客户树")
		}
		if err != nil {
			return err
		}
		if !sc.sees(n.ID, ref.Officer) {
			return errNoSuchCustomer()
		}
	}
	return nil
}

// putLink creates or replaces the link from → in.To of in.Kind: one transaction holding
// the tree lock, one audit record (customer.link.put). created says no link was replaced.
func (s *Server) putLink(ctx context.Context, a perm.Actor, from string, req linkRequest) (out customerdb.StoredLink, created bool, err error) {
	var fe []FieldError
	l := tree.Link{From: from, To: req.To}
	if req.To == "" {
		fe = append(fe, FieldError{Path: "to", Rule: "required", Message: "the linked customer's number is required", MessageZH: "关联客户编号不能为空"})
	} else if req.To == from {
		fe = append(fe, FieldError{Path: "to", Rule: "nefield", Message: "a customer cannot be linked to itself", MessageZH: "客户不能与自身关联"})
	}
	if err := l.Kind.UnmarshalText([]byte(req.Kind)); err != nil || req.Kind == "" {
		fe = append(fe, FieldError{Path: "kind", Rule: "oneof", Message: "must be control, same_controller, mutual_guarantee or key_management",
			MessageZH: "关联类型须为control、same_controller、mutual_guarantee或key_management"})
	}
	switch {
	case l.Kind == tree.LinkControl && req.Share == nil:
		fe = append(fe, FieldError{Path: "share", Rule: "required", Message: "a control link needs the share, from 0.5 to 1", MessageZH: "控股关系须填写持股比例（0.5至1）"})
	case l.Kind == tree.LinkControl && !tree.ValidShare(req.Share.Decimal):
		fe = append(fe, FieldError{Path: "share", Rule: "range", Message: "a control share must be from 0.5 to 1", MessageZH: "控股比例须在0.5至1之间"})
	case l.Kind == tree.LinkControl:
		l.Share = req.Share.Decimal
	case req.Share != nil && !req.Share.Decimal.IsZero():
		fe = append(fe, FieldError{Path: "share", Rule: "excluded", Message: "only a control link carries a share", MessageZH: "只有控股关系有持股比例"})
	}
	if len(fe) > 0 {
		return customerdb.StoredLink{}, false, &ValidationError{Fields: fe}
	}
	if _, err := customer.ParseNumber(req.To); err != nil {
		return customerdb.StoredLink{}, false, errNoSuchCustomer()
	}
	fromRef, toRef, err := s.linkEndsFor(ctx, a, from, req.To)
	if err != nil {
		return customerdb.StoredLink{}, false, err
	}
	l.From, l.To = fromRef.Number, toRef.Number
	err = s.treeTx(ctx, func(tx *sql.Tx, tl *treeLock) error {
		if err := tl.acquire(ctx); err != nil {
			return err
		}
		if err := checkLinkEnds(a, tl.t, fromRef, toRef); err != nil {
			return err
		}
		stored, prev, err := s.customers.repo.PutLinkTx(ctx, tx, tl.version, l, a.ID)
		if err != nil {
			return err
		}
		out, created = stored, prev == nil
		return s.audit(ctx, tx, linkAudit(a, "customer.link.put", prev, &stored))
	})
	return out, created, err
}

// deleteLink removes the link between from and to of kind: for control, the link
// from → to, else to → from (so either end's URL removes it). One audit record
// (customer.link.delete).
func (s *Server) deleteLink(ctx context.Context, a perm.Actor, from, to, kindText string) error {
	var kind tree.LinkKind
	if err := kind.UnmarshalText([]byte(kindText)); err != nil {
		return errNoSuchLink()
	}
	if _, err := customer.ParseNumber(to); err != nil {
		return errNoSuchCustomer()
	}
	fromRef, toRef, err := s.linkEndsFor(ctx, a, from, to)
	if err != nil {
		return err
	}
	return s.treeTx(ctx, func(tx *sql.Tx, tl *treeLock) error {
		if err := tl.acquire(ctx); err != nil {
			return err
		}
		if err := checkLinkEnds(a, tl.t, fromRef, toRef); err != nil {
			return err
		}
		old, err := s.customers.repo.DeleteLinkTx(ctx, tx, tl.version, fromRef.Number, toRef.Number, kind)
		if errors.Is(err, customerdb.ErrNoLink) && kind == tree.LinkControl {
			old, err = s.customers.repo.DeleteLinkTx(ctx, tx, tl.version, toRef.Number, fromRef.Number, kind)
		}
		if errors.Is(err, customerdb.ErrNoLink) {
			return errNoSuchLink()
		}
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, linkAudit(a, "customer.link.delete", &old, nil))
	})
}

// errNoSuchLink is the 404 of a link that is not stored.
func errNoSuchLink() error { return fmt.Errorf("no such link: %w", ErrNotFound) }

func (s *Server) getCustomerLinks(c *fiber.Ctx) error {
	if _, err := custQuery(c, func(string) bool { return false }); err != nil {
		return err
	}
	ctx, a := c.UserContext(), actorOf(c)
	ref, err := s.lookupCustomerFor(ctx, a, c.Params("number"))
	if err != nil {
		return err
	}
	ls, err := s.customers.repo.LinksOf(ctx, ref.Number)
	if err != nil {
		return err
	}
	out := linkList{Items: make([]linkView, 0, len(ls))}
	for _, l := range ls {
		other := l.To
		if other == ref.Number {
			other = l.From
		}
		if _, err := s.lookupCustomerFor(ctx, a, other); errors.Is(err, ErrNotFound) {
			continue // the other end is outside the caller's scope
		} else if err != nil {
			return err
		}
		out.Items = append(out.Items, viewLink(l))
	}
	return c.JSON(out)
}

func (s *Server) putCustomerLink(c *fiber.Ctx) error {
	var req linkRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	l, created, err := s.putLink(c.UserContext(), actorOf(c), c.Params("number"), req)
	if err != nil {
		return customerProblem(err)
	}
	status := fiber.StatusOK
	if created {
		status = fiber.StatusCreated
	}
	return c.Status(status).JSON(viewLink(l))
}

func (s *Server) deleteCustomerLink(c *fiber.Ctx) error {
	if err := s.deleteLink(c.UserContext(), actorOf(c), c.Params("number"), c.Params("to"), c.Params("kind")); err != nil {
		return customerProblem(err)
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// relatedMemberView is one customer of a connected group.
type relatedMemberView struct {
	Number   string  `json:"number"`
	Name     string  `json:"name"`
	Node     tree.ID `json:"node"`
	Exposure string  `json:"exposure"`
}

// relatedGroupView is one connected group of customers (tree.Connected) as the API shows
// it.
type relatedGroupView struct {
	Customers []relatedMemberView `json:"customers"`
	Exposure  string              `json:"exposure"` // combined
	Common    tree.ID             `json:"common"`   // the deepest node holding them all
	// UnderOneGroup says Common is a group node; ShouldFormGroup is its negation: these
	// customers should form a group customer (集团客户).
	UnderOneGroup   bool   `json:"under_one_group"`
	ShouldFormGroup bool   `json:"should_form_group"`
	Over            bool   `json:"over"`   // Exposure exceeds the limit
	Excess          string `json:"excess"` // by how much; 0.00 when not over
}

// relatedReport is the answer of GET /v1/tree/related.
type relatedReport struct {
	Limit *string            `json:"limit"` // null when none was given
	Items []relatedGroupView `json:"items"`
}

func (s *Server) getTreeRelated(c *fiber.Ctx) error {
	q, err := custQuery(c, func(k string) bool { return k == "limit" || k == "ungrouped" })
	if err != nil {
		return err
	}
	var fe []FieldError
	// Without a limit the groups are listed unmeasured: limit null, over false.
	limit, err := decimal.NewFromString(q["limit"])
	hasLimit := q["limit"] != ""
	switch {
	case !hasLimit:
		limit = tree.MaxAmount()
	case err != nil || len(q["limit"]) > 40 || limit.Exponent() > 15 || limit.Exponent() < -20:
		// An exponent beyond those would make comparing the limit build its power of ten.
		fe = append(fe, FieldError{Path: "limit", Rule: "type", Message: "must be a decimal amount", MessageZH: "须为金额"})
	case limit.Sign() < 0:
		fe = append(fe, FieldError{Path: "limit", Rule: "min", Message: "must not be negative", MessageZH: "限额不能为负数"})
	case limit.GreaterThan(tree.MaxAmount()):
		fe = append(fe, FieldError{Path: "limit", Rule: "max", Message: "must be at most " + tree.MaxAmount().String(),
			MessageZH: "限额不能超过" + tree.MaxAmount().String()})
	}
	ungrouped := false
	switch q["ungrouped"] {
	case "", "false":
	case "true":
		ungrouped = true
	default:
		fe = append(fe, FieldError{Path: "ungrouped", Rule: "type", Message: "must be true or false", MessageZH: "须为true或false"})
	}
	if len(fe) > 0 {
		return &ValidationError{Fields: fe}
	}
	ctx, a := c.UserContext(), actorOf(c)
	t, err := s.customers.tree.fresh(ctx)
	if err != nil {
		return err
	}
	sc := scopeIn(a, t)
	groups, err := t.Connected(limit)
	if err != nil {
		return customerProblem(err)
	}
	out := relatedReport{Items: []relatedGroupView{}}
	if hasLimit {
		l := treeMoney(limit)
		out.Limit = &l
	}
groups:
	for _, g := range groups {
		if ungrouped && g.UnderOneGroup {
			continue
		}
		v := relatedGroupView{Exposure: treeMoney(g.Exposure), Common: g.Common, UnderOneGroup: g.UnderOneGroup,
			ShouldFormGroup: !g.UnderOneGroup, Over: g.Over && hasLimit, Excess: treeMoney(g.Excess)}
		if !hasLimit {
			v.Excess = treeMoney(decimal.Zero)
		}
		for _, num := range g.Customers {
			n, err := t.Customer(num)
			if err != nil || !sc.sees(n.ID, n.Attrs[tree.AttrOfficer]) {
				continue groups // a member outside the scope: the whole group is left out
			}
			v.Customers = append(v.Customers, relatedMemberView{Number: num, Name: n.Name, Node: n.ID, Exposure: treeMoney(n.Exposure)})
		}
		out.Items = append(out.Items, v)
	}
	return c.JSON(out)
}
