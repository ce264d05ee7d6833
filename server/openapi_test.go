package server

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/server/perm"
)

type openAPIOperation struct {
	OperationID string                     `json:"operationId"`
	Permission  string                     `json:"x-permission"`
	Responses   map[string]json.RawMessage `json:"responses"`
}

type openAPIDoc struct {
	OpenAPI string                                 `json:"openapi"`
	Paths   map[string]map[string]openAPIOperation `json:"paths"`
}

var fiberParam = regexp.MustCompile(`:([A-Za-z_][A-Za-z0-9_]*)`)

// openAPIPath turns /v1/customers/:number into /v1/customers/{number}.
func openAPIPath(fiberPath string) string {
	return fiberParam.ReplaceAllString(fiberPath, "{$1}")
}

// TestOpenAPIMatchesTheRoutes keeps the OpenAPI document true: every registered route is
// documented with the permission it is registered with, and every documented operation is
// registered.
func TestOpenAPIMatchesTheRoutes(t *testing.T) {
	h := newHarness(t, Config{})
	r := h.get(t, "/openapi.json")
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "application/json", r.header.Get("Content-Type"))
	var doc openAPIDoc
	require.NoError(t, json.Unmarshal(r.body, &doc))
	assert.Equal(t, "3.1.0", doc.OpenAPI)

	registered := map[string]perm.Permission{}
	for _, rt := range h.srv.Routes() {
		registered[rt.Method+" "+openAPIPath(rt.Path)] = rt.Permission
	}
	documented := map[string]openAPIOperation{}
	ids := map[string]bool{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			documented[strings.ToUpper(method)+" "+path] = op
			assert.NotEmpty(t, op.OperationID, "%s %s", method, path)
			assert.False(t, ids[op.OperationID], "duplicate operationId %s", op.OperationID)
			ids[op.OperationID] = true
			assert.NotEmpty(t, op.Responses, "%s %s", method, path)
		}
	}
	assert.Equal(t, sortedKeys(registered), sortedKeys(documented), "registered and documented routes differ")
	for key, p := range registered {
		op, ok := documented[key]
		if !ok {
			continue
		}
		if p == 0 {
			assert.Empty(t, op.Permission, "%s is public", key)
			continue
		}
		assert.Equal(t, p.String(), op.Permission, "x-permission of %s", key)
		assert.Contains(t, op.Responses, "401", key)
		assert.Contains(t, op.Responses, "403", key)
	}
}

func TestOpenAPIPath(t *testing.T) {
	tests := []struct {
		name string
		give string
		want string
	}{
		{"static", "/healthz", "/healthz"},
		{"one", "/v1/customers/:number", "/v1/customers/{number}"},
		{"two", "/v1/tree/nodes/:id/children/:child", "/v1/tree/nodes/{id}/children/{child}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, openAPIPath(tt.give))
		})
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func TestBuildOpenAPIRefusesOverlaps(t *testing.T) {
	base := `{"openapi":"3.1.0","paths":{"/a":{}},"components":{"schemas":{"A":{}}}}`
	tests := []struct {
		name, part, wantErr string
	}{
		{"disjoint", `{"paths":{"/b":{}},"components":{"schemas":{"B":{}}}}`, ""},
		{"same path", `{"paths":{"/a":{}}}`, "paths /a is defined by openapi/0.json too"},
		{"same schema", `{"components":{"schemas":{"A":{}}}}`, "components schemas A is defined by openapi/0.json too"},
		{"second header", `{"openapi":"3.0.0"}`, `"openapi" is set by openapi/0.json too`},
		{"paths not an object", `{"paths":[]}`, "paths is not an object"},
		{"broken JSON", `{"paths":`, "openapi/1.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := buildOpenAPI(fstest.MapFS{
				"openapi/0.json": {Data: []byte(base)},
				"openapi/1.json": {Data: []byte(tt.part)},
			})
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			var got openAPIDoc
			require.NoError(t, json.Unmarshal(doc, &got))
			assert.Equal(t, []string{"/a", "/b"}, sortedKeys(got.Paths))
		})
	}
}
