package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"
)

// checkpointInterval is how often the checkpointer copies the SQLite log into the
// database.
const checkpointInterval = 20 * time.Millisecond

// checkpointer copies committed pages from SQLite's write-ahead log into the database file
// on a connection of its own, so that the writer's commits rarely do it. SQLite checkpoints
// in the commit that takes the log past 1,000 pages: under a steady stream of
// registrations that was one commit in five copying and syncing ~4 MB while every request
// of the next batch waited, the tail of POST latency. The checkpointer copies the log
// every 20 ms (PASSIVE: it never waits for or blocks the writer or readers); the writer's
// own checkpoint, which SQLite still runs past 1,000 pages, then finds most pages copied
// and finishes quickly, after which the next write transaction starts the log from the
// beginning. (The checkpointer alone could not do that: under continuous writes the log
// is never wholly copied when a write transaction begins, so SQLite would never restart
// it.)
type checkpointer struct {
	db     *sql.DB
	log    *slog.Logger
	cancel context.CancelFunc
	done   chan struct{}
}

// startCheckpointer opens a connection to the SQLite database at the DSN base and starts
// checkpointing it, logging failures to log.
func startCheckpointer(base string, log *slog.Logger) (*checkpointer, error) {
	db, err := sql.Open("sqlite", base)
	if err != nil {
		return nil, fmt.Errorf("store: open SQLite: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxIdleTime(0)
	ctx, cancel := context.WithCancel(context.Background())
	c := &checkpointer{db: db, log: log, cancel: cancel, done: make(chan struct{})}
	go c.run(ctx)
	return c, nil
}

func (c *checkpointer) run(ctx context.Context) {
	defer close(c.done)
	t := time.NewTicker(checkpointInterval)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// A failure is retried at the next tick, and the writer's own checkpoint keeps the
		// log bounded meanwhile: it is logged when it starts and when it ends.
		_, err := c.db.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
		switch {
		case err != nil && ctx.Err() == nil && !failing:
			c.log.Warn("store: the background checkpoint of the SQLite log fails; the writer checkpoints instead",
				"error", err.Error())
			failing = true
		case err == nil && failing:
			c.log.Info("store: the background checkpoint of the SQLite log works again")
			failing = false
		}
	}
}

// stop ends the checkpointing and closes its connection.
func (c *checkpointer) stop() error {
	c.cancel()
	<-c.done
	return c.db.Close()
}
