package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/creditkit/creditkit/server/auth"
	"github.com/creditkit/creditkit/server/perm"
)

// APIAuthenticator adapts an auth.Authenticator (API keys and JWT bearer tokens) to
// Config.Authenticator: a caller it cannot identify is an error wrapping ErrUnauthorized
// (401 with WWW-Authenticate: Bearer), a key store that does not answer is ErrUnavailable
// (503). Wire it in serve:
//
//	a, err := auth.New(auth.Config{Keys: keys, Roles: roles, JWT: jwtConfig})
//	srv, err := server.New(server.Config{Store: st, Authenticator: server.APIAuthenticator(a), ...})
func APIAuthenticator(a *auth.Authenticator) Authenticator { return securityAuthAdapter{a} }

type securityAuthAdapter struct{ a *auth.Authenticator }

func (s securityAuthAdapter) Authenticate(ctx context.Context, header func(string) string) (perm.Actor, error) {
	actor, err := s.a.Authenticate(ctx, header)
	switch {
	case err == nil:
		return actor, nil
	case errors.Is(err, auth.ErrUnauthorized):
		return perm.Actor{}, fmt.Errorf("%w: %w", ErrUnauthorized, err)
	case errors.Is(err, auth.ErrUnavailable):
		return perm.Actor{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return perm.Actor{}, err
}
