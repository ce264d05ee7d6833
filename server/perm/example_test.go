package perm_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/creditkit/creditkit/server/perm"
)

func ExampleNew() {
	a := perm.New("u-17", "Wang Fang", "analyst", perm.AnalyticsRead, perm.CustomerRead)
	fmt.Println(a.Can(perm.AnalyticsRead), a.Can(perm.CustomerWrite), a.Permissions())
	// Output: true false [customer:read analytics:read]
}

func ExampleFromContext() {
	ctx := perm.WithActor(context.Background(), perm.Admin("local", "anonymous admin"))
	a, ok := perm.FromContext(ctx)
	fmt.Println(ok, a.Role, a.Can(perm.PIIRead))
	// Output: true admin true
}

func ExampleBuiltinRole() {
	officer, _ := perm.BuiltinRole(perm.RoleOfficer)
	a := officer.Actor("O-0007", "Li Lei", 12)
	fmt.Println(a.Role, a.Node, a.AssignedOnly, a.Can(perm.ApplicationWrite), a.Can(perm.ApplicationDecide))
	fmt.Println(a.SeesPII("O-0007"), a.SeesPII("O-0008"))
	// Output:
	// officer 12 true true false
	// true false
}

func ExampleBuiltin() {
	for _, r := range perm.Builtin() {
		fmt.Println(r.Name, len(r.Permissions), r.AssignedOnly)
	}
	// Output:
	// admin 19 false
	// officer 11 true
	// approver 8 false
	// auditor 9 false
	// analyst 6 false
}

func ExampleNewRoles() {
	supervisor := perm.Role{
		Name:        "supervisor",
		Description: "branch supervisor: assigns cases to officers",
		Permissions: []perm.Permission{perm.ApplicationRead, perm.OfficerRead, perm.AssignmentWrite},
	}
	rs, err := perm.NewRoles(supervisor)
	if err != nil {
		fmt.Println(err)
		return
	}
	r, _ := rs.Lookup("supervisor")
	fmt.Println(rs.Names(), r.Can(perm.AssignmentWrite))
	_, err = perm.NewRoles(perm.Role{Name: "admin"})
	fmt.Println(errors.Is(err, perm.ErrRole))
	// Output:
	// [admin officer approver auditor analyst supervisor] true
	// true
}

func ExampleRole_Validate() {
	err := perm.Role{Name: "Bank Teller"}.Validate()
	fmt.Println(errors.Is(err, perm.ErrRole))
	// Output: true
}

func ExampleRole_Can() {
	approver, _ := perm.BuiltinRole(perm.RoleApprover)
	fmt.Println(approver.Can(perm.ApplicationDecide), approver.Can(perm.ApplicationWrite))
	// Output: true false
}

func ExampleRoles_All() {
	rs, _ := perm.NewRoles(perm.Role{Name: "committee", Permissions: []perm.Permission{perm.ApplicationDecide}})
	fmt.Println(len(rs.All()), rs.All()[5].Name)
	// Output: 6 committee
}

func ExampleActor_SeesPII() {
	auditor, _ := perm.BuiltinRole(perm.RoleAuditor)
	fmt.Println(auditor.Actor("aud-1", "", 1).SeesPII("aud-1"), perm.Admin("root", "").SeesPII("O-1"))
	// Output: false true
}

func ExampleMatrixMarkdown() {
	analyst, _ := perm.BuiltinRole(perm.RoleAnalyst)
	md := perm.MatrixMarkdown([]perm.Role{analyst})
	lines := strings.Split(md, "\n")
	fmt.Println(lines[0])
	fmt.Println(lines[2])
	fmt.Println(lines[10])
	// Output:
	// | permission | analyst |
	// | `customer:read` |   |
	// | `scorecard:write` | ✓ |
}

func ExampleActor_Sees() {
	officer, _ := perm.BuiltinRole(perm.RoleOfficer)
	a := officer.Actor("O-0007", "Li Lei", 2) // bound to branch node 2
	path := []int64{1, 2, 17, 230}            // bank → branch 2 → group 17 → customer node 230
	fmt.Println(a.Sees(path, "O-0007"), a.Sees(path, "O-0008"), a.Sees([]int64{1, 3, 231}, "O-0007"))
	// Output: true false false
}

func ExampleActor_ScopeNode() {
	fmt.Println(perm.Admin("root", "").ScopeNode(), perm.New("a", "", "analyst").ScopeNode())
	// Output: 1 1
}
