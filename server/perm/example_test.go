package perm_test

import (
	"context"
	"fmt"

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
