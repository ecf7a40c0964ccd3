// Package sqlds fulfils data subject requests in a SQL database that a
// manifest dataset describes (issue 6): PostgreSQL, MySQL/MariaDB and
// SQLite.
//
// From the identities a request has (an e-mail address, a customer id, a
// consent id) the engine finds the rows of the identity tables, then walks
// the dataset's references to every row reachable from them. A reference
// goes by default from the referenced row to the referencing one (an
// order belongs to its customer); with owns, from the referencing row to
// the one it points at (a customer's address). The walk reads primary and
// reference keys only, by parameterised queries with IN lists in batches,
// so it uses the indexes on identity and reference columns and never reads
// a whole table; a visited set per table ends cycles.
//
// On the rows found, Access streams the primary key and the declared
// columns, Erase deletes or masks them in one transaction, children before
// parents, leaving data categories under a legal hold alone, Restrict sets
// the restriction column, and Rectify writes approved corrections to the
// columns that allow them. Preview counts what each would touch.
//
// Errors hold no personal data: no identity, no value of a row; a database
// error is reduced to its code (see dbError).
package sqlds

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"github.com/custos-privacy/custos/internal/manifest"
)

// batchSize is how many keys one IN list holds.
const batchSize = 500

// Open opens the database of a system of kind (manifest.SystemPostgres,
// SystemMySQL or SystemSQLite) at dsn and checks that it answers.
//
// PostgreSQL goes through pgx; MySQL and MariaDB through go-sql-driver with
// parseTime on, so dates come back as time.Time; SQLite through modernc,
// with foreign keys enforced, a busy timeout and transactions that take
// the write lock when they begin. The DSN is never part of an error.
func Open(ctx context.Context, kind, dsn string) (*sql.DB, error) {
	var db *sql.DB
	switch kind {
	case manifest.SystemPostgres:
		var err error
		db, err = sql.Open("pgx", dsn)
		if err != nil {
			return nil, errors.New("sqlds: open postgres: the DSN cannot be parsed")
		}
	case manifest.SystemMySQL:
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			return nil, errors.New("sqlds: open mysql: the DSN cannot be parsed")
		}
		cfg.ParseTime = true
		conn, err := mysql.NewConnector(cfg)
		if err != nil {
			return nil, errors.New("sqlds: open mysql: the DSN cannot be used")
		}
		db = sql.OpenDB(conn)
	case manifest.SystemSQLite:
		var err error
		db, err = sql.Open("sqlite", sqliteDSN(dsn))
		if err != nil {
			return nil, errors.New("sqlds: open sqlite: the DSN cannot be used")
		}
	default:
		return nil, fmt.Errorf("sqlds: open: %q is not a SQL system kind", kind)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, dbErr("open "+kind, "", err)
	}
	return db, nil
}

// sqliteDSN adds to a file name or file: URI the settings the engine needs,
// unless the DSN sets them itself.
func sqliteDSN(dsn string) string {
	base, rawQuery, _ := strings.Cut(dsn, "?")
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return dsn // the driver will say
	}
	has := func(pragma string) bool {
		for _, p := range q["_pragma"] {
			if strings.HasPrefix(strings.ToLower(strings.TrimSpace(p)), pragma) {
				return true
			}
		}
		return false
	}
	if !has("foreign_keys") {
		q.Add("_pragma", "foreign_keys(1)")
	}
	if !has("busy_timeout") {
		q.Add("_pragma", "busy_timeout(10000)")
	}
	if q.Get("_txlock") == "" {
		q.Set("_txlock", "immediate")
	}
	return base + "?" + q.Encode()
}

// HoldFunc says whether a data category is under a legal hold, and why.
type HoldFunc func(category string) (reason string, held bool)

// SiteHold is the HoldFunc of a site's manifest: a category is held when
// its DataCategory has a LegalHold.
func SiteHold(site *manifest.Site) HoldFunc {
	return func(category string) (string, bool) {
		if dc := site.DataCategory(category); dc != nil && dc.LegalHold != "" {
			return dc.LegalHold, true
		}
		return "", false
	}
}

// Engine fulfils requests in one database described by a dataset. It is
// safe for concurrent use.
type Engine struct {
	d      dialect
	db     *sql.DB
	hold   HoldFunc
	key    []byte
	tables []*table // in the dataset's order
	byName map[string]*table
	order  []*table // referencing tables before the tables they reference

	mu     sync.Mutex
	schema map[string]map[string]*colMeta // table → column → meta, once checked
}

// table is a dataset table with what the walk needs of it.
type table struct {
	m      *manifest.Table
	name   string
	pk     []string
	keys   []string       // read by the walk: the primary key, then reference columns
	keyIdx map[string]int // index in keys
	cols   []string       // read by Access: the primary key, then the declared columns
	listed map[string]*manifest.Column
	refs   []*ref   // references declared on the table
	edges  []*edge  // walk steps out of the table
	need   []string // every column the engine names, for Check
}

// ref is a reference from one table's columns to another's.
type ref struct {
	from, to     *table
	cols, toCols []string
	owns         bool
	// clears: the reference owns the row it points at and lies on a cycle
	// of references (customers.default_address_id with owns, and
	// addresses.customer_id). Erase sets some of its columns to NULL
	// before it deletes rows, and eraseOrder leaves it out, so the cycle
	// has an order.
	clears bool
	// free: of the columns of a reference that clears, those Erase may
	// set to NULL (see markClears).
	free []string
}

// edge is one step of the walk: rows of dst whose dstCols hold the values
// of srcCols in rows of src.
type edge struct {
	src, dst         *table
	srcCols, dstCols []string
}

// New returns the engine of a database of kind (SystemPostgres, SystemMySQL,
// SystemSQLite) opened as db and described by ds. hold says which data
// categories an erasure leaves alone (nil: none); key keys the hash and
// random values of masking and must be set when a column is masked so.
func New(kind string, db *sql.DB, ds *manifest.Dataset, hold HoldFunc, key []byte) (*Engine, error) {
	switch kind {
	case manifest.SystemPostgres, manifest.SystemMySQL, manifest.SystemSQLite:
	default:
		return nil, fmt.Errorf("sqlds: %q is not a SQL system kind", kind)
	}
	if db == nil || ds == nil || len(ds.Tables) == 0 {
		return nil, errors.New("sqlds: a database and a dataset with tables are needed")
	}
	if hold == nil {
		hold = func(string) (string, bool) { return "", false }
	}
	e := &Engine{d: dialect{kind}, db: db, hold: hold, key: slices.Clone(key), byName: map[string]*table{}}
	for i, mt := range ds.Tables {
		if mt == nil || mt.Name == "" {
			return nil, fmt.Errorf("sqlds: dataset table %d has no name", i+1)
		}
		if e.byName[mt.Name] != nil {
			return nil, fmt.Errorf("sqlds: table %s is declared twice", mt.Name)
		}
		if len(mt.PrimaryKey) == 0 {
			return nil, fmt.Errorf("sqlds: table %s has no primary key", mt.Name)
		}
		switch mt.Erase {
		case "", manifest.EraseDelete, "mask":
		default:
			return nil, fmt.Errorf("sqlds: table %s: erase %q is neither delete nor mask", mt.Name, mt.Erase)
		}
		t := &table{m: mt, name: mt.Name, pk: slices.Clone(mt.PrimaryKey), listed: map[string]*manifest.Column{}}
		t.cols = slices.Clone(t.pk)
		for _, c := range mt.Columns {
			if c == nil || c.Name == "" {
				return nil, fmt.Errorf("sqlds: table %s has a column without a name", mt.Name)
			}
			if t.listed[c.Name] != nil {
				return nil, fmt.Errorf("sqlds: column %s.%s is declared twice", mt.Name, c.Name)
			}
			t.listed[c.Name] = c
			if !slices.Contains(t.cols, c.Name) {
				t.cols = append(t.cols, c.Name)
			}
			if c.Erase != nil {
				switch c.Erase.Action {
				case manifest.EraseNull, manifest.EraseFixed, manifest.EraseKeep:
				case manifest.EraseHash, manifest.EraseRandom:
					if len(key) == 0 {
						return nil, fmt.Errorf("sqlds: column %s.%s is masked by %s, which needs a key", mt.Name, c.Name, c.Erase.Action)
					}
				default:
					return nil, fmt.Errorf("sqlds: column %s.%s: erase action %q is not one of null, fixed, random, hash, keep", mt.Name, c.Name, c.Erase.Action)
				}
			}
		}
		e.tables = append(e.tables, t)
		e.byName[t.name] = t
	}
	for _, t := range e.tables {
		for i, mr := range t.m.References {
			if mr == nil {
				return nil, fmt.Errorf("sqlds: table %s: reference %d is empty", t.name, i+1)
			}
			to := e.byName[mr.Table]
			if to == nil {
				return nil, fmt.Errorf("sqlds: table %s: reference %d points at table %s, which the dataset does not declare", t.name, i+1, mr.Table)
			}
			if len(mr.Columns) == 0 || len(mr.Columns) != len(mr.To) {
				return nil, fmt.Errorf("sqlds: table %s: reference %d needs as many columns as it points at", t.name, i+1)
			}
			t.refs = append(t.refs, &ref{from: t, to: to, cols: slices.Clone(mr.Columns), toCols: slices.Clone(mr.To), owns: mr.Owns})
		}
	}
	// The walk reads of each row its primary key and the columns of every
	// reference that leaves or reaches it; the steps out of a table go to
	// the rows it owns.
	for _, t := range e.tables {
		t.keys = slices.Clone(t.pk)
	}
	addKeys := func(t *table, cols []string) {
		for _, c := range cols {
			if !slices.Contains(t.keys, c) {
				t.keys = append(t.keys, c)
			}
		}
	}
	for _, t := range e.tables {
		for _, r := range t.refs {
			addKeys(r.from, r.cols)
			addKeys(r.to, r.toCols)
			if r.owns {
				r.from.edges = append(r.from.edges, &edge{src: r.from, dst: r.to, srcCols: r.cols, dstCols: r.toCols})
			} else {
				r.to.edges = append(r.to.edges, &edge{src: r.to, dst: r.from, srcCols: r.toCols, dstCols: r.cols})
			}
		}
	}
	for _, t := range e.tables {
		t.keyIdx = map[string]int{}
		for i, c := range t.keys {
			t.keyIdx[c] = i
		}
		// Every column the engine names, for Check.
		need := slices.Clone(t.keys)
		for _, c := range t.cols {
			if !slices.Contains(need, c) {
				need = append(need, c)
			}
		}
		kinds := make([]string, 0, len(t.m.Identities))
		for k := range t.m.Identities {
			kinds = append(kinds, k)
		}
		slices.Sort(kinds)
		for _, k := range kinds {
			c := t.m.Identities[k]
			if c == "" {
				return nil, fmt.Errorf("sqlds: table %s: identity %s names no column", t.name, k)
			}
			if !slices.Contains(need, c) {
				need = append(need, c)
			}
		}
		if rc := t.m.RestrictColumn; rc != "" && !slices.Contains(need, rc) {
			need = append(need, rc)
		}
		t.need = need
	}
	markClears(e.tables)
	e.order = eraseOrder(e.tables)
	return e, nil
}

// markClears marks the references that break a cycle of foreign keys: a
// reference with owns whose table pointed at reaches back to its own
// table through references. Only a reference with owns can: a cycle of
// references without one is a cycle of ownership, which the manifest
// refuses. A reference of a table to itself is left alone: the manifest
// refuses it, and eraseOrder ignores it anyway.
//
// A foreign key holds only while all its columns are set (MATCH SIMPLE,
// the default of PostgreSQL, MySQL and SQLite): one NULL lifts it. So
// Erase need not, and must not, set every column of a composite
// reference to NULL (customers (tenant, default_address_id) →
// addresses (tenant, id)): the columns it may set, free, are those of the
// reference that are not part of the table's primary key and that no
// reference of the dataset points at (the tenant of a unique key
// (tenant, id) that addresses refer to), since others' rows need those.
func markClears(tables []*table) {
	referenced := map[*table][]string{} // columns references point at
	for _, t := range tables {
		for _, r := range t.refs {
			referenced[r.to] = append(referenced[r.to], r.toCols...)
		}
	}
	for _, t := range tables {
		for _, r := range t.refs {
			r.clears = r.owns && r.to != t && reaches(r.to, t)
			r.free = nil
			if !r.clears {
				continue
			}
			for _, c := range r.cols {
				if !slices.Contains(t.pk, c) && !slices.Contains(referenced[t], c) && !slices.Contains(r.free, c) {
					r.free = append(r.free, c)
				}
			}
		}
	}
}

// reaches says whether a path of references leads from table from to
// table to.
func reaches(from, to *table) bool {
	seen := map[*table]bool{from: true}
	next := []*table{from}
	for len(next) > 0 {
		t := next[len(next)-1]
		next = next[:len(next)-1]
		for _, r := range t.refs {
			if r.to == to {
				return true
			}
			if !seen[r.to] {
				seen[r.to] = true
				next = append(next, r.to)
			}
		}
	}
	return false
}

// eraseOrder orders the tables so that a table comes before the tables it
// references: its rows go first, and no foreign key is left pointing at a
// deleted row. A self-reference does not count, and neither does a
// reference that clears (see markClears): Erase sets its columns to NULL
// before it deletes anything, so the cycle it closes is broken by then,
// and the table it points at may go first (a customer's addresses, which
// refer to the customer, before the customer). Tables in a cycle that
// remains, which only a dataset the manifest refuses has, keep the
// dataset's order among themselves.
func eraseOrder(tables []*table) []*table {
	counts := func(t *table, r *ref) bool { return r.to != t && !r.clears }
	refsTo := map[*table]int{} // tables not yet placed that reference t
	for _, t := range tables {
		seen := map[*table]bool{}
		for _, r := range t.refs {
			if counts(t, r) && !seen[r.to] {
				seen[r.to] = true
				refsTo[r.to]++
			}
		}
	}
	var order []*table
	placed := map[*table]bool{}
	for len(order) < len(tables) {
		progress := false
		for _, t := range tables {
			if placed[t] || refsTo[t] > 0 {
				continue
			}
			placed[t] = true
			order = append(order, t)
			progress = true
			seen := map[*table]bool{}
			for _, r := range t.refs {
				if counts(t, r) && !seen[r.to] {
					seen[r.to] = true
					refsTo[r.to]--
				}
			}
		}
		if !progress { // a cycle: place the first table left
			for _, t := range tables {
				if !placed[t] {
					refsTo[t] = 0
					break
				}
			}
		}
	}
	return order
}

// Kind returns the engine's system kind.
func (e *Engine) Kind() string { return e.d.kind }

// querier is a database or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Report is what an erasure, restriction or rectification did, per table.
// It holds counts, table and column names and data categories only.
type Report struct {
	Tables []TableReport  `json:"tables"`
	Kept   []KeptCategory `json:"kept,omitempty"` // erasure: data categories left alone
}

// TableReport is what a step did to one table.
type TableReport struct {
	Table   string `json:"table"`
	Rows    int64  `json:"rows"`              // the person's rows the walk reached
	Deleted int64  `json:"deleted,omitempty"` // erasure: rows deleted
	Masked  int64  `json:"masked,omitempty"`  // erasure: rows whose columns were masked
	Updated int64  `json:"updated,omitempty"` // restriction, rectification: rows changed
	// Retained counts rows of a table erased by deletion that were masked
	// instead, and RetainedReason says why: a column's data category is
	// under a legal hold, or rows kept for one refer to them.
	Retained       int64  `json:"retained,omitempty"`
	RetainedReason string `json:"retained_reason,omitempty"`
	// Shared counts rows the person owns that other rows, not the person's,
	// refer to as well (an address two customers share): left alone.
	Shared int64 `json:"shared,omitempty"`
	// NotRestrictable: the table has no restriction column, so a
	// restriction cannot mark its rows.
	NotRestrictable bool `json:"not_restrictable,omitempty"`
}

// KeptCategory is a data category an erasure left alone for a legal
// obligation, with the columns that hold it.
type KeptCategory struct {
	Category string   `json:"category"`
	Reason   string   `json:"reason"`
	Columns  []string `json:"columns"` // table.column
}

// Affected is the number of rows the step changed in all: zero when it
// ran before and there was nothing left to do.
func (r *Report) Affected() int64 {
	var n int64
	for _, t := range r.Tables {
		n += t.Deleted + t.Masked + t.Updated
	}
	return n
}

// Table returns the report of table name, or nil.
func (r *Report) Table(name string) *TableReport {
	for i := range r.Tables {
		if r.Tables[i].Table == name {
			return &r.Tables[i]
		}
	}
	return nil
}

// TableCount is what a request would touch in one table: the plan
// preview.
type TableCount struct {
	Table string `json:"table"`
	Rows  int64  `json:"rows"` // the person's rows: read by access, marked by restriction
	// What an erasure would do with them.
	Delete int64 `json:"delete"`
	Mask   int64 `json:"mask"`
	Leave  int64 `json:"leave"` // shared with rows not the person's
	// Restrictable: the table has a restriction column.
	Restrictable bool `json:"restrictable"`
}
