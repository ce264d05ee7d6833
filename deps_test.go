package creditkit_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const module = "github.com/creditkit/creditkit"

// leaves are the domain packages: each may import only the standard library, its own
// sub-packages and the third-party modules in leafThirdParty.
var leaves = []string{"customer", "tree", "credit", "assign"}

// leafThirdParty lists the modules a domain leaf may import directly, with the reason.
var leafThirdParty = []string{
	"github.com/shopspring/decimal",          // money
	"github.com/go-playground/validator/v10", // customer validation
	"github.com/go-playground/locales",       // validator's en/zh messages
	"github.com/go-playground/universal-translator",
	"golang.org/x/text",              // locale collation (pinyin name order)
	"github.com/mozillazg/go-pinyin", // pinyin spelling and initials for search
	"github.com/google/btree",        // ordered in-memory indexes (name order, cursor pages)
}

// moduleImports says which packages of this module a top-level package may import, beyond
// its own sub-packages. Top-level packages not listed here (server, cmd, examples, bench)
// may import anything of the module.
var moduleImports = map[string][]string{
	"customer": nil,
	"tree":     nil,
	"credit":   nil,
	"assign":   nil,
	"loan":     {"credit"},
}

// infraOnly are the import-path prefixes only server/..., cmd/... and examples/... may use:
// HTTP frameworks and servers, SQL and its drivers, JWT and metrics.
var infraOnly = []string{
	"github.com/gofiber/", "github.com/valyala/fasthttp", "net/http", "database/sql",
	"modernc.org/sqlite", "github.com/jackc/", "github.com/lib/pq", "github.com/mattn/go-sqlite3",
	"github.com/golang-jwt/", "github.com/prometheus/",
}

// infraExempt are packages under an infraOnly prefix that anything may depend on:
// database/sql/driver holds only interfaces (Valuer, Scanner's peers), and
// shopspring/decimal implements them, so every package that handles money depends on it
// without touching a database.
var infraExempt = []string{"database/sql/driver"}

// infraAllowed are the top-level directories that may import infraOnly packages. examples/
// holds main programs that show how to wire creditkit into a service; nothing imports them.
var infraAllowed = []string{"server", "cmd", "examples", "bench"}

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

// violations returns every breach of the dependency rule among pkgs, sorted.
func violations(pkgs []pkg) []string {
	var out []string
	for _, p := range pkgs {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		top := strings.SplitN(rel, "/", 2)[0]
		if !contains(infraAllowed, top) {
			for _, d := range p.Deps {
				if hasPrefix(d, infraOnly) && !contains(infraExempt, d) {
					out = append(out, fmt.Sprintf("%s depends on %s (only %v may)", p.ImportPath, d, infraAllowed))
				}
			}
		}
		allowed, ruled := moduleImports[top]
		if !ruled {
			continue
		}
		for _, d := range p.Deps {
			if !strings.HasPrefix(d, module+"/") {
				continue
			}
			dtop := strings.SplitN(strings.TrimPrefix(d, module+"/"), "/", 2)[0]
			if dtop != top && !contains(allowed, dtop) {
				out = append(out, fmt.Sprintf("%s depends on %s (%s may import %v of this module)", p.ImportPath, d, top, allowed))
			}
		}
		if !contains(leaves, top) {
			continue
		}
		for _, imp := range p.Imports {
			if isStd(imp) || strings.HasPrefix(imp, module+"/") || hasPrefix(imp, leafThirdParty) {
				continue
			}
			out = append(out, fmt.Sprintf("%s imports %s (domain leaves may import only %v)", p.ImportPath, imp, leafThirdParty))
		}
	}
	sort.Strings(out)
	return out
}

func isStd(path string) bool {
	first := strings.SplitN(path, "/", 2)[0]
	return !strings.Contains(first, ".")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func hasPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if s == p || strings.HasPrefix(s, strings.TrimSuffix(p, "/")+"/") || (strings.HasSuffix(p, "/") && strings.HasPrefix(s, p)) {
			return true
		}
	}
	return false
}

func TestDependencyRule(t *testing.T) {
	goBin, err := exec.LookPath("go")
	require.NoError(t, err, "the go command is needed to list the module's packages")
	cmd := exec.Command(goBin, "list", "-json=ImportPath,Imports,Deps", "./...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, stderr.String())

	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		err := dec.Decode(&p)
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		pkgs = append(pkgs, p)
	}
	require.NotEmpty(t, pkgs)
	assert.Empty(t, violations(pkgs), "the dependency rule of ARCHITECTURE.md is broken")
}

// TestViolations checks that the rule checker itself catches each kind of breach.
func TestViolations(t *testing.T) {
	tests := []struct {
		name string
		give pkg
		want int
	}{
		{"leaf imports leaf", pkg{ImportPath: module + "/tree", Imports: []string{module + "/customer"}, Deps: []string{module + "/customer"}}, 1},
		{"leaf imports fiber", pkg{ImportPath: module + "/credit", Imports: []string{"github.com/gofiber/fiber/v2"}, Deps: []string{"github.com/gofiber/fiber/v2"}}, 2},
		{"leaf depends on database/sql", pkg{ImportPath: module + "/assign/x", Imports: []string{"database/sql"}, Deps: []string{"database/sql"}}, 1},
		{"leaf depends on database/sql/driver through decimal", pkg{ImportPath: module + "/credit", Imports: []string{"github.com/shopspring/decimal"}, Deps: []string{"database/sql/driver", "github.com/shopspring/decimal"}}, 0},
		{"leaf imports the sqlite driver", pkg{ImportPath: module + "/tree", Imports: []string{"modernc.org/sqlite"}, Deps: []string{"database/sql", "database/sql/driver", "modernc.org/sqlite"}}, 3},
		{"leaf imports net/http", pkg{ImportPath: module + "/customer", Imports: []string{"net/http"}, Deps: []string{"net/http"}}, 1},
		{"loan imports tree", pkg{ImportPath: module + "/loan", Imports: []string{module + "/tree"}, Deps: []string{module + "/tree"}}, 1},
		{"loan imports credit", pkg{ImportPath: module + "/loan", Imports: []string{module + "/credit"}, Deps: []string{module + "/credit"}}, 0},
		{"leaf sub-package imports its leaf", pkg{ImportPath: module + "/credit/fit", Imports: []string{module + "/credit"}, Deps: []string{module + "/credit"}}, 0},
		{"leaf imports unlisted module", pkg{ImportPath: module + "/assign", Imports: []string{"github.com/google/uuid"}, Deps: []string{"github.com/google/uuid"}}, 1},
		{"leaf imports decimal", pkg{ImportPath: module + "/credit", Imports: []string{"github.com/shopspring/decimal"}, Deps: []string{"github.com/shopspring/decimal"}}, 0},
		{"server imports fiber and sql", pkg{ImportPath: module + "/server/store", Imports: []string{"database/sql"}, Deps: []string{"database/sql", "github.com/gofiber/fiber/v2", module + "/customer"}}, 0},
		{"examples use net/http", pkg{ImportPath: module + "/examples/mount", Deps: []string{"net/http"}}, 0},
		{"unknown top package uses sql", pkg{ImportPath: module + "/report", Deps: []string{"database/sql"}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Len(t, violations([]pkg{tt.give}), tt.want)
		})
	}
}
