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
	"github.com/creditkit/creditkit/server/pii"
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

	ring, _, err := pii.Load(pii.LoadConfig{Dir: dir, Generate: true}) // the key file in the data directory
	if err != nil {
		fmt.Println(err)
		return
	}
	srv, err := server.New(server.Config{
		Store:        st,
		Keyring:      ring,
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
