// Package server is creditkit's reference HTTP server: Fiber v2 routes under /v1 over a
// server/store database, with one error handler that answers RFC 9457 problem+json, a
// strict JSON body decoder, request IDs, JSON logs through log/slog, Prometheus metrics,
// health and readiness probes and an OpenAPI 3.1 description at /openapi.json.
//
//	st, err := store.Open(ctx, "creditkit-data/creditkit.db")
//	if err != nil {
//		return err
//	}
//	defer st.Close()
//	srv, err := server.New(server.Config{Store: st, Logger: logger})
//	if err != nil {
//		return err
//	}
//	go srv.Serve(ln)
//	<-ctx.Done()
//	return srv.Shutdown(context.Background()) // in-flight requests finish first
//
// Every route is registered through one helper that names the perm.Permission it needs;
// the helper authenticates the caller through Config.Authenticator, checks the permission
// and puts the perm.Actor into the request context, where every handler reads it. Until
// an authenticator is configured, every request acts as Config.Anonymous, a local admin.
package server
