package server

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/creditkit/creditkit/server/audit"
)

// AuditListHandler returns the handler of GET /v1/audit over trail, for the lead to
// register with the auditor's permission:
//
//	s.handle(fiber.MethodGet, "/v1/audit", perm.AuditRead, AuditListHandler(trail))
//
// (its OpenAPI part is server/openapi/audit.json). It answers {"items": [...],
// "next_cursor": "..."} with the records, newest first, that match the query parameters
// actor, entity_type, entity_id (needs entity_type), action, from and to (RFC 3339; from
// inclusive, to exclusive), order (newest, the default, or oldest), cursor and limit (1 to
// 200, default 50). An unknown parameter or a bad value is 400.
func AuditListHandler(trail *audit.Log) fiber.Handler {
	return func(c *fiber.Ctx) error {
		f := audit.Filter{Newest: true}
		var bad []string
		text := func(name, v string, dst *string) {
			if v == "" || len(v) > 256 || !utf8.ValidString(v) || strings.IndexFunc(v, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
				bad = append(bad, name+" must be 1 to 256 printable characters")
				return
			}
			*dst = v
		}
		when := func(name, v string, dst *time.Time) {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				bad = append(bad, name+" must be an RFC 3339 time such as 2026-03-01T09:00:00Z")
				return
			}
			*dst = t
		}
		seen := map[string]bool{}
		c.Context().QueryArgs().VisitAll(func(k, v []byte) {
			key, val := string(k), string(v)
			if seen[key] {
				bad = append(bad, securityQuote(key)+" is given twice")
				return
			}
			seen[key] = true
			switch key {
			case "actor":
				text(key, val, &f.Actor)
			case "entity_type":
				text(key, val, &f.EntityType)
			case "entity_id":
				text(key, val, &f.EntityID)
			case "action":
				text(key, val, &f.Action)
			case "from":
				when(key, val, &f.From)
			case "to":
				when(key, val, &f.To)
			case "order":
				switch val {
				case "newest":
					f.Newest = true
				case "oldest":
					f.Newest = false
				default:
					bad = append(bad, "order must be newest or oldest")
				}
			case "cursor":
				f.Cursor = val
			case "limit":
				n, err := strconv.Atoi(val)
				if err != nil || n < 1 || n > audit.MaxLimit || len(val) > 3 {
					bad = append(bad, fmt.Sprintf("limit must be an integer from 1 to %d", audit.MaxLimit))
				}
				f.Limit = n
			default:
				bad = append(bad, "unknown query parameter "+securityQuote(key))
			}
		})
		if len(bad) > 0 {
			return &BadRequestError{Detail: strings.Join(bad, "; ")}
		}
		page, err := trail.List(c.UserContext(), f)
		if errors.Is(err, audit.ErrBadFilter) {
			return &BadRequestError{Detail: strings.TrimPrefix(err.Error(), audit.ErrBadFilter.Error()+": "), Err: err}
		}
		if err != nil {
			return err
		}
		return c.JSON(page)
	}
}

func securityQuote(k string) string {
	if len(k) > 40 {
		k = k[:40] + "…"
	}
	return strconv.Quote(k)
}
