// Package store keeps Custos's data in SQLite (embedded, the default) or
// PostgreSQL (to run several nodes), through database/sql with SQL written
// once for both engines.
//
// Every write that extends the audit chain goes through one writer goroutine
// per process. It groups whatever is queued into one transaction and one
// durable commit (group commit), so that thousands of consents a second cost
// a handful of fsyncs, and it is the only place that appends to the chain, so
// entries are sealed one after the other without contention. On PostgreSQL
// the writer also locks the chain head row, which keeps the chain linear when
// several nodes write to one database.
//
// Durability: a write method returns nil only after the transaction that
// holds it has committed, and on SQLite every commit is fsynced
// (synchronous=FULL), so a 2xx built on it never reports data a crash can
// take back. A caller whose context ends while it waits gets ctx.Err(); its
// write may or may not have been committed, as with any request whose
// client hung up.
//
// Performance: the writer's cost per consent is dominated by SQLite itself
// (four rows into six B-trees, and the WAL frames they dirty), so the
// writer spends no time on anything a caller can do first: choices are
// encoded, receipts hashed and inputs validated in the caller's goroutine.
// See BenchmarkRecordConsent.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"github.com/custos-privacy/custos/internal/custos"
)

// The store implements every store interface of the domain.
var (
	_ custos.ConsentStore   = (*DB)(nil)
	_ custos.AuditStore     = (*DB)(nil)
	_ custos.ManifestStore  = (*DB)(nil)
	_ custos.StaffStore     = (*DB)(nil)
	_ custos.ConsentReports = (*DB)(nil)
)

// Engine names, as returned by DB.Engine.
const (
	EngineSQLite   = "sqlite"
	EnginePostgres = "postgres"
)

// Config says which database to open and how the writer batches.
type Config struct {
	// DSN selects the engine: "" opens SQLite at DataDir/custos.db;
	// "postgres://…" or "postgresql://…" opens PostgreSQL through pgx.
	DSN string
	// DataDir holds the SQLite database; it is created with mode 0700
	// because the database holds personal data.
	DataDir string
	Logger  *slog.Logger

	// MaxBatch caps how many writes share one transaction (default 512). A
	// bigger batch amortises the commit better but makes every waiter in it
	// wait for the whole batch.
	MaxBatch int
	// MaxWait is how long the writer may wait for a batch to fill before it
	// commits. The default, 0, commits as soon as the previous commit is
	// done: writes that arrive during a commit form the next batch, which
	// batches well under load and adds no latency when idle.
	MaxWait time.Duration
}

// DefaultMaxBatch is the MaxBatch used when Config.MaxBatch is zero.
const DefaultMaxBatch = 512

// DB is a Custos database. It is safe for concurrent use.
type DB struct {
	engine  string
	dialect dialect
	log     *slog.Logger

	// write is the handle the writer goroutine and Migrate use. On SQLite it
	// has exactly one connection, because SQLite has one writer at a time
	// anyway and a second connection would only wait on the file lock.
	write *sql.DB
	// read serves queries. On SQLite it is a separate pool opened
	// query_only, so that reads never queue behind the writer; on
	// PostgreSQL it is the same pool as write.
	read *sql.DB

	maxBatch int
	maxWait  time.Duration
	// maxRows caps the rows of one multi-row INSERT (a power of two). It is
	// a field rather than a constant so the benchmark can compare it with
	// one prepared single-row statement per row.
	maxRows int

	// ckpt runs SQLite's checkpoints beside the writer (nil on
	// PostgreSQL); see checkpoint.go.
	ckpt *checkpointer

	closeOnce sync.Once
	closeErr  error

	mu     sync.Mutex
	queue  []*op
	closed bool
	wake   chan struct{} // capacity 1: "the queue may have grown"
	done   chan struct{} // closed when the writer has drained and stopped
	w      writer        // owned by the writer goroutine
}

// Open opens the database cfg names and starts the writer. It does not
// migrate: the caller decides when the schema may change (Migrate).
func Open(ctx context.Context, cfg Config) (*DB, error) {
	db := &DB{
		log:      cfg.Logger,
		maxBatch: cfg.MaxBatch,
		maxWait:  cfg.MaxWait,
		maxRows:  defaultMaxRows,
		wake:     make(chan struct{}, 1),
		done:     make(chan struct{}),
	}
	if db.log == nil {
		db.log = slog.New(slog.DiscardHandler)
	}
	if db.maxBatch <= 0 {
		db.maxBatch = DefaultMaxBatch
	}
	var err error
	switch {
	case cfg.DSN == "":
		err = db.openSQLite(ctx, cfg.DataDir)
	case strings.HasPrefix(cfg.DSN, "postgres://"), strings.HasPrefix(cfg.DSN, "postgresql://"):
		err = db.openPostgres(ctx, cfg.DSN)
	default:
		// The DSN is not repeated: it may hold a password.
		return nil, custos.Errorf(custos.EINVALID, "store: unsupported database DSN: want empty (SQLite) or postgres://")
	}
	if err != nil {
		return nil, err
	}
	db.w.init(db)
	go db.run()
	return db, nil
}

// sqlitePragmas are set on every SQLite connection through the DSN, so that
// a connection the pool opens later is configured like the first.
//
// WAL lets readers run during a write. synchronous=FULL makes every commit
// fsync the WAL, so a commit that returned is on disk: the API's 2xx
// promises exactly that (NORMAL could lose the last commits on power loss).
// busy_timeout makes a connection wait for a lock instead of failing, which
// matters when another process (a backup, the CLI) holds it briefly.
var sqlitePragmas = []string{
	"busy_timeout(10000)",
	"foreign_keys(1)",
	"journal_mode(WAL)",
	"synchronous(FULL)",
}

func (db *DB) openSQLite(ctx context.Context, dir string) error {
	if dir == "" {
		return custos.Errorf(custos.EINVALID, "store: a data directory is required for SQLite")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("store: create data directory: %w", err)
	}
	path, err := filepath.Abs(filepath.Join(dir, "custos.db"))
	if err != nil {
		return fmt.Errorf("store: data directory: %w", err)
	}
	dsn := func(extra ...string) string {
		q := url.Values{}
		for _, p := range append(sqlitePragmas, extra...) {
			q.Add("_pragma", p)
		}
		// Times are bound as integer unix microseconds: exact, compact and
		// ordered, and the same time.Time arguments work on PostgreSQL.
		q.Set("_time_integer_format", "unix_micro")
		return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
	}

	// BEGIN IMMEDIATE takes the write lock when the transaction starts, so
	// a writer never fails half-way on a lock another process took first.
	// The writer never checkpoints in a commit: the checkpointer does (see
	// checkpoint.go).
	write, err := sql.Open("sqlite", dsn("cache_size(-32768)", "wal_autocheckpoint(0)",
		"journal_size_limit("+strconv.Itoa(journalSizeLimit)+")")+"&_txlock=immediate")
	if err != nil {
		return fmt.Errorf("store: open sqlite: %w", err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	// The first connection switches the file to WAL; open it before any
	// reader so that no reader ever sees the file in rollback mode.
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return fmt.Errorf("store: open sqlite: %w", err)
	}
	read, err := sql.Open("sqlite", dsn("query_only(1)"))
	if err != nil {
		write.Close()
		return fmt.Errorf("store: open sqlite: %w", err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	if err := read.PingContext(ctx); err != nil {
		write.Close()
		read.Close()
		return fmt.Errorf("store: open sqlite: %w", err)
	}
	ckpt, err := sql.Open("sqlite", dsn("wal_autocheckpoint(0)"))
	if err != nil {
		write.Close()
		read.Close()
		return fmt.Errorf("store: open sqlite: %w", err)
	}
	ckpt.SetMaxOpenConns(1)
	ckpt.SetMaxIdleConns(1)
	ckpt.SetConnMaxLifetime(0)
	ckpt.SetConnMaxIdleTime(0)
	db.engine, db.dialect, db.write, db.read = EngineSQLite, sqliteDialect, write, read
	db.ckpt = newCheckpointer(ckpt, db.log)
	return nil
}

func (db *DB) openPostgres(ctx context.Context, dsn string) error {
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		return fmt.Errorf("store: open postgres: %w", err)
	}
	n := max(8, 4*runtime.GOMAXPROCS(0))
	pool.SetMaxOpenConns(n)
	pool.SetMaxIdleConns(n)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return fmt.Errorf("store: open postgres: %w", err)
	}
	db.engine, db.dialect, db.write, db.read = EnginePostgres, postgresDialect, pool, pool
	return nil
}

// Engine returns EngineSQLite or EnginePostgres.
func (db *DB) Engine() string { return db.engine }

// Ping checks that the database answers, for readiness probes.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.read.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	if db.write != db.read {
		if err := db.write.PingContext(ctx); err != nil {
			return fmt.Errorf("store: ping: %w", err)
		}
	}
	return nil
}

// Close stops accepting writes, waits until every write already queued is
// committed and answered, then closes the database. Writes queued before
// Close are not lost, which is what lets a graceful shutdown keep its 2xx
// promises.
//
// Every call waits for the first to finish and returns its result, so that
// no caller goes on (say, to remove the data directory) while the final
// checkpoint is still being written.
func (db *DB) Close() error {
	db.closeOnce.Do(func() { db.closeErr = db.close() })
	return db.closeErr
}

func (db *DB) close() error {
	db.mu.Lock()
	db.closed = true
	db.mu.Unlock()
	db.signal()
	<-db.done

	db.w.close()
	var err error
	if db.ckpt != nil {
		err = db.ckpt.close()
		// Leave the database file complete and the WAL empty.
		if _, _, _, cerr := checkpoint(context.Background(), db.write, "TRUNCATE"); cerr != nil {
			db.log.Warn("store: final checkpoint failed", "err", cerr)
		}
	}
	err = errors.Join(err, db.read.Close())
	if db.write != db.read {
		err = errors.Join(err, db.write.Close())
	}
	if err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// dialect holds the few statements that differ between the engines.
type dialect struct {
	// headForUpdate reads the chain head inside the writer's transaction.
	// PostgreSQL locks the row so that writers on other nodes wait their
	// turn; SQLite has no row locks and needs none, since BEGIN IMMEDIATE
	// already made this the only writer of the file.
	headForUpdate string
	// prepare says whether the writer should keep its own prepared
	// statements. SQLite parses every statement anew otherwise; pgx already
	// caches prepared statements per connection.
	prepare bool
	// maxParams is the bound-parameter limit of one statement.
	maxParams int
	// numbered says whether the writer's multi-row statements use $1, $2, …
	// or plain ?. SQLite understands both, but it binds $N by looking up each
	// name in a list, which makes binding a statement of thousands of
	// parameters quadratic; ? binds by position. Everywhere else the SQL uses
	// $N on both engines.
	numbered bool
	// unnest says whether multi-row inserts pass one array per column
	// (PostgreSQL) instead of a VALUES list.
	unnest bool
	// pipeline says whether the writer sends a batch as one pgx pipeline
	// (see pipeline.go).
	pipeline bool
	// siteInOrder is the condition on a site in the console's reports when
	// no subject is given (see reports.go). SQLite plans without
	// statistics: given c.site = ?, it reads all of the site's rows
	// through consents_site_subject_issued and sorts them, however many
	// there are. The unary + hides the column from that index, so it reads
	// consents_issued in order instead and stops at the limit. PostgreSQL
	// knows from its statistics how much of the ledger a site is, and
	// would misjudge the hidden form.
	siteInOrder string
}

var (
	sqliteDialect = dialect{
		headForUpdate: `SELECT seq, hash FROM audit_head WHERE id = 1`,
		prepare:       true,
		maxParams:     32766, // SQLITE_MAX_VARIABLE_NUMBER since 3.32
		siteInOrder:   `+c.site = ?`,
	}
	postgresDialect = dialect{
		headForUpdate: `SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE`,
		maxParams:     65535,
		numbered:      true,
		unnest:        true,
		pipeline:      true,
		siteInOrder:   `c.site = ?`,
	}
)
