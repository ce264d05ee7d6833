// Package perm names what a caller of the creditkit server may do (Permission), who the
// caller is (Actor), and the roles that bundle permissions (Role), and carries the actor
// through a context.Context.
//
// Every route of the server names the one Permission it needs; the server authenticates
// the request, checks Actor.Can and stores the actor with WithActor before the handler
// runs, and handlers read it back with FromContext:
//
//	a := perm.Admin("local", "anonymous admin")
//	ctx := perm.WithActor(context.Background(), a)
//	got, _ := perm.FromContext(ctx)
//	fmt.Println(got.Can(perm.CustomerWrite)) // true
//
// The built-in roles admin, officer, approver, auditor and analyst are one table
// (Builtin), rendered for the documentation by MatrixMarkdown (MATRIX.md is generated
// from it and a test keeps it current); NewRoles adds custom roles, which the server keeps
// in its roles table. An actor made from a role carries its data scope: the tree node it is
// bound to and, for an officer, the limit to its assigned customers.
package perm
