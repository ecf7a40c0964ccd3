package store

import (
	"context"
	"database/sql"
)

// RawSQL returns a handle that can write anything, for tests that tamper
// with the tables behind the store's back.
func (db *DB) RawSQL() *sql.DB { return db.write }

// ReadSQL returns the handle reads use.
func (db *DB) ReadSQL() *sql.DB { return db.read }

// SetMaxRows sets the largest multi-row INSERT; 1 means one prepared
// single-row statement per row. Call it before the first write.
func (db *DB) SetMaxRows(n int) { db.maxRows = n }

// HoldWriter blocks the writer until release is called, so that a test can
// queue writes that will then form one batch.
func (db *DB) HoldWriter() (release func()) {
	rel := make(chan struct{})
	o := &op{kind: opBarrier, held: make(chan struct{}), release: rel, done: make(chan struct{})}
	db.mu.Lock()
	db.queue = append(db.queue, o)
	db.mu.Unlock()
	db.signal()
	<-o.held
	return func() { close(rel); <-o.done }
}

// Queued returns the number of writes waiting for the writer.
func (db *DB) Queued() int {
	db.mu.Lock()
	defer db.mu.Unlock()
	return len(db.queue)
}

// Closing reports whether Close has been called.
func (db *DB) Closing() bool {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.closed
}

// MigrateTo applies the migrations up to and including version, leaving
// the database as a release that shipped only those would have.
func (db *DB) MigrateTo(ctx context.Context, version string) ([]string, error) {
	return db.migrate(ctx, version)
}

// The queries of the restriction reads, for the tests of their plans.
const (
	SubjectRestrictedSQL   = subjectRestrictedSQL
	SubjectRestrictionsSQL = subjectRestrictionsSQL
)
