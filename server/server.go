package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/creditkit/creditkit/server/audit"
	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/pii"
	"github.com/creditkit/creditkit/server/store"
)

// Defaults of Config.
const (
	DefaultBodyLimit    = 1 << 20 // 1 MiB
	DefaultReadTimeout  = 10 * time.Second
	DefaultWriteTimeout = 10 * time.Second
	DefaultIdleTimeout  = 60 * time.Second
)

// initTimeout bounds what New reads from the database to warm its caches.
const initTimeout = 2 * time.Minute

// ErrConfig reports a Config that New cannot use.
var ErrConfig = errors.New("server: bad config")

// Authenticator identifies the caller of a request from its headers (looked up by
// canonical name). It returns an error wrapping ErrUnauthorized when the caller cannot be
// identified. Implementations must be safe for concurrent use.
type Authenticator interface {
	Authenticate(ctx context.Context, header func(name string) string) (perm.Actor, error)
}

// Config configures New. Store is required; the zero value of every other field is the
// documented default.
type Config struct {
	// Store is the database; the caller opens it and closes it after Shutdown.
	Store *store.Store
	// Logger receives the JSON request log and errors; nil means JSON to stderr at Info.
	// Request and response bodies are never logged.
	Logger *slog.Logger
	// BodyLimit is the largest request body in bytes (larger → 413); 0 means
	// DefaultBodyLimit.
	BodyLimit int
	// ReadTimeout, WriteTimeout and IdleTimeout bound reading a request, writing its
	// response and keeping an idle connection; 0 means the Default values. WriteTimeout
	// also bounds each handler's context, so its database work stops in time.
	ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// Authenticator identifies callers; nil means every request acts as Anonymous, which
	// New announces with a warning in the log.
	Authenticator Authenticator
	// Anonymous is the actor of every request while Authenticator is nil; the zero value
	// means perm.Admin("anonymous", "anonymous admin").
	Anonymous perm.Actor
	// NewRequestID makes request IDs for requests that bring no usable X-Request-ID; nil
	// means 16 random bytes in hex.
	NewRequestID func() string
	// ApprovalMatrix is the loan approval matrix as JSON (see loan.ParseMatrix); nil means
	// the server's default matrix (see defaultApprovalMatrix in applications_matrix.go).
	// New fails with ErrConfig when it does not parse or validate.
	ApprovalMatrix []byte
	// Keyring seals personal data at rest (identity numbers, credit codes, mobiles,
	// e-mails, street addresses) and keys their blind indexes; required. Load it with
	// pii.Load. New fails with pii.ErrMissingKey when the database holds data sealed with
	// a key the keyring lacks.
	Keyring *pii.Keyring
	// RateLimit limits the requests of each caller (per actor, after authentication);
	// a zero Rate means DefaultRateLimit requests per second with a burst of twice that,
	// a negative Rate turns the limit off.
	RateLimit RateLimitConfig
	// CORS answers cross-origin requests from the origins it lists; the zero value (the
	// default) turns CORS off.
	CORS CORSConfig
	// Idempotency configures the Idempotency-Key handling of POST requests (always on).
	Idempotency IdempotencyConfig
	// Now measures latency; nil means time.Now.
	Now func() time.Time
}

// DefaultRateLimit is the sustained requests per second per caller when
// Config.RateLimit.Rate is 0.
const DefaultRateLimit = 200

// Route is one registered route and the permission it needs (0 for the public probes).
type Route struct {
	Method     string
	Path       string // Fiber syntax: /v1/customers/:number
	Permission perm.Permission
}

// Server is the creditkit HTTP server. Its methods are safe for concurrent use; routes
// are registered only by New.
type Server struct {
	app     *fiber.App
	cfg     Config
	log     *slog.Logger
	routes  []Route
	metrics *metrics
	openAPI []byte // the merged OpenAPI document

	trail   *audit.Log   // every write appends to it in its own transaction (security.go)
	limiter *RateLimiter // nil when the rate limit is off
	idem    *Idempotency // Idempotency-Key handling of POST requests

	// One state per domain, each owned by its own file: customers.go (archive and tree),
	// credit.go (scorecards and assessments), officers.go (officers and assignments),
	// applications.go (the loan workflow and analytics).
	customers    customerState
	credit       creditState
	officers     officerState
	applications applicationState
}

// New builds the server and registers its routes. It fails with ErrConfig when Store is
// nil or a limit is negative.
func New(cfg Config) (*Server, error) {
	switch {
	case cfg.Store == nil:
		return nil, fmt.Errorf("%w: Store is required", ErrConfig)
	case cfg.Keyring == nil:
		return nil, fmt.Errorf("%w: Keyring is required: personal data is sealed with it (see pii.Load)", ErrConfig)
	case cfg.BodyLimit < 0 || cfg.ReadTimeout < 0 || cfg.WriteTimeout < 0 || cfg.IdleTimeout < 0:
		return nil, fmt.Errorf("%w: limits and timeouts must not be negative", ErrConfig)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	if cfg.BodyLimit == 0 {
		cfg.BodyLimit = DefaultBodyLimit
	}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = DefaultReadTimeout
	}
	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.Anonymous.ID == "" {
		cfg.Anonymous = perm.Admin("anonymous", "anonymous admin")
	}
	if cfg.NewRequestID == nil {
		cfg.NewRequestID = randomID
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	doc, err := buildOpenAPI(openAPIFiles)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger, metrics: newMetrics(), openAPI: doc,
		trail: audit.New(cfg.Store, audit.Config{Now: cfg.Now})}
	if s.idem, err = NewIdempotency(cfg.Store, withLogger(cfg.Idempotency, cfg.Logger)); err != nil {
		return nil, err
	}
	switch rl := cfg.RateLimit; {
	case rl.Rate == 0:
		rl.Rate, rl.Burst = DefaultRateLimit, 2*DefaultRateLimit
		fallthrough
	case rl.Rate > 0:
		if s.limiter, err = NewRateLimiter(rl); err != nil {
			return nil, err
		}
	}
	cors, err := CORS(cfg.CORS)
	if err != nil {
		return nil, err
	}
	s.app = fiber.New(fiber.Config{
		AppName:               "creditkit",
		BodyLimit:             cfg.BodyLimit,
		ReadTimeout:           cfg.ReadTimeout,
		WriteTimeout:          cfg.WriteTimeout,
		IdleTimeout:           cfg.IdleTimeout,
		ErrorHandler:          s.handleError,
		DisableStartupMessage: true,
		CaseSensitive:         true,
		StrictRouting:         true,
		ReadBufferSize:        8192,
		// An answer goes out in one write(2) while its headers and body fit in the
		// buffer. fasthttp's default of 4 KiB split every assessment (~5 KB) in two: a
		// second system call, and a second loopback or network send, per request.
		WriteBufferSize: 16384,
	})
	s.app.Use(s.requestID, s.observe, SecurityHeaders(HeadersConfig{}), cors)
	s.refuseUnknownMethods()
	ctx, cancel := context.WithTimeout(context.Background(), initTimeout)
	defer cancel()
	if err := pii.CheckKeys(ctx, cfg.Store, cfg.Keyring, cfg.Now()); err != nil {
		return nil, err
	}
	for _, init := range []func(context.Context) error{s.initCustomers, s.initCredit, s.initOfficers, s.initApplications} {
		if err := init(ctx); err != nil {
			return nil, err
		}
	}
	s.registerRoutes()
	if cfg.Authenticator == nil {
		s.log.Warn("authentication is not configured: every request acts as the local anonymous admin with every permission; do not expose this server beyond a trusted machine",
			"actor", cfg.Anonymous.ID, "role", cfg.Anonymous.Role)
	}
	return s, nil
}

// registerRoutes registers every route of the API. Domain routes join here, each through
// s.handle with its permission, and each documented in its domain's file under openapi/.
func (s *Server) registerRoutes() {
	s.public(fiber.MethodGet, "/healthz", s.healthz)
	s.public(fiber.MethodGet, "/readyz", s.readyz)
	s.handle(fiber.MethodGet, "/metrics", perm.OperationsRead, s.metricsHandler())
	s.handle(fiber.MethodGet, "/openapi.json", perm.OperationsRead, s.serveOpenAPI)
	s.customerRoutes()
	s.creditRoutes()
	s.officerRoutes()
	s.applicationRoutes()
	s.handle(fiber.MethodGet, "/v1/audit", perm.AuditRead, AuditListHandler(s.trail))
}

// App returns the Fiber app, for app.Test in tests or mounting.
func (s *Server) App() *fiber.App { return s.app }

// Routes returns the registered routes in registration order.
func (s *Server) Routes() []Route { return append([]Route(nil), s.routes...) }

// Serve accepts connections on ln until Shutdown; it returns nil after a Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	return s.app.Listener(ln)
}

// Shutdown stops accepting connections and waits for in-flight requests to finish, or for
// ctx to end, whichever comes first. It does not close the Store.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.app.ShutdownWithContext(ctx)
}

// handle registers a route that needs permission p: the caller is authenticated, checked
// for p and stored in the request context (read it with actorOf) before h runs. It is the
// only way routes other than the public probes are registered.
//
// After authentication each caller's requests pass its rate limit (429 with Retry-After),
// and a POST with an Idempotency-Key runs at most once per caller and key.
func (s *Server) handle(method, path string, p perm.Permission, h fiber.Handler) {
	s.routes = append(s.routes, Route{Method: method, Path: path, Permission: p})
	if method == fiber.MethodPost {
		h = s.idem.Wrap(h)
	}
	if s.limiter != nil {
		h = s.limiter.Wrap(h)
	}
	s.app.Add(method, path, func(c *fiber.Ctx) error {
		c.Locals(routeKey{}, path)
		a, err := s.authenticate(c)
		if err != nil {
			return err
		}
		c.Locals(actorKey{}, a.ID)
		if !a.Can(p) {
			return fmt.Errorf("%w: this needs %v", ErrForbidden, p)
		}
		ctx, cancel := context.WithTimeout(c.UserContext(), s.cfg.WriteTimeout)
		defer cancel()
		ctx = context.WithValue(ctx, requestIDKey{}, s.ensureRequestID(c))
		c.SetUserContext(perm.WithActor(ctx, a))
		return h(c)
	})
}

// public registers a route that anyone may call: only the health and readiness probes.
func (s *Server) public(method, path string, h fiber.Handler) {
	s.routes = append(s.routes, Route{Method: method, Path: path})
	s.app.Add(method, path, func(c *fiber.Ctx) error {
		c.Locals(routeKey{}, path)
		return h(c)
	})
}

func (s *Server) authenticate(c *fiber.Ctx) (perm.Actor, error) {
	if s.cfg.Authenticator == nil {
		return s.cfg.Anonymous, nil
	}
	a, err := s.cfg.Authenticator.Authenticate(c.UserContext(), func(name string) string {
		return strings.Clone(c.Get(name))
	})
	if err != nil {
		if errors.Is(err, ErrUnauthorized) {
			return perm.Actor{}, err
		}
		return perm.Actor{}, fmt.Errorf("server: authenticate: %w", err)
	}
	return a, nil
}

// actorOf returns the caller of the request; every handler gets its actor here. It is the
// zero Actor, which may do nothing, on a public route.
func actorOf(c *fiber.Ctx) perm.Actor {
	a, _ := perm.FromContext(c.UserContext())
	return a
}

type (
	routeKey     struct{}
	actorKey     struct{}
	requestIDKey struct{}
)

// withLogger returns cfg with Logger set to log when it has none.
func withLogger(cfg IdempotencyConfig, log *slog.Logger) IdempotencyConfig {
	if cfg.Logger == nil {
		cfg.Logger = log
	}
	return cfg
}

func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// validRequestID accepts 1 to 128 characters of [A-Za-z0-9._:-], so an incoming ID can be
// logged and echoed without injection.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		ch := id[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '.' || ch == '_' || ch == '-' || ch == ':') {
			return false
		}
	}
	return true
}

// requestID sets X-Request-ID on the response: the incoming one if it is sane, else a new
// one.
func (s *Server) requestID(c *fiber.Ctx) error {
	s.ensureRequestID(c)
	return c.Next()
}

func (s *Server) ensureRequestID(c *fiber.Ctx) string {
	if id, ok := c.Locals(requestIDKey{}).(string); ok {
		return id
	}
	id := c.Get(fiber.HeaderXRequestID)
	if validRequestID(id) {
		id = strings.Clone(id)
	} else {
		id = s.cfg.NewRequestID()
	}
	c.Locals(requestIDKey{}, id)
	c.Set(fiber.HeaderXRequestID, id)
	return id
}

// observe runs the rest of the chain, turns a returned error or panic into its problem
// response, and then logs and counts the request.
func (s *Server) observe(c *fiber.Ctx) (err error) {
	start := s.cfg.Now()
	defer func() {
		if r := recover(); r != nil {
			err = s.handleError(c, fmt.Errorf("server: panic: %v", r))
		}
		s.record(c, start)
	}()
	if err := c.Next(); err != nil {
		return s.handleError(c, err)
	}
	return nil
}

func (s *Server) record(c *fiber.Ctx, start time.Time) {
	elapsed := s.cfg.Now().Sub(start)
	status := c.Response().StatusCode()
	route, ok := c.Locals(routeKey{}).(string)
	if !ok {
		route = "unmatched"
	}
	method, label := strings.Clone(c.Method()), "OTHER" // a method a client made up is no label
	if knownMethod(method) {
		label = method
	}
	s.metrics.observe(label, route, status, elapsed)
	actor, _ := c.Locals(actorKey{}).(string)
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	// The handler is called as slog.Logger.LogAttrs would, but without the caller's
	// program counter, which the Logger takes with runtime.Callers on every call (~1% of a
	// GET's CPU) and which would only ever name this function.
	ctx, h := c.UserContext(), s.log.Handler()
	if !h.Enabled(ctx, level) {
		return
	}
	r := slog.NewRecord(time.Now(), level, "request", 0)
	r.AddAttrs(
		slog.String("request_id", s.ensureRequestID(c)),
		slog.String("method", method),
		slog.String("route", route),
		slog.String("path", strings.Clone(c.Path())), // never the query: it may hold names
		slog.Int("status", status),
		slog.Duration("duration", elapsed),
		slog.Int("bytes_out", len(c.Response().Body())),
		slog.String("actor", actor),
	)
	_ = h.Handle(ctx, r) // as slog.Logger does: a handler reports its own failures
}

// handleError is the one error handler: it answers err as problem+json and logs the
// details of a 5xx, which the client never sees.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	id := s.ensureRequestID(c)
	p := classify(err)
	p.RequestID = id
	p.Instance = strings.Clone(c.Path())
	if p.Status >= 500 {
		s.log.LogAttrs(c.UserContext(), slog.LevelError, "request failed",
			slog.String("request_id", id), slog.String("error", err.Error()))
	}
	if len(p.Errors) > 0 && c.AcceptsLanguages("en", "zh") == "zh" {
		fields := make([]FieldError, len(p.Errors))
		for i, f := range p.Errors {
			if f.MessageZH != "" {
				f.Message = f.MessageZH
			}
			fields[i] = f
		}
		p.Errors = fields
	}
	if p.Status == fiber.StatusUnauthorized {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="creditkit"`)
	}
	return c.Status(p.Status).JSON(p, "application/problem+json")
}

// metrics are the Prometheus collectors of one Server, on its own registry.
type metrics struct {
	registry   *prometheus.Registry
	requests   *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	commitRows *prometheus.HistogramVec // group commits: writes per transaction
	commitTime *prometheus.HistogramVec // group commits: transaction time

	byRequest sync.Map // requestKey → *requestMetrics

	// POST /v1/assessments' customer references (refCache): taken from the cache, read
	// from the database, and found changed at commit.
	refHits, refMisses, refStale prometheus.Counter
}
