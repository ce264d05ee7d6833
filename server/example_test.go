package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/creditkit/creditkit/server"
	"github.com/creditkit/creditkit/server/store"
)

func ExampleNew() {
	dir, err := os.MkdirTemp("", "creditkit-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	st, err := store.Open(context.Background(), filepath.Join(dir, "creditkit.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer st.Close()

	srv, err := server.New(server.Config{
		Store:        st,
		Logger:       slog.New(slog.DiscardHandler),
		NewRequestID: func() string { return "req-1" },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := srv.App().Test(httptest.NewRequest("GET", "/readyz", nil))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	fmt.Println(res.StatusCode, res.Header.Get("X-Request-ID"), string(body))
	// Output: 200 req-1 {"database":"sqlite","status":"ready"}
}
