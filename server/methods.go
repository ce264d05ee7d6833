package server

import (
	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// refuseUnknownMethods makes the server refuse a request whose method fiber does not know
// (say BREW) as it refuses any other bad request: a problem+json 400 with a request ID and
// the security headers, logged and counted. Fiber itself would answer it before any
// middleware, with a plain-text 400 and nothing else.
func (s *Server) refuseUnknownMethods() {
	srv := s.app.Server()
	next := srv.Handler
	srv.Handler = func(ctx *fasthttp.RequestCtx) {
		if knownMethod(string(ctx.Method())) {
			next(ctx)
			return
		}
		start := s.cfg.Now()
		c := s.app.AcquireCtx(ctx)
		defer s.app.ReleaseCtx(c)
		s.ensureRequestID(c)
		setSecurityHeaders(&ctx.Response.Header, "")
		_ = s.handleError(c, &BadRequestError{Detail: "unknown request method"})
		s.record(c, start)
	}
}

// knownMethod reports whether fiber routes requests of method (it knows the methods of
// RFC 9110 and PATCH).
func knownMethod(method string) bool {
	for _, m := range fiber.DefaultMethods {
		if method == m {
			return true
		}
	}
	return false
}
