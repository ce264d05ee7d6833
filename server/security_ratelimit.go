package server

import (
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/creditkit/creditkit/server/perm"
)

// RateLimitConfig configures NewRateLimiter.
type RateLimitConfig struct {
	// Rate is the sustained requests per second each caller may make; required.
	Rate float64
	// Burst is how many requests a caller may make at once after being idle; 0 means
	// max(1, Rate).
	Burst int
	// Key names the caller a request counts against; nil means the authenticated actor's
	// ID (so every API key or token subject has its own budget), or "ip:" and the client
	// address for a request without an actor.
	Key func(c *fiber.Ctx) string
	// MaxKeys bounds the callers tracked; 0 means 100 000. When full, callers whose bucket
	// has refilled are forgotten first (forgetting them changes nothing).
	MaxKeys int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// RateLimiter is a token bucket per caller: each caller holds up to Burst tokens, gains
// Rate tokens per second and spends one per request; a request without a token is
// answered 429 with Retry-After (seconds until a token is due) and is not run. The
// buckets live in this process: N servers behind a load balancer allow up to N times the
// rate. It is safe for concurrent use.
type RateLimiter struct {
	rate    float64
	burst   float64
	key     func(c *fiber.Ctx) string
	maxKeys int
	now     func() time.Time

	mu      sync.Mutex
	buckets map[string]*securityBucket
}

type securityBucket struct {
	tokens float64
	at     time.Time
}

// NewRateLimiter returns a limiter; it fails with ErrConfig for a rate that is not
// positive and finite or a negative burst or size.
func NewRateLimiter(cfg RateLimitConfig) (*RateLimiter, error) {
	switch {
	case !(cfg.Rate > 0) || math.IsInf(cfg.Rate, 0):
		return nil, fmt.Errorf("%w: rate limit must be a positive number of requests per second", ErrConfig)
	case cfg.Burst < 0 || cfg.MaxKeys < 0:
		return nil, fmt.Errorf("%w: burst and size must not be negative", ErrConfig)
	}
	l := &RateLimiter{rate: cfg.Rate, burst: float64(cfg.Burst), key: cfg.Key, maxKeys: cfg.MaxKeys, now: cfg.Now,
		buckets: map[string]*securityBucket{}}
	if l.burst == 0 {
		l.burst = math.Max(1, math.Floor(cfg.Rate))
	}
	if l.key == nil {
		l.key = securityActorKey
	}
	if l.maxKeys == 0 {
		l.maxKeys = 100_000
	}
	if l.now == nil {
		l.now = time.Now
	}
	return l, nil
}

func securityActorKey(c *fiber.Ctx) string {
	if a, ok := perm.FromContext(c.UserContext()); ok && a.ID != "" {
		return "actor:" + a.ID
	}
	return "ip:" + c.IP()
}

// Allow spends a token of key's bucket. When there is none it returns false and how long
// until one is due.
func (l *RateLimiter) Allow(key string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.maxKeys {
			l.evict(now)
		}
		b = &securityBucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	if elapsed := now.Sub(b.at); elapsed > 0 {
		b.tokens = math.Min(l.burst, b.tokens+elapsed.Seconds()*l.rate)
		b.at = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	return false, wait
}

// evict forgets the buckets that have refilled, or, if none has, about a tenth of them.
func (l *RateLimiter) evict(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
	n := max(1, len(l.buckets)/10)
	for k := range l.buckets {
		if len(l.buckets) < l.maxKeys || n <= 0 {
			break
		}
		delete(l.buckets, k)
		n--
	}
}

// check answers 429 for a caller out of tokens.
func (l *RateLimiter) check(c *fiber.Ctx) error {
	ok, wait := l.Allow(l.key(c))
	if ok {
		return nil
	}
	secs := int64(math.Ceil(wait.Seconds()))
	c.Set(fiber.HeaderRetryAfter, strconv.FormatInt(max(1, secs), 10))
	return fiber.NewError(fiber.StatusTooManyRequests, "rate limit exceeded")
}

// Wrap returns h behind the limit, for a route handler that runs after authentication
// (in Server.handle: h = limiter.Wrap(h)), so the budget is the actor's.
func (l *RateLimiter) Wrap(h fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := l.check(c); err != nil {
			return err
		}
		return h(c)
	}
}

// Handler returns the limit as a middleware (app.Use), for use before authentication
// with a Key such as the client address, to slow down guessing of credentials.
func (l *RateLimiter) Handler() fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := l.check(c); err != nil {
			return err
		}
		return c.Next()
	}
}
