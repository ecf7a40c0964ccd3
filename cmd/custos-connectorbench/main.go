// Command custos-connectorbench measures the SQL connector of issue 6
// (internal/connector/sqlds) on a shop of -customers customers (default
// 1,000,000, with their addresses, orders, order lines, payments,
// newsletter subscriptions and support tickets with messages: about 15
// rows a customer) in PostgreSQL and the same in MariaDB:
//
//   - one access request across both databases, end to end once verified:
//     the walk and the access on each database, concurrently, as the
//     request's plan runs the two systems' steps, then the JSON of the
//     package (-singles requests, one after the other);
//   - one erasure across both, each database in its own transaction,
//     concurrently (-singles erasures of distinct customers);
//   - -requests queued access requests for distinct customers, through a
//     pool of -workers workers per database, and the wall time until the
//     last package is built.
//
// These drive the engine directly. With -runner, the -requests queued
// access requests are measured end to end instead, through the request
// machinery (see runner.go): filed, verified and approved in a Custos
// store, their 2 steps each run by the job runner (internal/jobs) until
// every one is done, then completed, which rebuilds each package with the
// systems' rows.
//
// It creates its databases (connbench) if they are
// missing, builds its own data there (see seed.go), reuses it on a later
// run when a finished seed of the same size is there (a run of another
// size drops its tables there and seeds again), and leaves it in place.
// It prints its progress on stderr and a Markdown section on
// stdout (and to -o).
//
//	go run ./cmd/custos-connectorbench -customers 20000        # a quick run
//	go run ./cmd/custos-connectorbench -o /tmp/connbench.md    # the size
//	go run ./cmd/custos-connectorbench -skip-seed -runner      # 1,000 requests through the job runner
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/custos-privacy/custos/internal/connector/shop"
	"github.com/custos-privacy/custos/internal/connector/sqlds"
	"github.com/custos-privacy/custos/internal/manifest"
)

type config struct {
	pgDSN, myDSN string
	customers    int
	seedOnly     bool
	skipSeed     bool
	requests     int
	workers      int
	singles      int
	rngSeed      uint64
	out          string
	waitQuiet    time.Duration
	runner       bool
	concurrency  int
}

func main() {
	var c config
	flag.StringVar(&c.pgDSN, "postgres", "postgres://postgres@127.0.0.1:5432/connbench?sslmode=disable", "PostgreSQL DSN; the database is created (from the server's postgres database) if missing")
	flag.StringVar(&c.myDSN, "mariadb", "root@tcp(127.0.0.1:3306)/connbench", "MariaDB DSN; the database is created if missing")
	flag.IntVar(&c.customers, "customers", 1000000, "customers in the shop (about 15 rows each); another size than the seed there replaces it")
	flag.BoolVar(&c.seedOnly, "seed-only", false, "build (or check) the data, then stop")
	flag.BoolVar(&c.skipSeed, "skip-seed", false, "never load: use the data there, which must be a finished seed of -customers customers")
	flag.IntVar(&c.requests, "requests", 1000, "queued access requests")
	flag.IntVar(&c.workers, "workers", 8, "workers per database for the queued requests")
	flag.IntVar(&c.singles, "singles", 20, "single access requests and single erasures measured")
	flag.Uint64Var(&c.rngSeed, "rand", 0, "seed of the random choice of customers (0: from the clock)")
	flag.DurationVar(&c.waitQuiet, "wait-quiet", 5*time.Minute, "before measuring, wait at most this long for the machine to be under 15 % busy (0: do not wait)")
	flag.BoolVar(&c.runner, "runner", false, "measure the -requests queued access requests end to end instead: filed, verified and approved in a Custos store (SQLite, temporary), their steps run by the job runner, then completed")
	flag.IntVar(&c.concurrency, "concurrency", 16, "with -runner: the job runner's concurrency")
	flag.StringVar(&c.out, "o", "", "also write the Markdown section to this file")
	flag.Parse()
	log.SetFlags(log.Ltime)
	if c.customers < 100 || c.requests < 1 || c.workers < 1 || c.singles < 1 || c.concurrency < 1 {
		log.Fatal("-customers must be at least 100, -requests, -workers, -singles and -concurrency at least 1")
	}
	if c.seedOnly && c.skipSeed {
		log.Fatal("-seed-only and -skip-seed exclude each other")
	}
	if c.rngSeed == 0 {
		c.rngSeed = uint64(time.Now().UnixNano())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, &c); err != nil {
		log.Fatal(err)
	}
}

// dbase is one of the two databases.
type dbase struct {
	d    dia
	dsn  string
	db   *sql.DB
	seed *seedStats
	sys  *system
}

func run(ctx context.Context, c *config) error {
	runStart := time.Now()
	env := machine(ctx)
	loadBefore := loadavg()
	log.Printf("load average before: %s", loadBefore)

	dbs := []*dbase{{d: dia{pg: true}, dsn: c.pgDSN}, {d: dia{pg: false}, dsn: c.myDSN}}
	if err := createPostgres(ctx, c.pgDSN); err != nil {
		return err
	}
	if err := createMariaDB(ctx, c.myDSN); err != nil {
		return err
	}
	for _, b := range dbs {
		db, err := sqlds.Open(ctx, b.d.kind(), b.dsn)
		if err != nil {
			return fmt.Errorf("%s: %w", b.d.name(), err)
		}
		defer db.Close()
		b.db = db
	}

	// Seed both at once: each is mostly one server process at work.
	log.Printf("expecting %s rows per database for %s customers", commas(sum(expectedCounts(c.customers))), commas(int64(c.customers)))
	seedStart := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, len(dbs))
	for i, b := range dbs {
		wg.Go(func() { b.seed, errs[i] = seed(ctx, b.db, b.d, c.customers, c.skipSeed) })
	}
	wg.Wait()
	seedWall := time.Since(seedStart)
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	if c.seedOnly {
		log.Printf("seeded in %.0f s", seedWall.Seconds())
		return nil
	}

	// The engines, with their schema checked (as the service does once).
	var systems []*system
	for _, b := range dbs {
		eng, err := sqlds.New(b.d.kind(), b.db, shop.Dataset(), shop.Hold, benchKey)
		if err != nil {
			return err
		}
		if err := eng.Check(ctx); err != nil {
			return fmt.Errorf("%s: %w", b.d.name(), err)
		}
		// Connections stay open between requests, as in a running service.
		b.db.SetMaxOpenConns(c.workers + 2)
		b.db.SetMaxIdleConns(c.workers + 2)
		b.sys = &system{id: "shop-" + strings.ToLower(b.d.name()), name: b.d.name(), eng: eng}
		systems = append(systems, b.sys)
	}

	// Distinct random customers that no earlier run erased, in both
	// databases: the single requests, the queued ones, the erasures and one
	// warm-up request.
	rng := rand.New(rand.NewPCG(c.rngSeed, 0x636f6e6e))
	need := 1 + c.singles + c.requests + c.singles
	if c.runner {
		need = c.requests
	}
	if need > c.customers/2 {
		return fmt.Errorf("%d customers are too few for %d distinct requests", c.customers, need)
	}
	// On a fresh seed nobody was erased; on reused data the customers
	// drawn are checked first (which reads their customers rows).
	fresh := !dbs[0].seed.Reused && !dbs[1].seed.Reused
	picked, err := pickCustomers(ctx, dbs, rng, c.customers, need, !fresh)
	if err != nil {
		return err
	}
	if c.runner {
		return runnerMode(ctx, c, dbs, picked, env, loadBefore)
	}
	warm, picked := picked[0], picked[1:]
	single, picked := picked[:c.singles], picked[c.singles:]
	queued, picked := picked[:c.requests], picked[c.requests:]
	erase := picked[:c.singles]

	var quiet struct {
		waited bool
		ok     bool
		use    cpuUse
		took   time.Duration
	}
	if c.waitQuiet > 0 {
		t := time.Now()
		quiet.waited = true
		quiet.ok, quiet.use = waitQuiet(ctx, c.waitQuiet)
		quiet.took = time.Since(t)
		log.Printf("quiet: %v after %.0f s (%s)", quiet.ok, quiet.took.Seconds(), quiet.use)
	}
	cpuStart := snapshot()

	// One request to open the connections; not measured.
	if _, err := accessOne(ctx, systems, ids(warm)); err != nil {
		return err
	}

	log.Printf("%d single access requests", c.singles)
	var acc []*accessResult
	for _, cu := range single {
		r, err := accessOne(ctx, systems, ids(cu))
		if err != nil {
			return err
		}
		if r.rows[0] != r.rows[1] || r.rows[0] == 0 {
			return fmt.Errorf("customer %d: PostgreSQL returned %d rows, MariaDB %d", cu, r.rows[0], r.rows[1])
		}
		acc = append(acc, r)
	}

	log.Printf("%d queued access requests, %d workers per database", c.requests, c.workers)
	reqs := make([]map[string]string, len(queued))
	for i, cu := range queued {
		reqs[i] = ids(cu)
	}
	pr, err := pool(ctx, systems, reqs, c.workers)
	if err != nil {
		return err
	}
	log.Printf("queued: %.1f s", pr.wall.Seconds())

	log.Printf("%d single erasures", c.singles)
	var era []*eraseResult
	for _, cu := range erase {
		r, err := eraseOne(ctx, systems, ids(cu))
		if err != nil {
			return err
		}
		if r.affected[0] != r.affected[1] || r.affected[0] == 0 {
			return fmt.Errorf("customer %d: the erasure changed %d rows in PostgreSQL, %d in MariaDB", cu, r.affected[0], r.affected[1])
		}
		era = append(era, r)
	}
	measured := used(cpuStart, snapshot())
	loadAfter := loadavg()
	log.Printf("load average after: %s", loadAfter)
	log.Printf("during the measurement: %s", measured)

	// Not measured: the erased people are gone from both databases.
	for _, cu := range erase {
		r, err := accessOne(ctx, systems, ids(cu))
		if err != nil {
			return err
		}
		if r.rows[0]+r.rows[1] != 0 {
			return fmt.Errorf("customer %d: after the erasure, access still finds %d rows in PostgreSQL, %d in MariaDB", cu, r.rows[0], r.rows[1])
		}
	}

	res := &results{
		cfg: c, env: env, dbs: dbs, seedWall: seedWall, counts: expectedCounts(c.customers),
		access: acc, erase: era, pool: pr,
		loadBefore: loadBefore, loadAfter: loadAfter, checked: !fresh,
		quietWaited: quiet.waited, quietOK: quiet.ok, quietUse: quiet.use, quietTook: quiet.took, measured: measured,
		runTime: time.Since(runStart),
	}
	for _, b := range dbs {
		res.sizes = append(res.sizes, dbSize(ctx, b))
		res.versions = append(res.versions, dbVersion(ctx, b))
		res.settings = append(res.settings, dbSettings(ctx, b))
	}
	md := res.markdown()
	fmt.Print(md)
	if c.out != "" {
		if err := os.WriteFile(c.out, []byte(md), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// ids is what a verified request knows of customer c: the e-mail address
// it was filed with and the consent id of the person's browser.
func ids(c int) map[string]string {
	return map[string]string{manifest.IdentityEmail: email(c), manifest.IdentityConsentID: consentID(c)}
}

// pickCustomers draws n distinct customers whose e-mail address is still
// the seeded one in every database (an erasure of an earlier run hashed
// it).
func pickCustomers(ctx context.Context, dbs []*dbase, rng *rand.Rand, customers, n int, check bool) ([]int, error) {
	seen := map[int]bool{}
	var out []int
	for len(out) < n {
		var cand []int
		for len(cand) < n-len(out)+20 {
			cu := 1 + rng.IntN(customers)
			if !seen[cu] {
				seen[cu] = true
				cand = append(cand, cu)
			}
		}
		if !check {
			return cand[:n], nil
		}
		ok := map[int]int{}
		for _, b := range dbs {
			for start := 0; start < len(cand); start += 500 {
				chunk := cand[start:min(start+500, len(cand))]
				ph := make([]string, len(chunk))
				args := make([]any, len(chunk))
				for i, cu := range chunk {
					ph[i] = "?"
					if b.d.pg {
						ph[i] = fmt.Sprintf("$%d", i+1)
					}
					args[i] = cu
				}
				rows, err := b.db.QueryContext(ctx, "SELECT id, email FROM customers WHERE id IN ("+strings.Join(ph, ", ")+")", args...)
				if err != nil {
					return nil, fmt.Errorf("%s: pick customers: %w", b.d.name(), err)
				}
				for rows.Next() {
					var id int
					var e string
					if err := rows.Scan(&id, &e); err != nil {
						rows.Close()
						return nil, err
					}
					if e == email(id) {
						ok[id]++
					}
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					return nil, err
				}
			}
		}
		for _, cu := range cand {
			if ok[cu] == len(dbs) && len(out) < n {
				out = append(out, cu)
			}
		}
		if len(seen) > customers/2 {
			return nil, fmt.Errorf("too few customers left that no earlier run erased")
		}
	}
	return out, nil
}

// createPostgres creates the database of dsn unless it exists, from the
// server's postgres database.
func createPostgres(ctx context.Context, dsn string) error {
	u, err := url.Parse(dsn)
	if err != nil {
		return fmt.Errorf("-postgres: %w", err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" || strings.ContainsAny(name, `"/ `) {
		return fmt.Errorf("-postgres: name the benchmark's database in the DSN")
	}
	admin := *u
	admin.Path = "/postgres"
	db, err := sql.Open("pgx", admin.String())
	if err != nil {
		return err
	}
	defer db.Close()
	var exists bool
	if err := db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("PostgreSQL: %w", err)
	}
	if !exists {
		log.Printf("PostgreSQL: creating database %s", name)
		if _, err := db.ExecContext(ctx, `CREATE DATABASE "`+name+`"`); err != nil {
			return fmt.Errorf("PostgreSQL: create database: %w", err)
		}
	}
	return nil
}

// createMariaDB creates the database of dsn unless it exists.
func createMariaDB(ctx context.Context, dsn string) error {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return fmt.Errorf("-mariadb: %w", err)
	}
	name := cfg.DBName
	if name == "" || strings.ContainsAny(name, "`/ ") {
		return fmt.Errorf("-mariadb: name the benchmark's database in the DSN")
	}
	cfg.DBName = ""
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return err
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS `"+name+"` CHARACTER SET utf8mb4"); err != nil {
		return fmt.Errorf("MariaDB: create database: %w", err)
	}
	return nil
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}
