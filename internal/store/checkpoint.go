package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"
)

// SQLite checkpoints, off the commit path.
//
// In WAL mode a commit appends pages to the WAL; a checkpoint later copies
// them into the database file and fsyncs it. SQLite by default runs that
// checkpoint inside the commit that takes the WAL past 1,000 pages, so one
// batch in a few pays for copying and syncing everybody's pages while all
// its waiters wait. The writer connection therefore has
// wal_autocheckpoint(0), and a checkpointer goroutine on its own connection
// runs PASSIVE checkpoints, which neither wait for nor block the writer,
// after commits, at most every ckptInterval.
//
// A PASSIVE checkpoint that runs while the writer commits never catches up
// with it, and SQLite only rewinds the WAL to its start when a write
// transaction begins with every frame already copied. So once the WAL holds
// more than walLimitFrames, the checkpointer asks the writer to run one
// PASSIVE checkpoint itself between two batches. Most frames are copied by
// then, so it is short, and the next transaction rewinds the WAL. That
// bounds the WAL file to about walLimitFrames pages plus what is written
// while the request is pending; journal_size_limit truncates it back after a
// burst. Close stops the checkpointer, then truncates the WAL.

const (
	ckptInterval   = 100 * time.Millisecond
	walLimitFrames = 8192 // 32 MiB of 4 KiB pages
	// journalSizeLimit is what SQLite truncates the WAL file to when it
	// rewinds it.
	journalSizeLimit = walLimitFrames * 4096
)

type checkpointer struct {
	db   *sql.DB
	log  *slog.Logger
	kick chan struct{} // capacity 1: "something was committed"
	stop chan struct{}
	done chan struct{}
	// rewind asks the writer for a checkpoint between two batches: the
	// WAL is past walLimitFrames.
	rewind atomic.Bool
}

func newCheckpointer(db *sql.DB, log *slog.Logger) *checkpointer {
	c := &checkpointer{
		db:   db,
		log:  log,
		kick: make(chan struct{}, 1),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	go c.run()
	return c
}

// committed tells the checkpointer that the WAL grew. It never blocks.
func (c *checkpointer) committed() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *checkpointer) run() {
	defer close(c.done)
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-c.kick:
		}
		_, log, _, err := checkpoint(context.Background(), c.db, "PASSIVE")
		if err != nil {
			c.log.Warn("store: background checkpoint failed", "err", err)
		} else if log >= walLimitFrames {
			c.rewind.Store(true)
		}
		t.Reset(ckptInterval)
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
	}
}

// close stops the checkpointer and waits for a checkpoint in progress.
func (c *checkpointer) close() error {
	close(c.stop)
	<-c.done
	return c.db.Close()
}

// checkpoint runs PRAGMA wal_checkpoint(mode) on db and returns whether
// it could not finish (another checkpoint ran, or a reader or the writer was
// in the way), the frames in the WAL and how many of them are in the
// database file.
func checkpoint(ctx context.Context, db interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, mode string) (busy bool, log, done int64, err error) {
	if err := db.QueryRowContext(ctx, "PRAGMA wal_checkpoint("+mode+")").Scan(&busy, &log, &done); err != nil {
		return false, 0, 0, fmt.Errorf("checkpoint: %w", err)
	}
	return busy, log, done, nil
}

// rewindWAL runs in the writer goroutine between batches when the
// checkpointer asked for it (see above).
func (db *DB) rewindWAL() {
	if db.ckpt == nil || !db.ckpt.rewind.Load() {
		return
	}
	busy, log, done, err := checkpoint(context.Background(), db.write, "PASSIVE")
	if err != nil {
		db.log.Warn("store: checkpoint failed", "err", err)
		return
	}
	if !busy && log == done {
		// Everything is copied: the next transaction rewinds the WAL.
		db.ckpt.rewind.Store(false)
	}
}
