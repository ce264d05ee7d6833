package loan

import (
	"fmt"
)

// Status is where an application stands in its life. The zero value is unset and is rejected
// wherever a status is required.
type Status int

// The statuses of an application. Approved, Rejected and Withdrawn are terminal.
const (
	StatusDraft Status = iota + 1
	StatusSubmitted
	StatusAssessed
	StatusAssigned
	StatusUnderReview
	StatusApproved
	StatusRejected
	StatusReturned
	StatusWithdrawn
)

var statusNames = [...]string{"", "draft", "submitted", "assessed", "assigned", "under_review",
	"approved", "rejected", "returned", "withdrawn"}

// Statuses lists every valid status in lifecycle order.
func Statuses() []Status {
	return []Status{StatusDraft, StatusSubmitted, StatusAssessed, StatusAssigned, StatusUnderReview,
		StatusApproved, StatusRejected, StatusReturned, StatusWithdrawn}
}

// Valid reports whether s is one of the defined statuses.
func (s Status) Valid() bool { return s > 0 && int(s) < len(statusNames) }

// Terminal reports whether no action can move an application out of s.
func (s Status) Terminal() bool {
	return s == StatusApproved || s == StatusRejected || s == StatusWithdrawn
}

// String returns the status name, e.g. "under_review", or "Status(n)" for an invalid value.
func (s Status) String() string { return enumString("Status", int(s), statusNames[:]) }

// MarshalText encodes a valid status as its name; an invalid one is an error.
func (s Status) MarshalText() ([]byte, error) { return enumMarshal("status", int(s), statusNames[:]) }

// UnmarshalText decodes a status name; unknown names and the empty string are errors.
func (s *Status) UnmarshalText(b []byte) error {
	return enumUnmarshal("status", b, statusNames[:], (*int)(s))
}

// Action is a step a person can take on an application. The zero value is unset.
type Action int

// The actions of the workflow.
const (
	ActionCreate Action = iota + 1
	ActionSubmit
	ActionReceiveDocument
	ActionVerifyDocument
	ActionRejectDocument
	ActionAssess
	ActionAssign
	ActionStartReview
	ActionApprove
	ActionReject
	ActionReturn
	ActionWithdraw
)

var actionNames = [...]string{"", "create", "submit", "receive_document", "verify_document",
	"reject_document", "assess", "assign", "start_review", "approve", "reject", "return", "withdraw"}

// Actions lists every valid action.
func Actions() []Action {
	out := make([]Action, 0, len(actionNames)-1)
	for i := 1; i < len(actionNames); i++ {
		out = append(out, Action(i))
	}
	return out
}

// Valid reports whether a is one of the defined actions.
func (a Action) Valid() bool { return a > 0 && int(a) < len(actionNames) }

// String returns the action name, e.g. "start_review".
func (a Action) String() string { return enumString("Action", int(a), actionNames[:]) }

// MarshalText encodes a valid action as its name.
func (a Action) MarshalText() ([]byte, error) { return enumMarshal("action", int(a), actionNames[:]) }

// UnmarshalText decodes an action name.
func (a *Action) UnmarshalText(b []byte) error {
	return enumUnmarshal("action", b, actionNames[:], (*int)(a))
}

// Role is what a person is entitled to do. A person may hold several roles; each action names
// the roles that may take it (see [Action] and [Workflow.Apply]). The zero value is unset.
type Role int

// The roles. A maker opens applications and gathers documents; an officer prepares the case
// (verifies documents, attaches assessments, sends it for review); a supervisor assigns cases
// to officers; approvers and the credit committee decide at approval stages.
const (
	RoleMaker Role = iota + 1
	RoleOfficer
	RoleSupervisor
	RoleApprover
	RoleCommittee
)

var roleNames = [...]string{"", "maker", "officer", "supervisor", "approver", "committee"}

// Valid reports whether r is one of the defined roles.
func (r Role) Valid() bool { return r > 0 && int(r) < len(roleNames) }

// decides reports whether r may sit on an approval stage.
func (r Role) decides() bool { return r == RoleApprover || r == RoleCommittee }

// String returns the role name, e.g. "committee".
func (r Role) String() string { return enumString("Role", int(r), roleNames[:]) }

// MarshalText encodes a valid role as its name.
func (r Role) MarshalText() ([]byte, error) { return enumMarshal("role", int(r), roleNames[:]) }

// UnmarshalText decodes a role name; unknown names are errors.
func (r *Role) UnmarshalText(b []byte) error {
	return enumUnmarshal("role", b, roleNames[:], (*int)(r))
}

// CustomerKind says whether the applicant is a person or an enterprise. The zero value is unset.
type CustomerKind int

// The customer kinds.
const (
	CustomerIndividual CustomerKind = iota + 1
	CustomerEnterprise
)

var customerKindNames = [...]string{"", "individual", "enterprise"}

// Valid reports whether k is one of the defined kinds.
func (k CustomerKind) Valid() bool { return k > 0 && int(k) < len(customerKindNames) }

// String returns the kind name.
func (k CustomerKind) String() string {
	return enumString("CustomerKind", int(k), customerKindNames[:])
}

// MarshalText encodes a valid kind as its name.
func (k CustomerKind) MarshalText() ([]byte, error) {
	return enumMarshal("customer kind", int(k), customerKindNames[:])
}

// UnmarshalText decodes a kind name.
func (k *CustomerKind) UnmarshalText(b []byte) error {
	return enumUnmarshal("customer kind", b, customerKindNames[:], (*int)(k))
}

// Repayment is how a loan is paid back. The zero value is unset.
type Repayment int

// The repayment methods.
const (
	RepaymentEqualInstalments Repayment = iota + 1 // 等额本息: equal payments of principal and interest
	RepaymentEqualPrincipal                        // 等额本金: equal principal, falling interest
	RepaymentInterestOnly                          // interest periodically, principal at maturity
	RepaymentBullet                                // principal and interest at maturity
)

var repaymentNames = [...]string{"", "equal_instalments", "equal_principal", "interest_only", "bullet"}

// Valid reports whether r is one of the defined methods.
func (r Repayment) Valid() bool { return r > 0 && int(r) < len(repaymentNames) }

// String returns the method name.
func (r Repayment) String() string { return enumString("Repayment", int(r), repaymentNames[:]) }

// MarshalText encodes a valid method as its name.
func (r Repayment) MarshalText() ([]byte, error) {
	return enumMarshal("repayment", int(r), repaymentNames[:])
}

// UnmarshalText decodes a method name.
func (r *Repayment) UnmarshalText(b []byte) error {
	return enumUnmarshal("repayment", b, repaymentNames[:], (*int)(r))
}

// Security is what backs a loan. The zero value is unset; an unsecured loan says so with
// [SecurityNone].
type Security int

// The kinds of security.
const (
	SecurityNone       Security = iota + 1 // 信用: unsecured
	SecurityGuarantee                      // 保证: a third party's guarantee
	SecurityCollateral                     // 抵押: a mortgage over property
	SecurityPledge                         // 质押: a pledge, e.g. of equity or deposits
)

var securityNames = [...]string{"", "none", "guarantee", "collateral", "pledge"}

// Valid reports whether s is one of the defined kinds.
func (s Security) Valid() bool { return s > 0 && int(s) < len(securityNames) }

// String returns the kind name.
func (s Security) String() string { return enumString("Security", int(s), securityNames[:]) }

// MarshalText encodes a valid kind as its name.
func (s Security) MarshalText() ([]byte, error) {
	return enumMarshal("security", int(s), securityNames[:])
}

// UnmarshalText decodes a kind name.
func (s *Security) UnmarshalText(b []byte) error {
	return enumUnmarshal("security", b, securityNames[:], (*int)(s))
}

// DocumentKind names a document of the dossier. The zero value is unset.
type DocumentKind int

// The document kinds.
const (
	DocApplicationForm     DocumentKind = iota + 1 // 申请书
	DocIdentity                                    // identity of the applicant or legal representative
	DocProofOfIncome                               // 收入证明
	DocFinancialStatements                         // 财务报表
	DocProofOfEmployment                           // 工作证明
	DocGuarantee                                   // 担保文件: guarantee contract and guarantor's papers
	DocCollateral                                  // title and valuation of collateral or pledged assets
	DocBusinessLicence                             // 营业执照
)

var documentKindNames = [...]string{"", "application_form", "identity", "proof_of_income",
	"financial_statements", "proof_of_employment", "guarantee", "collateral", "business_licence"}

// Valid reports whether k is one of the defined kinds.
func (k DocumentKind) Valid() bool { return k > 0 && int(k) < len(documentKindNames) }

// String returns the kind name.
func (k DocumentKind) String() string {
	return enumString("DocumentKind", int(k), documentKindNames[:])
}

// MarshalText encodes a valid kind as its name.
func (k DocumentKind) MarshalText() ([]byte, error) {
	return enumMarshal("document kind", int(k), documentKindNames[:])
}

// UnmarshalText decodes a kind name.
func (k *DocumentKind) UnmarshalText(b []byte) error {
	return enumUnmarshal("document kind", b, documentKindNames[:], (*int)(k))
}

// DocumentStatus is where a document of the dossier stands. The zero value is unset.
type DocumentStatus int

// The document statuses.
const (
	DocumentReceived DocumentStatus = iota + 1
	DocumentVerified
	DocumentRejected
)

var documentStatusNames = [...]string{"", "received", "verified", "rejected"}

// Valid reports whether s is one of the defined statuses.
func (s DocumentStatus) Valid() bool { return s > 0 && int(s) < len(documentStatusNames) }

// String returns the status name.
func (s DocumentStatus) String() string {
	return enumString("DocumentStatus", int(s), documentStatusNames[:])
}

// MarshalText encodes a valid status as its name.
func (s DocumentStatus) MarshalText() ([]byte, error) {
	return enumMarshal("document status", int(s), documentStatusNames[:])
}

// UnmarshalText decodes a status name.
func (s *DocumentStatus) UnmarshalText(b []byte) error {
	return enumUnmarshal("document status", b, documentStatusNames[:], (*int)(s))
}

// Verdict is an approver's decision at a stage. The zero value is unset.
type Verdict int

// The verdicts.
const (
	VerdictApprove Verdict = iota + 1
	VerdictReject
	VerdictReturn
)

var verdictNames = [...]string{"", "approve", "reject", "return"}

// Valid reports whether v is one of the defined verdicts.
func (v Verdict) Valid() bool { return v > 0 && int(v) < len(verdictNames) }

// String returns the verdict name.
func (v Verdict) String() string { return enumString("Verdict", int(v), verdictNames[:]) }

// MarshalText encodes a valid verdict as its name.
func (v Verdict) MarshalText() ([]byte, error) {
	return enumMarshal("verdict", int(v), verdictNames[:])
}

// UnmarshalText decodes a verdict name.
func (v *Verdict) UnmarshalText(b []byte) error {
	return enumUnmarshal("verdict", b, verdictNames[:], (*int)(v))
}

func enumString(typ string, v int, names []string) string {
	if v > 0 && v < len(names) {
		return names[v]
	}
	return fmt.Sprintf("%s(%d)", typ, v)
}

func enumMarshal(what string, v int, names []string) ([]byte, error) {
	if v > 0 && v < len(names) {
		return []byte(names[v]), nil
	}
	return nil, fmt.Errorf("loan: invalid %s %d", what, v)
}

func enumUnmarshal(what string, b []byte, names []string, dst *int) error {
	s := string(b)
	for i := 1; i < len(names); i++ {
		if names[i] == s {
			*dst = i
			return nil
		}
	}
	return fmt.Errorf("loan: unknown %s %q", what, s)
}
