package server

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
)

// openAPIFiles are the parts of the OpenAPI document: 0_base.json holds the header, the
// operations routes and the shared components; every other file documents one domain's
// routes and schemas, next to the Go file that registers them.
//
//go:embed openapi/*.json
var openAPIFiles embed.FS

// buildOpenAPI merges the parts into one document. A path, or a component of one section,
// defined by two parts is an error, so parts cannot silently override each other.
func buildOpenAPI(fsys fs.FS) ([]byte, error) {
	names, err := fs.Glob(fsys, "openapi/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	doc := map[string]any{}
	owner := map[string]string{} // "paths /v1/x" or "components schemas X" → file
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		var part map[string]any
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&part); err != nil {
			return nil, fmt.Errorf("server: %s: %w", name, err)
		}
		for key, v := range part {
			switch key {
			case "paths":
				if err := mergeSection(doc, owner, name, "paths", v); err != nil {
					return nil, err
				}
			case "components":
				sections, ok := v.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("server: %s: components is not an object", name)
				}
				comps, _ := doc["components"].(map[string]any)
				if comps == nil {
					comps = map[string]any{}
					doc["components"] = comps
				}
				for sec, sv := range sections {
					if err := mergeSection(comps, owner, name, "components "+sec, sv); err != nil {
						return nil, err
					}
				}
			default:
				if _, dup := doc[key]; dup {
					return nil, fmt.Errorf("server: %s: %q is set by %s too", name, key, owner[key])
				}
				doc[key], owner[key] = v, name
			}
		}
	}
	return json.MarshalIndent(doc, "", "  ")
}

// mergeSection adds the members of v to parent[key] (the last word of label), refusing a
// member another file defined.
func mergeSection(parent map[string]any, owner map[string]string, file, label string, v any) error {
	members, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("server: %s: %s is not an object", file, label)
	}
	key := label
	if i := bytes.LastIndexByte([]byte(label), ' '); i >= 0 {
		key = label[i+1:]
	}
	dst, _ := parent[key].(map[string]any)
	if dst == nil {
		dst = map[string]any{}
		parent[key] = dst
	}
	for name, m := range members {
		id := label + " " + name
		if prev, dup := owner[id]; dup {
			return fmt.Errorf("server: %s: %s is defined by %s too", file, id, prev)
		}
		dst[name], owner[id] = m, file
	}
	return nil
}
