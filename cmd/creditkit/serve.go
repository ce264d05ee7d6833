package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/creditkit/creditkit/server"
	"github.com/creditkit/creditkit/server/audit"
	"github.com/creditkit/creditkit/server/auth"
	"github.com/creditkit/creditkit/server/demo"
	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/pii"
	"github.com/creditkit/creditkit/server/store"
)

// serveOptions are the settings of creditkit serve.
type serveOptions struct {
	addr            string
	data            string
	db              string
	bodyLimit       int
	readTimeout     time.Duration
	writeTimeout    time.Duration
	idleTimeout     time.Duration
	shutdownTimeout time.Duration
	logLevel        slog.Level
	demo            bool
	approvalMatrix  string
	rateLimit       float64
	debugAddr       string
	heapFloor       uint64
	getenv          func(string) string
}

func newServeCommand(getenv func(string) string) *cobra.Command {
	o := serveOptions{getenv: getenv}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the HTTP server",
		Long: `Run the creditkit HTTP server.

With no --db it keeps its data in an SQLite database in the data directory, created if
missing; --db postgres://user:password@host/db uses PostgreSQL instead. Migrations are
applied at start. SIGTERM or SIGINT stops it gracefully: requests in flight finish, the
database closes and the exit code is 0.

With --demo it first loads a demo bank, so there is data to look at: a branch hierarchy,
nested customer groups, a conglomerate with a group limit and related companies, 1,000
customers, officers and loan applications in every state. It is loaded through the same
code the API writes with, once (a later start with --demo does nothing), and only into an
empty database.

Every flag can also be set by the environment variable shown with it; the command line wins.

Security. Every request but /healthz and /readyz needs an API key (creditkit keys create) or
a JWT bearer token (CREDITKIT_JWT_ISSUER, CREDITKIT_JWT_AUDIENCE and CREDITKIT_JWT_SECRET or
CREDITKIT_JWT_ED25519_PUBLIC_KEY). When the database has never had an API key and no JWT
is configured, serve creates one admin key and prints it once on standard output. Personal
data is sealed with the data key from CREDITKIT_DATA_KEY or, without it, from the key file
in the data directory, which serve generates (mode 0600) the first time and warns: back it
up, since data sealed with it cannot be read without it.`,
		Args: cobra.NoArgs,
		PreRunE: func(cmd *cobra.Command, _ []string) error {
			return applyEnv(cmd.Flags(), getenv)
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serve(cmd.Context(), o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", ":8080", "address to listen on, host:port (env "+envName("addr")+")")
	f.StringVar(&o.data, "data", "./creditkit-data", "data directory, created 0700 if missing (env "+envName("data")+")")
	f.StringVar(&o.db, "db", "", "database: empty for SQLite in the data directory, or a postgres:// URL (env "+envName("db")+")")
	f.IntVar(&o.bodyLimit, "body-limit", server.DefaultBodyLimit, "largest request body in bytes (env "+envName("body-limit")+")")
	f.DurationVar(&o.readTimeout, "read-timeout", server.DefaultReadTimeout, "time to read a request (env "+envName("read-timeout")+")")
	f.DurationVar(&o.writeTimeout, "write-timeout", server.DefaultWriteTimeout, "time to handle a request and write its response (env "+envName("write-timeout")+")")
	f.DurationVar(&o.idleTimeout, "idle-timeout", server.DefaultIdleTimeout, "time to keep an idle connection (env "+envName("idle-timeout")+")")
	f.DurationVar(&o.shutdownTimeout, "shutdown-timeout", 30*time.Second, "time requests in flight get to finish at shutdown (env "+envName("shutdown-timeout")+")")
	f.TextVar(&o.logLevel, "log-level", slog.LevelInfo, "log level: debug, info, warn or error (env "+envName("log-level")+")")
	f.StringVar(&o.approvalMatrix, "approval-matrix", "", "JSON file of the loan approval matrix (amount bands, grades, stages, roles, authority); empty for the built-in one (env "+envName("approval-matrix")+")")
	f.Float64Var(&o.rateLimit, "rate-limit", server.DefaultRateLimit, "sustained requests per second per caller, with a burst of twice that; 0 turns the limit off (env "+envName("rate-limit")+")")
	f.StringVar(&o.debugAddr, "debug-addr", "", "address of a separate listener serving Go's profiler (/debug/pprof/) for operators, e.g. 127.0.0.1:6060; empty for none. It has no authentication: never expose it beyond the host (env "+envName("debug-addr")+")")
	f.Uint64Var(&o.heapFloor, "heap-floor", defaultHeapFloor, "heap size in bytes below which Go's garbage collector does not start a cycle (at most this much more memory, for much less collection when the live heap is small); 0 for Go's default. Ignored when GOGC is set (env "+envName("heap-floor")+")")
	f.BoolVar(&o.demo, "demo", false, "load the demo bank (branches, customer groups, 1,000 customers, officers, applications in every state) at start: once, and only into an empty database (env "+envName("demo")+")")
	return cmd
}

func serve(ctx context.Context, o serveOptions, stdout, stderr interface{ Write([]byte) (int, error) }) error {
	if o.bodyLimit <= 0 || o.readTimeout <= 0 || o.writeTimeout <= 0 || o.idleTimeout <= 0 || o.shutdownTimeout <= 0 {
		return usageError{errors.New("body limit and timeouts must be positive")}
	}
	if o.rateLimit < 0 {
		return usageError{errors.New("rate limit must not be negative")}
	}
	if o.getenv == nil {
		o.getenv = os.Getenv
	}
	log, logs := newServeLogger(stderr, o.logLevel)
	defer logs.Close()
	if o.heapFloor > 0 && os.Getenv("GOGC") == "" { // the runtime's own variable, whatever getenv is
		defer startHeapFloor(o.heapFloor)()
	}
	var matrix []byte
	if o.approvalMatrix != "" {
		b, err := os.ReadFile(o.approvalMatrix)
		if err != nil {
			return fmt.Errorf("approval matrix: %w", err)
		}
		matrix = b
	}

	dsn, where := o.db, ""
	if dsn == "" {
		if err := os.MkdirAll(o.data, 0o700); err != nil {
			return fmt.Errorf("data directory: %w", err)
		}
		dsn = filepath.Join(o.data, "creditkit.db")
		where = "sqlite " + dsn
	} else {
		where = redactDSN(dsn)
	}
	openCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	st, err := store.Config{Log: log}.Open(openCtx, dsn)
	cancel()
	if err != nil {
		return err
	}
	defer func() {
		if err := st.Close(); err != nil {
			log.Error("closing the database", "error", err.Error())
		}
	}()
	v, err := st.SchemaVersion(ctx)
	if err != nil {
		return err
	}

	sec, err := serveSecurity(ctx, st, o, log)
	if err != nil {
		return err
	}
	rate := server.RateLimitConfig{Rate: o.rateLimit, Burst: int(2 * o.rateLimit)}
	if o.rateLimit == 0 {
		rate.Rate = -1
	}
	srv, err := server.New(server.Config{
		Store:          st,
		Keyring:        sec.ring,
		Authenticator:  sec.auth,
		RateLimit:      rate,
		Logger:         log,
		BodyLimit:      o.bodyLimit,
		ReadTimeout:    o.readTimeout,
		WriteTimeout:   o.writeTimeout,
		IdleTimeout:    o.idleTimeout,
		ApprovalMatrix: matrix,
	})
	if err != nil {
		return err
	}
	sigCtx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if o.demo {
		fmt.Fprintln(stdout, "creditkit: loading the demo bank (the first time only; this takes a few seconds)")
		rep, err := srv.LoadDemo(sigCtx, demo.Config{})
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		log.Info("demo bank", "loaded", rep.Loaded, "unfinished", rep.Unfinished, "elapsed", rep.Elapsed.String())
		fmt.Fprintln(stdout, rep.String())
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	base := baseURL(ln.Addr())
	log.Info("listening", "url", base, "database", where, "schema_version", v)
	fmt.Fprintf(stdout, "creditkit serving %s on %s — try: curl -s %s/readyz\n", where, base, base)
	if sec.bootstrapKey != "" {
		fmt.Fprintf(stdout, "created the first API key (role admin), shown only this once; more with: creditkit keys create --role R\n"+
			"  export CREDITKIT_KEY=%s\n", sec.bootstrapKey)
	}
	fmt.Fprintf(stdout, "every other route needs a key: curl -s -H \"Authorization: Bearer $CREDITKIT_KEY\" %s/openapi.json\n", base)
	if o.demo {
		fmt.Fprintf(stdout, "the demo bank: applications awaiting a decision, the portfolio, customers and the tree:\n"+
			"  curl -s -H \"Authorization: Bearer $CREDITKIT_KEY\" '%[1]s/v1/applications?status=under_review&limit=3'\n"+
			"  curl -s -H \"Authorization: Bearer $CREDITKIT_KEY\" %[1]s/v1/analytics/portfolio\n"+
			"  curl -s -H \"Authorization: Bearer $CREDITKIT_KEY\" '%[1]s/v1/customers?limit=5'\n"+
			"  curl -s -H \"Authorization: Bearer $CREDITKIT_KEY\" %[1]s/v1/tree/nodes/1/children\n", base)
	}

	if o.debugAddr != "" {
		stopDebug, err := serveDebug(o.debugAddr, log)
		if err != nil {
			return err
		}
		defer stopDebug()
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-sigCtx.Done():
	}
	log.Info("shutting down: finishing requests in flight", "timeout", o.shutdownTimeout.String())
	shutCtx, cancel := context.WithTimeout(context.Background(), o.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("stopped")
	return nil
}

// serveSecurityParts are what serve needs from the security layer: the data keyring, the
// authenticator of API keys and JWTs, and the first admin key when it created one.
type serveSecurityParts struct {
	ring         *pii.Keyring
	auth         server.Authenticator
	bootstrapKey string // "" unless serve created the database's first key
}

// serveSecurity loads (or, on a single server's first start, generates) the data key,
// builds the authenticator and, when the database has no API key and no JWT is
// configured, creates an admin key so the first user can get in. A database whose keys
// were all revoked gets no new one: create it with creditkit keys create.
func serveSecurity(ctx context.Context, st *store.Store, o serveOptions, log *slog.Logger) (serveSecurityParts, error) {
	ring, src, err := pii.Load(pii.LoadConfig{Getenv: o.getenv, Dir: o.data, Generate: true})
	if err != nil {
		return serveSecurityParts{}, fmt.Errorf("data key: %w", err)
	}
	if src == pii.Generated {
		log.Warn("generated a new data key for personal data; back it up, since data sealed with it cannot be read without it, and give replicas the same key through "+pii.EnvDataKey,
			"file", filepath.Join(o.data, pii.KeyFileName), "key_id", ring.ActiveID())
	}
	jwtCfg, err := auth.JWTConfigFromEnv(o.getenv)
	if err != nil {
		return serveSecurityParts{}, usageError{err}
	}
	trail := audit.New(st, audit.Config{})
	keys := auth.NewKeyStore(st, auth.KeyStoreConfig{Audit: trail})
	a, err := auth.New(auth.Config{Keys: keys, Roles: auth.NewRoleStore(st, auth.KeyStoreConfig{Audit: trail}), JWT: jwtCfg})
	if err != nil {
		return serveSecurityParts{}, err
	}
	parts := serveSecurityParts{ring: ring, auth: server.APIAuthenticator(a)}
	if jwtCfg != nil {
		return parts, nil
	}
	existing, err := keys.List(ctx, auth.ListOptions{Revoked: true}) // never again once revoked
	if err != nil || len(existing) > 0 {
		return parts, err
	}
	_, text, err := keys.Create(ctx, perm.Admin("creditkit-serve", "creditkit serve"),
		auth.NewKey{Role: perm.RoleAdmin, Subject: "admin", Name: "first admin key, created by serve"})
	if err != nil {
		return serveSecurityParts{}, err
	}
	parts.bootstrapKey = text
	return parts, nil
}

// baseURL is the URL a local client reaches addr at: an unspecified host becomes the
// loopback address.
func baseURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// redactDSN hides a password in a PostgreSQL URL, for logs.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres (unparsable URL)"
	}
	u.RawQuery = ""
	return strings.TrimSuffix(u.Redacted(), "?")
}
