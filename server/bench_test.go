package server

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/creditkit/creditkit/server/store"
	"github.com/creditkit/creditkit/server/store/storetest"
)

// BenchmarkRequestPipeline measures what every request pays: request ID, routing,
// permission check, actor in context, metrics and the JSON log line (written to
// io.Discard), here around GET /healthz, without network I/O.
func BenchmarkRequestPipeline(b *testing.B) {
	st, err := store.Open(context.Background(), storetest.SQLiteDSN(b))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	srv, err := New(Config{Store: st, Keyring: testRing, RateLimit: unlimited, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	h := srv.App().Handler()
	var ctx fasthttp.RequestCtx
	b.ReportAllocs()
	for b.Loop() {
		ctx.Request.Reset()
		ctx.Response.Reset()
		ctx.Request.Header.SetMethod("GET")
		ctx.Request.SetRequestURI("/healthz")
		h(&ctx)
		if ctx.Response.StatusCode() != 200 {
			b.Fatal(ctx.Response.StatusCode())
		}
	}
}

func BenchmarkDecodeJSON(b *testing.B) {
	body := []byte(`{"name":"张三","count":12,"inner":{"flag":true}}`)
	b.ReportAllocs()
	for b.Loop() {
		var w widget
		if err := decodeJSON("application/json; charset=utf-8", body, &w); err != nil {
			b.Fatal(err)
		}
	}
}
