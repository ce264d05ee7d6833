package perm

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Role is a named set of permissions with a data rule: every holder is bound to a node of
// the customer tree and sees only that subtree, and a role with AssignedOnly further limits
// its holders to the customers assigned to them. A Role is a value; it is safe to share.
type Role struct {
	// Name identifies the role: 1 to 32 characters of [a-z0-9_-], starting with a letter.
	Name string `json:"name"`
	// Description says who holds the role, for people.
	Description string `json:"description"`
	// Permissions are what the role may do.
	Permissions []Permission `json:"permissions"`
	// AssignedOnly limits holders to the customers (and their applications) assigned to
	// them, inside their subtree: the rule of a credit officer.
	AssignedOnly bool `json:"assigned_only"`
}

// Names of the built-in roles.
const (
	RoleAdmin    = "admin"
	RoleOfficer  = "officer"
	RoleApprover = "approver"
	RoleAuditor  = "auditor"
	RoleAnalyst  = "analyst"
)

// ErrRole reports a role that is malformed, unknown or clashes with a built-in one.
var ErrRole = errors.New("perm: bad role")

// builtin is the permission matrix: the one table the server, the CLI and the README
// (through MatrixMarkdown) read. Read permissions never imply write ones; nobody but admin
// changes scorecards' activation, the tree or officers; the approver decides but never
// makes (four-eyes by role as well as by person); the auditor reads everything, masked,
// and is the only role besides admin that reads the audit trail.
var builtin = []Role{
	{
		Name:        RoleAdmin,
		Description: "runs the bank's installation: every permission, personal data unmasked",
		Permissions: All(),
	},
	{
		Name:        RoleOfficer,
		Description: "credit officer: records customers and opens applications for the customers assigned to them; sees their personal data",
		Permissions: []Permission{
			CustomerRead, CustomerWrite, TreeRead, AssessmentRead, AssessmentWrite,
			ScorecardRead, OfficerRead, ApplicationRead, ApplicationWrite, AnalyticsRead,
			PIIReadAssigned,
		},
		AssignedOnly: true,
	},
	{
		Name:        RoleApprover,
		Description: "checker: decides applications in their subtree within their authority; never opens or edits them",
		Permissions: []Permission{
			CustomerRead, TreeRead, AssessmentRead, ScorecardRead, OfficerRead,
			ApplicationRead, ApplicationDecide, AnalyticsRead,
		},
	},
	{
		Name:        RoleAuditor,
		Description: "internal audit: reads everything in their subtree with personal data masked, and the audit trail",
		Permissions: []Permission{
			CustomerRead, TreeRead, AssessmentRead, ScorecardRead, OfficerRead,
			ApplicationRead, AnalyticsRead, AuditRead, OperationsRead,
		},
	},
	{
		Name:        RoleAnalyst,
		Description: "risk analyst: portfolio analytics, assessments and scorecard uploads; no customer records",
		Permissions: []Permission{
			TreeRead, AssessmentRead, ScorecardRead, ScorecardWrite, AnalyticsRead, OperationsRead,
		},
	},
}

// Builtin returns the built-in roles in the order admin, officer, approver, auditor,
// analyst. The result is a copy.
func Builtin() []Role {
	out := make([]Role, len(builtin))
	for i, r := range builtin {
		out[i] = r.clone()
	}
	return out
}

// BuiltinRole returns the built-in role with the given name.
func BuiltinRole(name string) (Role, bool) {
	for _, r := range builtin {
		if r.Name == name {
			return r.clone(), true
		}
	}
	return Role{}, false
}

func (r Role) clone() Role {
	r.Permissions = slices.Clone(r.Permissions)
	return r
}

// Can reports whether the role grants p.
func (r Role) Can(p Permission) bool { return p.Valid() && slices.Contains(r.Permissions, p) }

// Validate checks the name's syntax and that every permission is declared and listed once.
// Its errors wrap ErrRole.
func (r Role) Validate() error {
	if !validRoleName(r.Name) {
		return fmt.Errorf("%w: name %q must be 1 to 32 characters of a-z, 0-9, '_' or '-', starting with a letter", ErrRole, r.Name)
	}
	if len(r.Description) > 256 {
		return fmt.Errorf("%w: %s: description longer than 256 bytes", ErrRole, r.Name)
	}
	seen := map[Permission]bool{}
	for _, p := range r.Permissions {
		if !p.Valid() {
			return fmt.Errorf("%w: %s: unknown %v", ErrRole, r.Name, p)
		}
		if seen[p] {
			return fmt.Errorf("%w: %s: %v listed twice", ErrRole, r.Name, p)
		}
		seen[p] = true
	}
	return nil
}

func validRoleName(s string) bool {
	if s == "" || len(s) > 32 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Actor returns an actor holding the role's permissions, bound to tree node node (0 means
// the whole tree) and, when the role is AssignedOnly, limited to its assigned customers.
func (r Role) Actor(id, name string, node int64) Actor {
	a := New(id, name, r.Name, r.Permissions...)
	a.Node = node
	a.AssignedOnly = r.AssignedOnly
	return a
}

// Roles is a set of roles by name: the built-in ones and custom ones. The zero value is
// not usable; build one with NewRoles. A Roles is immutable and safe for concurrent use.
type Roles struct {
	byName map[string]Role
	order  []string // built-in first, then custom by name
}

// NewRoles returns the built-in roles plus custom. A custom role must be valid and must
// not reuse a built-in or another custom role's name; errors wrap ErrRole.
func NewRoles(custom ...Role) (*Roles, error) {
	rs := &Roles{byName: map[string]Role{}}
	for _, r := range builtin {
		rs.byName[r.Name] = r.clone()
		rs.order = append(rs.order, r.Name)
	}
	sorted := slices.Clone(custom)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	for _, r := range sorted {
		if err := r.Validate(); err != nil {
			return nil, err
		}
		if _, ok := rs.byName[r.Name]; ok {
			return nil, fmt.Errorf("%w: %q is already defined", ErrRole, r.Name)
		}
		rs.byName[r.Name] = r.clone()
		rs.order = append(rs.order, r.Name)
	}
	return rs, nil
}

// Lookup returns the role with the given name.
func (rs *Roles) Lookup(name string) (Role, bool) {
	r, ok := rs.byName[name]
	if !ok {
		return Role{}, false
	}
	return r.clone(), true
}

// All returns every role: the built-in ones in their order, then the custom ones by name.
func (rs *Roles) All() []Role {
	out := make([]Role, len(rs.order))
	for i, n := range rs.order {
		out[i] = rs.byName[n].clone()
	}
	return out
}

// Names returns the role names in the order of All.
func (rs *Roles) Names() []string { return slices.Clone(rs.order) }

// MatrixMarkdown renders roles as a Markdown table: one row per permission, one column per
// role, "✓" where the role grants the permission, and a last row saying which roles are
// limited to their assigned customers. The README includes it for the built-in roles
// (MatrixMarkdown(Builtin())), so the documentation is generated from the table the server
// enforces.
func MatrixMarkdown(roles []Role) string {
	var b strings.Builder
	b.WriteString("| permission |")
	for _, r := range roles {
		b.WriteString(" " + r.Name + " |")
	}
	b.WriteString("\n| --- |")
	for range roles {
		b.WriteString(" :---: |")
	}
	b.WriteString("\n")
	for _, p := range All() {
		b.WriteString("| `" + p.String() + "` |")
		for _, r := range roles {
			if r.Can(p) {
				b.WriteString(" ✓ |")
			} else {
				b.WriteString("   |")
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("| only assigned customers |")
	for _, r := range roles {
		if r.AssignedOnly {
			b.WriteString(" ✓ |")
		} else {
			b.WriteString("   |")
		}
	}
	b.WriteString("\n")
	return b.String()
}
