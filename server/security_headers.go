package server

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/cors"
	"github.com/valyala/fasthttp"
)

// HeadersConfig configures SecurityHeaders. The zero value is the documented default.
type HeadersConfig struct {
	// HSTS, when positive, sends Strict-Transport-Security with this max-age (and
	// includeSubDomains). Set it only when the server is reached over HTTPS only (directly
	// or behind a TLS-terminating proxy); 0 sends none.
	HSTS time.Duration
}

// SecurityHeaders returns a middleware that sets, on every response (errors included),
// headers that keep a browser from sniffing, framing, caching or leaking what the API
// returns: X-Content-Type-Options: nosniff, X-Frame-Options: DENY, a Content-Security-
// Policy of default-src 'none', Referrer-Policy: no-referrer, Cross-Origin-Opener- and
// -Resource-Policy: same-origin, Cache-Control: no-store (a handler may set its own after
// it), and Strict-Transport-Security when cfg.HSTS is set. Wire it with app.Use before the
// routes.
func SecurityHeaders(cfg HeadersConfig) fiber.Handler {
	hsts := ""
	if cfg.HSTS > 0 {
		hsts = "max-age=" + strconv.FormatInt(int64(cfg.HSTS/time.Second), 10) + "; includeSubDomains"
	}
	return func(c *fiber.Ctx) error {
		setSecurityHeaders(&c.Response().Header, hsts)
		return c.Next()
	}
}

// setSecurityHeaders sets SecurityHeaders' headers on h, Strict-Transport-Security to hsts
// unless it is empty.
func setSecurityHeaders(h *fasthttp.ResponseHeader, hsts string) {
	h.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	h.Set(fiber.HeaderXFrameOptions, "DENY")
	h.Set(fiber.HeaderContentSecurityPolicy, "default-src 'none'; frame-ancestors 'none'")
	h.Set(fiber.HeaderReferrerPolicy, "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set(fiber.HeaderCrossOriginResourcePolicy, "same-origin")
	h.Set(fiber.HeaderCacheControl, "no-store")
	if hsts != "" {
		h.Set(fiber.HeaderStrictTransportSecurity, hsts)
	}
}

// CORSConfig configures CORS. The zero value turns CORS off.
type CORSConfig struct {
	// AllowOrigins are the browser origins (scheme://host[:port]) that may call the API
	// from their pages; empty means none: no CORS header is ever sent, so browsers keep
	// other sites' scripts out. "*" is refused: the API carries personal data.
	AllowOrigins []string
}

// CORS returns a middleware that answers cross-origin requests from cfg.AllowOrigins
// only (preflights included, with the methods and headers the API uses, credentials
// never), or — the default — does nothing. It fails with ErrConfig for an origin that is
// not scheme://host[:port] or is "*".
func CORS(cfg CORSConfig) (fiber.Handler, error) {
	if len(cfg.AllowOrigins) == 0 {
		return func(c *fiber.Ctx) error { return c.Next() }, nil
	}
	for _, o := range cfg.AllowOrigins {
		u, err := url.Parse(o)
		if o == "*" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
			u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil || strings.ContainsAny(o, ", ") {
			return nil, fmt.Errorf("%w: CORS origin %q must be scheme://host[:port]", ErrConfig, o)
		}
	}
	return cors.New(cors.Config{
		AllowOrigins:  strings.Join(cfg.AllowOrigins, ","),
		AllowMethods:  "GET,POST,PATCH,PUT,DELETE",
		AllowHeaders:  "Authorization,Content-Type,If-Match,Idempotency-Key,X-API-Key,X-Request-ID,Accept-Language",
		ExposeHeaders: "ETag,Location,Retry-After,X-Request-ID,Idempotent-Replayed",
		MaxAge:        600,
	}), nil
}
