package tree

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mozillazg/go-pinyin"
)

// DefaultSearchLimit is the number of hits Search returns when Query.Limit is 0.
const DefaultSearchLimit = 50

// MaxSearchLimit is the largest Query.Limit accepted.
const MaxSearchLimit = 10000

// Query selects nodes inside a subtree. Every set field must match; the zero Query matches
// every node (up to the limit).
type Query struct {
	// Text matches the name, case-insensitively, as written ("华润", "bank"), or its pinyin
	// full spelling ("huarun", spaces ignored) or pinyin initials ("hr"). Empty matches all.
	Text string `json:"text,omitempty"`
	// Prefix makes Text match only at the start of the name, spelling or initials; otherwise
	// it matches anywhere inside them.
	Prefix bool `json:"prefix,omitempty"`
	// Kinds, when not empty, keeps only nodes of these kinds.
	Kinds []Kind `json:"kinds,omitempty"`
	// Attrs keeps only nodes whose attributes hold every one of these key-value pairs.
	Attrs map[string]string `json:"attrs,omitempty"`
	// Limit is the most hits returned: 0 means DefaultSearchLimit, at most MaxSearchLimit.
	Limit int `json:"limit,omitempty"`
}

// Search returns the nodes of the subtree under id (id included) that match q, at most
// q.Limit of them, in a stable order: pre-order from id, siblings by ascending ID. The order
// does not depend on the history of the tree, so a page can be resumed by searching the same
// query again with a larger limit. It stops as soon as it has q.Limit hits. It fails with
// ErrNotFound for an unknown id and an *InputError (ErrInvalid) for a bad limit, an unknown
// kind or text holding a NUL byte. The server scopes what a user may see by searching under the
// nodes the user is granted.
func (t *Tree) Search(id ID, q Query) ([]Node, error) {
	var ps problems
	switch {
	case q.Limit < 0 || q.Limit > MaxSearchLimit:
		ps.add(ErrInvalid, "limit", "range", "limit %d is outside 0..%d", q.Limit, MaxSearchLimit)
	case q.Limit == 0:
		q.Limit = DefaultSearchLimit
	}
	var kinds uint8
	for i, k := range q.Kinds {
		if !k.Valid() {
			ps.add(ErrInvalid, "kinds["+itoa(i)+"]", "oneof", "kind %d is not a known kind", uint8(k))
			continue
		}
		kinds |= 1 << k
	}
	if strings.IndexByte(q.Text, 0) >= 0 {
		ps.add(ErrInvalid, "text", "printable", "text holds a NUL byte")
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	text := strings.ToLower(strings.TrimSpace(q.Text))
	compact := strings.Join(strings.Fields(text), "")

	t.mu.RLock()
	defer t.mu.RUnlock()
	s, err := t.slot(id)
	if err != nil {
		return nil, err
	}
	var out []Node
	stack := make([]int32, 1, 64)
	stack[0] = s
	for len(stack) > 0 && len(out) < q.Limit {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n := &t.nodes[c]
		for i := len(n.children) - 1; i >= 0; i-- {
			stack = append(stack, n.children[i])
		}
		if kinds != 0 && kinds&(1<<n.kind) == 0 {
			continue
		}
		if !attrsMatch(n.attrs, q.Attrs) {
			continue
		}
		if text != "" && !keyMatch(n.key, text, compact, q.Prefix) {
			continue
		}
		out = append(out, t.view(c))
	}
	return out, nil
}

func attrsMatch(have, want map[string]string) bool {
	for k, v := range want {
		if got, ok := have[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// keyMatch matches text against the first part of the key (the folded name) and compact
// (text without spaces) against the pinyin parts.
func keyMatch(key, text, compact string, prefix bool) bool {
	if text == compact { // no spaces: one query for every part; NUL never occurs in it
		if !prefix {
			return strings.Contains(key, text)
		}
		for {
			if strings.HasPrefix(key, text) {
				return true
			}
			i := strings.IndexByte(key, 0)
			if i < 0 {
				return false
			}
			key = key[i+1:]
		}
	}
	for part := 0; ; part++ {
		seg, rest, more := strings.Cut(key, "\x00")
		q := compact
		if part == 0 {
			q = text
		}
		if q != "" {
			if prefix && strings.HasPrefix(seg, q) || !prefix && strings.Contains(seg, q) {
				return true
			}
		}
		if !more {
			return false
		}
		key = rest
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	k := len(b)
	for ; i > 0; i /= 10 {
		k--
		b[k] = byte('0' + i%10)
	}
	return string(b[k:])
}

// searchKey returns the key Search matches against: the lower-case name and, when the name
// holds Chinese characters, its pinyin full spelling and initials (other characters kept,
// spaces dropped), separated by NUL. Callers hold the write lock (it fills the pinyin cache).
func (t *Tree) searchKey(name string) string {
	folded := strings.ToLower(name)
	han := false
	for _, r := range folded {
		if unicode.Is(unicode.Han, r) {
			han = true
			break
		}
	}
	if !han {
		return folded
	}
	// One allocation: the key is assembled in the tree's scratch buffer, then copied once.
	buf := append(t.scratch[:0], folded...)
	buf = append(buf, 0)
	for _, r := range folded {
		switch {
		case unicode.Is(unicode.Han, r):
			buf = append(buf, t.pinyinOf(r)[0]...)
		case unicode.IsSpace(r):
		default:
			buf = utf8.AppendRune(buf, r)
		}
	}
	buf = append(buf, 0)
	for _, r := range folded {
		switch {
		case unicode.Is(unicode.Han, r):
			buf = append(buf, t.pinyinOf(r)[1]...)
		case unicode.IsSpace(r):
		default:
			buf = utf8.AppendRune(buf, r)
		}
	}
	t.scratch = buf
	return string(buf)
}

// pinyinOf returns the toneless pinyin of a Chinese character and its first letter, from the
// tree's cache; a character without a reading stands for itself.
func (t *Tree) pinyinOf(r rune) [2]string {
	if py, ok := t.pinyin[r]; ok {
		return py
	}
	py := [2]string{string(r), string(r)}
	args := pinyin.Args{Style: pinyin.Normal, Fallback: func(rune, pinyin.Args) []string { return nil }}
	if s := pinyin.SinglePinyin(r, args); len(s) > 0 && s[0] != "" {
		py = [2]string{s[0], s[0][:1]}
	}
	t.pinyin[r] = py
	return py
}
