package perm

import (
	"context"
	"fmt"
	"strconv"
)

// Permission is one thing a caller may do. The zero value is unset and grants nothing.
type Permission int

// The permissions, grouped by resource. Read permissions never imply write ones.
const (
	// CustomerRead lists, searches and reads customers, their contacts and tree path.
	CustomerRead Permission = iota + 1
	// CustomerWrite creates, updates and closes customers and logs contacts.
	CustomerWrite
	// PIIRead sees personal data (identity numbers, mobiles, e-mails, addresses) unmasked.
	PIIRead
	// TreeRead reads tree nodes, their children, exposure and headroom.
	TreeRead
	// TreeWrite creates, renames and moves tree nodes.
	TreeWrite
	// AssessmentRead reads stored assessment reports.
	AssessmentRead
	// AssessmentWrite runs assessments.
	AssessmentWrite
	// ScorecardRead lists and reads scorecards.
	ScorecardRead
	// ScorecardWrite uploads and activates scorecards.
	ScorecardWrite
	// OfficerRead lists and reads officers and their assignment history.
	OfficerRead
	// OfficerWrite creates and updates officers and reassigns portfolios.
	OfficerWrite
	// AssignmentWrite assigns applications and plans batches.
	AssignmentWrite
	// ApplicationRead lists and reads loan applications.
	ApplicationRead
	// ApplicationWrite creates, documents, submits and withdraws applications.
	ApplicationWrite
	// ApplicationDecide approves, rejects or returns applications.
	ApplicationDecide
	// AnalyticsRead reads portfolio analytics.
	AnalyticsRead
	// AuditRead reads the audit trail.
	AuditRead
	// OperationsRead reads the API description and the metrics.
	OperationsRead
	// PIIReadAssigned sees personal data unmasked for the customers assigned to the caller
	// only (a credit officer's own customers); PIIRead covers every customer in scope.
	PIIReadAssigned

	lastPermission = PIIReadAssigned
)

var names = [...]string{
	CustomerRead:      "customer:read",
	CustomerWrite:     "customer:write",
	PIIRead:           "pii:read",
	TreeRead:          "tree:read",
	TreeWrite:         "tree:write",
	AssessmentRead:    "assessment:read",
	AssessmentWrite:   "assessment:write",
	ScorecardRead:     "scorecard:read",
	ScorecardWrite:    "scorecard:write",
	OfficerRead:       "officer:read",
	OfficerWrite:      "officer:write",
	AssignmentWrite:   "assignment:write",
	ApplicationRead:   "application:read",
	ApplicationWrite:  "application:write",
	ApplicationDecide: "application:decide",
	AnalyticsRead:     "analytics:read",
	AuditRead:         "audit:read",
	OperationsRead:    "operations:read",
	PIIReadAssigned:   "pii:read-assigned",
}

// All returns every permission, in order.
func All() []Permission {
	out := make([]Permission, 0, lastPermission)
	for p := Permission(1); p <= lastPermission; p++ {
		out = append(out, p)
	}
	return out
}

// Valid reports whether p is one of the declared permissions.
func (p Permission) Valid() bool { return p >= 1 && p <= lastPermission }

// String returns the permission's name, such as "customer:write", or "Permission(n)".
func (p Permission) String() string {
	if !p.Valid() {
		return "Permission(" + strconv.Itoa(int(p)) + ")"
	}
	return names[p]
}

// MarshalText encodes the permission as its name; an unset or unknown one is an error.
func (p Permission) MarshalText() ([]byte, error) {
	if !p.Valid() {
		return nil, fmt.Errorf("perm: cannot marshal %v", p)
	}
	return []byte(names[p]), nil
}

// UnmarshalText decodes a permission name such as "customer:write".
func (p *Permission) UnmarshalText(b []byte) error {
	for q := Permission(1); q <= lastPermission; q++ {
		if names[q] == string(b) {
			*p = q
			return nil
		}
	}
	return fmt.Errorf("perm: unknown permission %q", b)
}

// Actor is the authenticated caller of a request. The zero value is nobody and may do
// nothing. An Actor is a value; it is safe to share.
//
// Besides its permissions an actor has a data scope: Node, the tree node it is bound to
// (it sees only customers, applications and analytics inside that node's subtree), and
// AssignedOnly, which limits it further to the customers assigned to it (a credit
// officer, whose ID is the officer ID those customers carry). Permissions say what an
// actor may do; the scope says to which rows.
type Actor struct {
	ID   string // stable identifier, recorded in logs and the audit trail
	Name string // for people
	Role string // the role the permissions came from, e.g. "admin"
	// Node is the tree node (tree.ID) the actor is bound to. 0 means not bound: the whole
	// tree, like the bank's root node 1; it is what New and Admin return.
	Node int64
	// AssignedOnly limits the actor to the customers whose assigned officer is ID.
	AssignedOnly bool
	perms        uint64 // bit p set = may do p
}

// New returns an actor holding exactly the valid permissions among perms.
func New(id, name, role string, perms ...Permission) Actor {
	a := Actor{ID: id, Name: name, Role: role}
	for _, p := range perms {
		if p.Valid() {
			a.perms |= 1 << p
		}
	}
	return a
}

// Admin returns an actor with every permission and role "admin".
func Admin(id, name string) Actor { return New(id, name, "admin", All()...) }

// Can reports whether a holds permission p. It is false for an unset p.
func (a Actor) Can(p Permission) bool { return p.Valid() && a.perms&(1<<p) != 0 }

// SeesPII reports whether a may see the personal data of a customer assigned to officer
// unmasked: with PIIRead for every customer in its scope, with PIIReadAssigned only when
// officer is a's own ID. Scope itself is checked elsewhere; this answers only masking.
func (a Actor) SeesPII(officer string) bool {
	if a.Can(PIIRead) {
		return true
	}
	return a.Can(PIIReadAssigned) && officer != "" && officer == a.ID
}

// ScopeNode returns the tree node whose subtree a may see: Node, or the bank's root node 1
// for an actor that is not bound (Node 0).
func (a Actor) ScopeNode() int64 {
	if a.Node <= 0 {
		return 1
	}
	return a.Node
}

// Sees reports whether a's data scope includes a row — a customer, or an application of
// one — placed in the tree under path (the node IDs from the root down to the row's own
// node) and assigned to officer: ScopeNode must be on path, and an AssignedOnly actor must
// be that officer. The zero Actor (no ID) sees nothing. Whether a may do anything with the
// row is Can's question; a row a does not see is answered 404, as if it did not exist.
func (a Actor) Sees(path []int64, officer string) bool {
	if a.ID == "" {
		return false
	}
	if a.AssignedOnly && (officer == "" || officer != a.ID) {
		return false
	}
	scope := a.ScopeNode()
	for _, n := range path {
		if n == scope {
			return true
		}
	}
	return false
}

// Permissions returns the permissions a holds, in order.
func (a Actor) Permissions() []Permission {
	var out []Permission
	for _, p := range All() {
		if a.Can(p) {
			out = append(out, p)
		}
	}
	return out
}

type actorKey struct{}

// WithActor returns a copy of ctx that carries a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// FromContext returns the actor ctx carries and whether it carries one.
func FromContext(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}
