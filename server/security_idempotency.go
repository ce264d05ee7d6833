package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/store"
)

// HeaderIdempotencyKey is the request header that makes a POST idempotent.
const HeaderIdempotencyKey = "Idempotency-Key"

// HeaderIdempotentReplayed marks a response replayed from an earlier request with the
// same Idempotency-Key.
const HeaderIdempotentReplayed = "Idempotent-Replayed"

// IdempotencyConfig configures NewIdempotency. The zero value is the documented default.
type IdempotencyConfig struct {
	// TTL is how long a key and its response are kept; 0 means 24 hours. After it the key
	// may be used again as a new request.
	TTL time.Duration
	// Lock is how long a request in progress holds its key: a retry with the same key
	// meanwhile gets 409, and after it (the first request's process died) a retry runs
	// again. 0 means 1 minute; keep it above the server's WriteTimeout.
	Lock time.Duration
	// MaxBody is the largest response body stored for replay; a larger 2xx response is
	// not stored (a retry runs again). 0 means 1 MiB.
	MaxBody int
	// Logger receives failures to store a response (the response itself still goes out);
	// nil means they are not logged.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Idempotency makes POST requests that carry an Idempotency-Key header safe to retry,
// per caller (actor ID): the first request runs and its 2xx response is stored; a retry
// with the same key and the same method, URL and body gets the stored response again
// (header Idempotent-Replayed: true) without running; the same key with a different
// request is 422; a retry while the first still runs is 409 with Retry-After. A request
// that fails (an error, or a status outside 2xx) releases its key: failed writes change
// nothing, so running them again is safe. Records live in the database
// (idempotency_keys), so every server process sees them. It is safe for concurrent use.
//
// One gap remains without help from the write path: if the process dies after the write
// commits and before the response is stored, a retry after Lock runs the write again. A
// write path closes it by calling IdempotencyCommitted inside its transaction; a retry
// then gets 409 saying the request was processed and its response lost.
type Idempotency struct {
	st      *store.Store
	ttl     time.Duration
	lock    time.Duration
	maxBody int
	log     *slog.Logger
	now     func() time.Time
}

// NewIdempotency returns the middleware over st; it fails with ErrConfig for negative
// durations or sizes.
func NewIdempotency(st *store.Store, cfg IdempotencyConfig) (*Idempotency, error) {
	if st == nil || cfg.TTL < 0 || cfg.Lock < 0 || cfg.MaxBody < 0 {
		return nil, fmt.Errorf("%w: idempotency needs a store and non-negative limits", ErrConfig)
	}
	m := &Idempotency{st: st, ttl: cfg.TTL, lock: cfg.Lock, maxBody: cfg.MaxBody, log: cfg.Logger, now: cfg.Now}
	if m.ttl == 0 {
		m.ttl = 24 * time.Hour
	}
	if m.lock == 0 {
		m.lock = time.Minute
	}
	if m.maxBody == 0 {
		m.maxBody = 1 << 20
	}
	if m.now == nil {
		m.now = time.Now
	}
	return m, nil
}

// securityIdemKey is the reservation of the running request, kept in its context.
type securityIdemKey struct {
	scope, key, fingerprint string
}

type securityIdemLocal struct{}

// validIdempotencyKey accepts 1 to 255 visible ASCII characters.
func validIdempotencyKey(k string) bool {
	if k == "" || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// Wrap returns h made idempotent for POST requests with an Idempotency-Key; other
// requests go straight to h. Use it on route handlers after authentication (in
// Server.handle: h = idempotency.Wrap(h)), so keys are per actor.
func (m *Idempotency) Wrap(h fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if c.Method() != fiber.MethodPost {
			return h(c)
		}
		key := c.Get(HeaderIdempotencyKey)
		if key == "" {
			return h(c)
		}
		if !validIdempotencyKey(key) {
			return &BadRequestError{Detail: "Idempotency-Key must be 1 to 255 visible ASCII characters"}
		}
		// c.Get's string is only valid during the request; the record outlives it.
		r := securityIdemKey{scope: "anonymous", key: strings.Clone(key), fingerprint: requestFingerprint(c)}
		if a, ok := perm.FromContext(c.UserContext()); ok && a.ID != "" {
			r.scope = "actor:" + a.ID
		}
		ctx := c.UserContext()
		reserved, err := m.reserve(ctx, r)
		if err != nil || !reserved {
			if err == nil {
				err = m.answerExisting(c, r)
			}
			return err
		}
		c.SetUserContext(context.WithValue(ctx, securityIdemLocal{}, r))
		herr := h(c)
		status := c.Response().StatusCode()
		if herr != nil || status < 200 || status > 299 || len(c.Response().Body()) > m.maxBody {
			m.finish(ctx, r, `DELETE FROM idempotency_keys WHERE scope = ? AND idem_key = ? AND fingerprint = ? AND state = 'pending'`,
				r.scope, r.key, r.fingerprint)
			return herr
		}
		headers := map[string]string{}
		for _, name := range []string{fiber.HeaderContentType, fiber.HeaderLocation, fiber.HeaderETag} {
			if v := c.GetRespHeader(name); v != "" {
				headers[name] = v
			}
		}
		hj, _ := json.Marshal(headers) // a map of strings always encodes
		body := bytes.Clone(c.Response().Body())
		if body == nil {
			body = []byte{}
		}
		m.finish(ctx, r, `UPDATE idempotency_keys SET state = 'done', status = ?, headers = ?, body = ?
			WHERE scope = ? AND idem_key = ? AND fingerprint = ?`, status, string(hj), body, r.scope, r.key, r.fingerprint)
		return nil
	}
}

// requestFingerprint is the SHA-256 of the method, the URL with its query and the body.
func requestFingerprint(c *fiber.Ctx) string {
	h := sha256.New()
	h.Write([]byte(c.Method()))
	h.Write([]byte{0})
	h.Write([]byte(c.OriginalURL()))
	h.Write([]byte{0})
	h.Write(c.Body())
	return hex.EncodeToString(h.Sum(nil))
}

// reserve claims the key for this request: a new key, an expired record, or a pending
// record whose holder's lock has run out (its process died) with the same request. It
// reports false when another record holds the key.
func (m *Idempotency) reserve(ctx context.Context, r securityIdemKey) (bool, error) {
	now := m.now()
	locked := now.Add(m.lock).UnixNano()
	reserved := false
	err := m.st.Tx(ctx, func(tx *sql.Tx) error {
		steps := []struct {
			q    string
			args []any
		}{
			{`INSERT INTO idempotency_keys (scope, idem_key, fingerprint, state, locked_until, status, headers, body, created_at)
				VALUES (?, ?, ?, 'pending', ?, 0, '{}', ?, ?) ON CONFLICT (scope, idem_key) DO NOTHING`,
				[]any{r.scope, r.key, r.fingerprint, locked, []byte{}, now.UnixNano()}},
			{`UPDATE idempotency_keys SET fingerprint = ?, state = 'pending', locked_until = ?, status = 0, headers = '{}',
				body = ?, created_at = ? WHERE scope = ? AND idem_key = ? AND created_at < ?`,
				[]any{r.fingerprint, locked, []byte{}, now.UnixNano(), r.scope, r.key, now.Add(-m.ttl).UnixNano()}},
			{`UPDATE idempotency_keys SET locked_until = ?
				WHERE scope = ? AND idem_key = ? AND fingerprint = ? AND state = 'pending' AND locked_until <= ?`,
				[]any{locked, r.scope, r.key, r.fingerprint, now.UnixNano()}},
		}
		for _, s := range steps {
			res, err := m.st.TxExec(ctx, tx, s.q, s.args...)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 1 {
				reserved = true
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("server: idempotency: reserve: %w", err)
	}
	return reserved, nil
}

// answerExisting answers a request whose key another record holds.
func (m *Idempotency) answerExisting(c *fiber.Ctx, r securityIdemKey) error {
	var (
		fingerprint, state, headers string
		locked                      int64
		status                      int
		body                        []byte
	)
	err := m.st.QueryRow(c.UserContext(), `SELECT fingerprint, state, locked_until, status, headers, body
		FROM idempotency_keys WHERE scope = ? AND idem_key = ?`, r.scope, r.key).
		Scan(&fingerprint, &state, &locked, &status, &headers, &body)
	switch {
	case errors.Is(err, sql.ErrNoRows): // released between reserve and now: ask for a retry
		c.Set(fiber.HeaderRetryAfter, "1")
		return fmt.Errorf("%w: a request with this Idempotency-Key has just finished; retry", ErrConflict)
	case err != nil:
		return fmt.Errorf("server: idempotency: read: %w", err)
	case fingerprint != r.fingerprint:
		return &ValidationError{Fields: []FieldError{{Path: HeaderIdempotencyKey, Rule: "idempotency",
			Message:   "this Idempotency-Key was used for a different request (method, URL or body); use a new key",
			MessageZH: "此幂等键已用于另一个请求（方法、地址或请求体不同），请使用新的键"}}}
	case state == "committed":
		return fmt.Errorf("%w: the request with this Idempotency-Key was processed but its response was lost; read the resource instead of retrying", ErrConflict)
	case state == "pending":
		wait := time.Duration(locked - m.now().UnixNano())
		c.Set(fiber.HeaderRetryAfter, strconv.FormatInt(max(1, int64(wait/time.Second)+1), 10))
		return fmt.Errorf("%w: a request with this Idempotency-Key is in progress", ErrConflict)
	}
	var hs map[string]string
	if err := json.Unmarshal([]byte(headers), &hs); err != nil {
		return fmt.Errorf("server: idempotency: stored headers: %w", err)
	}
	for k, v := range hs {
		c.Set(k, v)
	}
	c.Set(HeaderIdempotentReplayed, "true")
	return c.Status(status).Send(body)
}

// finish records the outcome; a failure is logged, not returned: the response is ready.
func (m *Idempotency) finish(ctx context.Context, r securityIdemKey, q string, args ...any) {
	ctx = context.WithoutCancel(ctx) // the handler's deadline may have passed; record anyway
	err := m.st.Tx(ctx, func(tx *sql.Tx) error {
		_, err := m.st.TxExec(ctx, tx, q, args...)
		return err
	})
	if err != nil && m.log != nil {
		m.log.Error("idempotency: recording the outcome failed; a retry may run the request again",
			"scope", r.scope, "error", err.Error())
	}
}

// IdempotencyCommitted marks the request's Idempotency-Key as committed inside the
// write's transaction tx, so that if the process dies before the response is stored, a
// retry is told the request was processed instead of running it again. ctx is the
// request's context (c.UserContext(), as write paths receive it); a request without a key
// (or not behind Idempotency.Wrap) is left alone. Call it in the write path, in tx.
func IdempotencyCommitted(ctx context.Context, st *store.Store, tx *sql.Tx) error {
	r, ok := ctx.Value(securityIdemLocal{}).(securityIdemKey)
	if !ok {
		return nil
	}
	_, err := st.TxExec(ctx, tx, `UPDATE idempotency_keys SET state = 'committed'
		WHERE scope = ? AND idem_key = ? AND fingerprint = ? AND state = 'pending'`, r.scope, r.key, r.fingerprint)
	if err != nil {
		return fmt.Errorf("server: idempotency: mark committed: %w", err)
	}
	return nil
}

// Purge deletes the records older than the TTL; run it now and then (deleting is not
// needed for correctness: expired records are replaced when their key comes again).
func (m *Idempotency) Purge(ctx context.Context) (int64, error) {
	var n int64
	err := m.st.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, m.st.Rebind(`DELETE FROM idempotency_keys WHERE created_at < ? AND state <> 'pending'`),
			m.now().Add(-m.ttl).UnixNano())
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("server: idempotency: purge: %w", err)
	}
	return n, nil
}
