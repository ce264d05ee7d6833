// Package perm names what a caller of the creditkit server may do (Permission) and who
// the caller is (Actor), and carries the actor through a context.Context.
//
// Every route of the server names the one Permission it needs; the server authenticates
// the request, checks Actor.Can and stores the actor with WithActor before the handler
// runs, and handlers read it back with FromContext:
//
//	a := perm.Admin("local", "anonymous admin")
//	ctx := perm.WithActor(context.Background(), a)
//	got, _ := perm.FromContext(ctx)
//	fmt.Println(got.Can(perm.CustomerWrite)) // true
package perm
