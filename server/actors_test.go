package server

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/creditkit/creditkit/server/perm"
)

// roleActor parses the test actors "id/role/node": a built-in role (perm.BuiltinRole: its
// permissions and data rule) bound to tree node node, or the role "clerk" — a custom role
// that reads and writes customers but holds no pii:read, so it sees personal data masked.
// header names the header v came from, for the error.
func roleActor(header, v string) (perm.Actor, error) {
	parts := strings.Split(v, "/")
	if len(parts) != 3 || parts[0] == "" {
		return perm.Actor{}, fmt.Errorf("%w: %s is id/role/node", ErrUnauthorized, header)
	}
	node, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return perm.Actor{}, fmt.Errorf("%w: %s: bad node", ErrUnauthorized, header)
	}
	if parts[1] == "clerk" {
		a := perm.New(parts[0], parts[0], "clerk", perm.CustomerRead, perm.CustomerWrite, perm.TreeRead)
		a.Node = node
		return a, nil
	}
	role, ok := perm.BuiltinRole(parts[1])
	if !ok {
		return perm.Actor{}, fmt.Errorf("%w: %s: no role %q", ErrUnauthorized, header, parts[1])
	}
	return role.Actor(parts[0], parts[0], node), nil
}
