// Package jsonstr appends JSON strings byte for byte as encoding/json writes them, with or
// without its HTML escaping, for the server's hand-written JSON (the assessment report and
// headlines) and for the masking of personal data (server/pii), which must write what
// encoding/json would without going through it.
package jsonstr

import "unicode/utf8"

// safe[c] reports whether encoding/json writes the ASCII byte c in a string as it is
// without HTML escaping; htmlSafe[c], with it (<, > and & escaped too).
var safe, htmlSafe = func() (safe, htmlSafe [utf8.RuneSelf]bool) {
	for c := byte(' '); c < utf8.RuneSelf; c++ {
		safe[c] = c != '"' && c != '\\'
		htmlSafe[c] = safe[c] && c != '<' && c != '>' && c != '&'
	}
	return safe, htmlSafe
}()

const hex = "0123456789abcdef"

// AppendString appends s as a JSON string as encoding/json writes it: `"` and `\`
// escaped, control characters as \b \f \n \r \t or \u00XX, U+2028 and U+2029 escaped, each
// byte of invalid UTF-8 as \ufffd, and with escapeHTML (json.Marshal's default) <, > and &
// as \u003c \u003e \u0026.
func AppendString[S []byte | string](dst []byte, s S, escapeHTML bool) []byte {
	tab := &safe
	if escapeHTML {
		tab = &htmlSafe
	}
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if tab[c] {
				i++
				continue
			}
			dst = AppendRune(append(dst, s[start:i]...), rune(c), escapeHTML)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(string(s[i:min(len(s), i+utf8.UTFMax)]))
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(append(dst, s[start:i]...), `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = AppendRune(append(dst, s[start:i]...), r, escapeHTML)
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// AppendRune appends r as encoding/json writes it inside a string, with or without its
// HTML escaping.
func AppendRune(dst []byte, r rune, escapeHTML bool) []byte {
	switch {
	case r < utf8.RuneSelf && (escapeHTML && htmlSafe[r] || !escapeHTML && safe[r]):
		return append(dst, byte(r))
	case r == '\\' || r == '"':
		return append(dst, '\\', byte(r))
	case r == '\b':
		return append(dst, '\\', 'b')
	case r == '\f':
		return append(dst, '\\', 'f')
	case r == '\n':
		return append(dst, '\\', 'n')
	case r == '\r':
		return append(dst, '\\', 'r')
	case r == '\t':
		return append(dst, '\\', 't')
	case r < utf8.RuneSelf: // another control character, or <, > or & escaped for HTML
		return append(dst, '\\', 'u', '0', '0', hex[r>>4], hex[r&0xF])
	case r == '\u2028' || r == '\u2029':
		return append(dst, '\\', 'u', '2', '0', '2', hex[r&0xF])
	}
	return utf8.AppendRune(dst, r)
}
