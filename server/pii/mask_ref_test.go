package pii

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// maskJSONReference is MaskJSON as it was before the hand-written scanner: decode into
// map[string]any with UseNumber, walk, re-encode without HTML escaping. The tests hold
// MaskJSON to it byte for byte.
func maskJSONReference(doc []byte, rules Rules) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrJSON, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: data after the value", ErrJSON)
	}
	v = refMask(rules, v)
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrJSON, err)
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

func refMask(r Rules, v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			if s, ok := child.(string); ok {
				if f := r[k]; f != nil {
					t[k] = f(s)
				}
				continue
			}
			t[k] = refMask(r, child)
		}
		if path, ok := t["path"].(string); ok {
			if f := r[lastName(path)]; f != nil {
				for _, k := range []string{"old", "new"} {
					if s, ok := t[k].(string); ok {
						t[k] = f(s)
					}
				}
			}
		}
		return t
	case []any:
		for i, child := range t {
			t[i] = refMask(r, child)
		}
		return t
	}
	return v
}
