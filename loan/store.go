package loan

import (
	"context"
	"sync"
	"time"
)

// Store persists applications with optimistic versioning, together with the events that
// produced each version. Implementations must be safe for concurrent use; the server's SQL
// store implements it over one database shared by several processes.
type Store interface {
	// Get returns the application with id, or ErrNotFound.
	Get(ctx context.Context, id string) (Application, error)
	// Create stores a new application and the event that created it, or returns ErrExists.
	Create(ctx context.Context, app Application, ev Event) error
	// Update replaces the application if the stored version is still expected, and appends
	// ev; otherwise it returns a *VersionError (ErrStale) and stores nothing. ErrNotFound
	// when there is no such application.
	Update(ctx context.Context, app Application, expected int64, ev Event) error
	// Events returns the application's events, oldest first, or ErrNotFound.
	Events(ctx context.Context, id string) ([]Event, error)
}

// MemStore is an in-memory Store, safe for concurrent use. Applications and events are
// copied in and out with [Application.Clone], so callers never share its slices; attached
// credit reports are shared read-only. The zero value is not usable; call
// NewMemStore.
type MemStore struct {
	mu   sync.RWMutex
	apps map[string]*memRecord
}

type memRecord struct {
	app    Application
	events []Event
}

var _ Store = (*MemStore)(nil)

// NewMemStore returns an empty in-memory store.
func NewMemStore() *MemStore { return &MemStore{apps: map[string]*memRecord{}} }

// Get returns a copy of the application with id, ErrNotFound, or ctx's error.
func (s *MemStore) Get(ctx context.Context, id string) (Application, error) {
	if err := ctx.Err(); err != nil {
		return Application{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	rec, ok := s.apps[id]
	if !ok {
		return Application{}, ErrNotFound
	}
	return rec.app.Clone(), nil
}

// Create stores a copy of app and ev; ErrExists when the ID is taken; a *ValidationError
// when app has no ID or is not at version 1.
func (s *MemStore) Create(ctx context.Context, app Application, ev Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if app.ID == "" || app.Version != 1 {
		return invalid("application", "new", "a new application needs an ID and version 1")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.apps[app.ID]; ok {
		return ErrExists
	}
	s.apps[app.ID] = &memRecord{app: app.Clone(), events: []Event{cloneEvent(ev)}}
	return nil
}

// Update stores a copy of app and appends ev if the stored version equals expected and app
// is exactly one version ahead; otherwise *VersionError, ErrNotFound or *ValidationError.
func (s *MemStore) Update(ctx context.Context, app Application, expected int64, ev Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if app.Version != expected+1 {
		return invalid("application.version", "next", "the new version must be one above the expected one")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.apps[app.ID]
	if !ok {
		return ErrNotFound
	}
	if rec.app.Version != expected {
		return &VersionError{ID: app.ID, Expected: expected, Actual: rec.app.Version}
	}
	rec.app = app.Clone()
	rec.events = append(rec.events, cloneEvent(ev))
	return nil
}

// Events returns copies of the application's events, oldest first.
func (s *MemStore) Events(ctx context.Context, id string) ([]Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	rec, ok := s.apps[id]
	if !ok {
		return nil, ErrNotFound
	}
	out := make([]Event, len(rec.events))
	for i, e := range rec.events {
		out[i] = cloneEvent(e)
	}
	return out, nil
}

func cloneEvent(e Event) Event {
	if e.Details != nil {
		d := make(map[string]string, len(e.Details))
		for k, v := range e.Details {
			d[k] = v
		}
		e.Details = d
	}
	return e
}

// Open creates app in s through the workflow: it runs Create and stores the result.
func (w *Workflow) Open(ctx context.Context, s Store, actor Actor, at time.Time, d Draft) (Application, Event, error) {
	app, ev, err := w.Create(actor, at, d)
	if err != nil {
		return Application{}, Event{}, err
	}
	if err := s.Create(ctx, app, ev); err != nil {
		return Application{}, Event{}, err
	}
	return app, ev, nil
}

// Execute loads application id from s, checks it is still at version (the one the actor
// saw), applies cmd and stores the result with that expected version. Whoever loses a race
// gets a *VersionError (ErrStale); every error of Apply passes through unchanged.
func (w *Workflow) Execute(ctx context.Context, s Store, id string, version int64, actor Actor, at time.Time, cmd Command) (Application, Event, error) {
	app, err := s.Get(ctx, id)
	if err != nil {
		return Application{}, Event{}, err
	}
	if app.Version != version {
		return Application{}, Event{}, &VersionError{ID: id, Expected: version, Actual: app.Version}
	}
	next, ev, err := w.Apply(ctx, app, actor, at, cmd)
	if err != nil {
		return Application{}, Event{}, err
	}
	if err := s.Update(ctx, next, version, ev); err != nil {
		return Application{}, Event{}, err
	}
	return next, ev, nil
}
