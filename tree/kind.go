package tree

import "fmt"

// Kind is what a node stands for. The zero value is unset and rejected everywhere.
type Kind uint8

// The kinds of node, from the root down.
const (
	// KindBank is the root: the bank itself. A tree has exactly one.
	KindBank Kind = iota + 1
	// KindBranch is an organisational unit (head office, region, branch, sub-branch). Branches
	// nest under the bank or under other branches.
	KindBranch
	// KindGroup is a customer group; groups nest, and a group may be a conglomerate (集团客户)
	// with its own group-wide credit limit (统一授信).
	KindGroup
	// KindCustomer is a leaf holding one customer number and that customer's exposure.
	KindCustomer
)

var kindNames = [...]string{KindBank: "bank", KindBranch: "branch", KindGroup: "group", KindCustomer: "customer"}

// Valid reports whether k is one of the defined kinds.
func (k Kind) Valid() bool { return k >= KindBank && k <= KindCustomer }

// String returns the kind's name ("bank", "branch", "group", "customer"), or "Kind(n)".
func (k Kind) String() string {
	if k.Valid() {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// MarshalText encodes the kind by name. It fails with ErrInvalid for an undefined kind.
func (k Kind) MarshalText() ([]byte, error) {
	if !k.Valid() {
		return nil, fmt.Errorf("%w: kind %d", ErrInvalid, uint8(k))
	}
	return []byte(kindNames[k]), nil
}

// UnmarshalText decodes a kind name. It fails with ErrInvalid for an unknown name.
func (k *Kind) UnmarshalText(b []byte) error {
	for i := KindBank; i <= KindCustomer; i++ {
		if kindNames[i] == string(b) {
			*k = i
			return nil
		}
	}
	return fmt.Errorf("%w: unknown kind %q", ErrInvalid, b)
}

// canHold reports whether a node of kind parent may have a child of kind child: branches sit
// under the bank or a branch, groups under the bank, a branch or a group, and customers under
// a branch or a group. Nothing sits under a customer and the bank has no parent.
func canHold(parent, child Kind) bool {
	switch child {
	case KindBranch:
		return parent == KindBank || parent == KindBranch
	case KindGroup:
		return parent == KindBank || parent == KindBranch || parent == KindGroup
	case KindCustomer:
		return parent == KindBranch || parent == KindGroup
	}
	return false
}

// LinkKind is the kind of a related-party link (关联关系) between two customers. The zero value
// is unset and rejected.
type LinkKind uint8

// The kinds of related-party link.
const (
	// LinkControl: From owns at least 50% of To (the share is kept on the link). Directed.
	LinkControl LinkKind = iota + 1
	// LinkSameController: both customers have the same actual controller (实际控制人).
	LinkSameController
	// LinkMutualGuarantee: the customers guarantee each other's debts (互保).
	LinkMutualGuarantee
	// LinkKeyManagement: the customers share key management personnel.
	LinkKeyManagement
)

var linkKindNames = [...]string{LinkControl: "control", LinkSameController: "same_controller", LinkMutualGuarantee: "mutual_guarantee", LinkKeyManagement: "key_management"}

// Valid reports whether k is one of the defined link kinds.
func (k LinkKind) Valid() bool { return k >= LinkControl && k <= LinkKeyManagement }

// String returns the link kind's name ("control", "same_controller", "mutual_guarantee",
// "key_management"), or "LinkKind(n)".
func (k LinkKind) String() string {
	if k.Valid() {
		return linkKindNames[k]
	}
	return fmt.Sprintf("LinkKind(%d)", uint8(k))
}

// MarshalText encodes the link kind by name. It fails with ErrInvalid for an undefined kind.
func (k LinkKind) MarshalText() ([]byte, error) {
	if !k.Valid() {
		return nil, fmt.Errorf("%w: link kind %d", ErrInvalid, uint8(k))
	}
	return []byte(linkKindNames[k]), nil
}

// UnmarshalText decodes a link kind name. It fails with ErrInvalid for an unknown name.
func (k *LinkKind) UnmarshalText(b []byte) error {
	for i := LinkControl; i <= LinkKeyManagement; i++ {
		if linkKindNames[i] == string(b) {
			*k = i
			return nil
		}
	}
	return fmt.Errorf("%w: unknown link kind %q", ErrInvalid, b)
}
