// Command fiber-mount shows creditkit's reference server mounted inside a bank's own Fiber
// app: the bank keeps its routes and middleware, and every creditkit route — customers, the
// customer tree, assessments, officers, loans, health and the OpenAPI description — answers
// under one prefix, with creditkit's own problem+json errors. (The OpenAPI description lists
// creditkit's paths without the prefix: clients add it to their base URL.)
//
//	go run ./examples/fiber-mount                # walk-through on a temporary SQLite database
//	go run ./examples/fiber-mount -serve :8082   # serve until interrupted
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/creditkit/creditkit/server"
	"github.com/creditkit/creditkit/server/pii"
	"github.com/creditkit/creditkit/server/store"
)

func main() {
	addr := flag.String("serve", "", "serve on this address until interrupted, instead of the walk-through")
	flag.Parse()
	if *addr == "" {
		if err := run(os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "fiber-mount:", err)
			os.Exit(1)
		}
		return
	}
	dir, err := os.MkdirTemp("", "fiber-mount")
	if err != nil {
		log.Fatal(err)
	}
	app, closeApp, err := newApp(filepath.Join(dir, "creditkit.db"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer closeApp()
	log.Printf("bank app on %s: /api/branches, and creditkit under /creditkit (try /creditkit/readyz)", *addr)
	log.Fatal(app.Listen(*addr))
}

// newApp builds the bank's app with creditkit mounted under /creditkit; closeApp closes the
// database. newRequestID, when set, makes request IDs deterministic.
func newApp(dbPath string, newRequestID func() string) (app *fiber.App, closeApp func(), err error) {
	st, err := store.Open(context.Background(), dbPath)
	if err != nil {
		return nil, nil, err
	}
	// Personal data is sealed with a key kept beside the database (or in CREDITKIT_DATA_KEY).
	ring, _, err := pii.Load(pii.LoadConfig{Dir: filepath.Dir(dbPath), Generate: true})
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	srv, err := server.New(server.Config{Store: st, Keyring: ring, Logger: slog.New(slog.DiscardHandler), NewRequestID: newRequestID})
	if err != nil {
		st.Close()
		return nil, nil, err
	}

	app = fiber.New(fiber.Config{AppName: "bank portal"})
	app.Use(func(c *fiber.Ctx) error { // the bank's own middleware runs for its routes and creditkit's
		c.Set("X-Bank", "demo")
		return c.Next()
	})
	app.Get("/api/branches", func(c *fiber.Ctx) error {
		return c.JSON([]string{"shanghai", "beijing"})
	})
	app.Mount("/creditkit", srv.App())
	return app, func() { _ = st.Close() }, nil
}

// run mounts creditkit in a bank app on a temporary database and calls both, writing what
// comes back to w.
func run(w io.Writer) error {
	dir, err := os.MkdirTemp("", "fiber-mount")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	n := 0
	app, closeApp, err := newApp(filepath.Join(dir, "creditkit.db"), func() string { n++; return fmt.Sprintf("req-%d", n) })
	if err != nil {
		return err
	}
	defer closeApp()

	get := func(path string) (int, string, map[string]any, error) {
		res, err := app.Test(httptest.NewRequest("GET", path, nil), -1)
		if err != nil {
			return 0, "", nil, err
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if err != nil {
			return 0, "", nil, err
		}
		var doc map[string]any
		_ = json.Unmarshal(body, &doc)
		fmt.Fprintf(w, "GET %s → %d %s (X-Bank: %s)\n", path, res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("X-Bank"))
		return res.StatusCode, string(body), doc, nil
	}

	fmt.Fprintln(w, "== The bank's own route")
	_, body, _, err := get("/api/branches")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  %s\n", body)

	fmt.Fprintln(w, "\n== creditkit under /creditkit")
	_, body, _, err = get("/creditkit/readyz")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  %s\n", body)
	_, _, doc, err := get("/creditkit/openapi.json")
	if err != nil {
		return err
	}
	info, _ := doc["info"].(map[string]any)
	paths, _ := doc["paths"].(map[string]any)
	fmt.Fprintf(w, "  OpenAPI %v: %v; describes /v1/customers: %t\n", doc["openapi"], info["title"], paths["/v1/customers"] != nil)

	fmt.Fprintln(w, "\n== creditkit's errors stay problem+json under the prefix")
	_, _, doc, err = get("/creditkit/v1/customers/NO-SUCH-CUSTOMER")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  status %v: %v\n", doc["status"], strings.ToLower(fmt.Sprint(doc["title"])))
	return nil
}
