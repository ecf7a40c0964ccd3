package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// env is the machine and the code measured.
type env struct {
	date, commit      string
	dirty             int // uncommitted files in the working tree
	cpu, kernel, mem  string
	cores, gomaxprocs int
	goVersion         string
}

func machine(ctx context.Context) env {
	e := env{date: time.Now().UTC().Format("2006-01-02 15:04 MST"), cores: runtime.NumCPU(), gomaxprocs: runtime.GOMAXPROCS(0), goVersion: runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH}
	if out, err := exec.CommandContext(ctx, "git", "rev-parse", "--short", "HEAD").Output(); err == nil {
		e.commit = strings.TrimSpace(string(out))
	}
	if out, err := exec.CommandContext(ctx, "git", "status", "--porcelain").Output(); err == nil {
		for _, l := range strings.Split(string(out), "\n") {
			if strings.TrimSpace(l) != "" {
				e.dirty++
			}
		}
	}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				e.cpu = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if f, err := os.Open("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "MemTotal:") {
				kb, _ := strconv.ParseInt(strings.Fields(sc.Text())[1], 10, 64)
				e.mem = fmt.Sprintf("%.1f GB (MemTotal %s kB)", float64(kb)/1e6, commas(kb))
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		e.kernel = strings.TrimSpace(string(b))
	}
	return e
}

// loadavg is the 1, 5 and 15 minute load averages.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], ", ")
}

func dbSize(ctx context.Context, b *dbase) int64 {
	var n int64
	q := "SELECT COALESCE(SUM(data_length + index_length), 0) FROM information_schema.tables WHERE table_schema = DATABASE()"
	if b.d.pg {
		q = "SELECT pg_database_size(current_database())"
	}
	if err := b.db.QueryRowContext(ctx, q).Scan(&n); err != nil {
		return -1
	}
	return n
}

func dbVersion(ctx context.Context, b *dbase) string {
	var v string
	q := "SELECT VERSION()"
	if b.d.pg {
		q = "SHOW server_version"
	}
	if err := b.db.QueryRowContext(ctx, q).Scan(&v); err != nil {
		return "?"
	}
	return v
}

func dbSettings(ctx context.Context, b *dbase) string {
	var names []string
	if b.d.pg {
		names = []string{"shared_buffers", "effective_cache_size", "max_wal_size", "synchronous_commit"}
	} else {
		names = []string{"innodb_buffer_pool_size", "innodb_flush_method", "innodb_log_file_size", "innodb_flush_log_at_trx_commit"}
	}
	var parts []string
	for _, n := range names {
		var v string
		var err error
		if b.d.pg {
			err = b.db.QueryRowContext(ctx, "SHOW "+n).Scan(&v)
		} else {
			var name string
			err = b.db.QueryRowContext(ctx, "SHOW VARIABLES LIKE '"+n+"'").Scan(&name, &v)
			if bytes, perr := strconv.ParseInt(v, 10, 64); perr == nil && bytes >= 1<<20 {
				v = strconv.FormatInt(bytes>>20, 10) + "MB"
			}
		}
		if err != nil {
			v = "?"
		}
		parts = append(parts, "`"+n+"="+v+"`")
	}
	return strings.Join(parts, ", ")
}

// results is everything the section reports.
type results struct {
	cfg                   *config
	env                   env
	dbs                   []*dbase
	seedWall              time.Duration
	counts                map[string]int64
	access                []*accessResult
	erase                 []*eraseResult
	pool                  *poolResult
	loadBefore, loadAfter string
	checked               bool // the customers drawn were read first
	quietWaited, quietOK  bool
	quietUse, measured    cpuUse
	quietTook             time.Duration
	runTime               time.Duration
	sizes                 []int64
	versions, settings    []string
}

const (
	targetSingle = 500 * time.Millisecond
	targetQueued = 60 * time.Second
)

func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v < 10:
		return fmt.Sprintf("%.1f ms", v)
	default:
		return fmt.Sprintf("%.0f ms", v)
	}
}

func secs(d time.Duration) string {
	if d < 100*time.Second {
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	return fmt.Sprintf("%.0f s (%dm%02ds)", d.Seconds(), int(d.Minutes()), int(d.Seconds())%60)
}

// verdict says whether every sample met the target.
func verdict(d []time.Duration, target time.Duration) string {
	over := 0
	for _, v := range d {
		if v > target {
			over++
		}
	}
	if over == 0 {
		return "**PASS**"
	}
	return fmt.Sprintf("**MISS** (%d of %d over)", over, len(d))
}

func (r *results) markdown() string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	c := r.cfg
	pg, my := r.dbs[0], r.dbs[1]

	w("## Connectors (issue 6)\n\n")
	w("Measured on %s at commit `%s`", r.env.date, r.env.commit)
	if r.env.dirty > 0 {
		w(" (the working tree had %d uncommitted files)", r.env.dirty)
	}
	w(" with\n`go run ./cmd/custos-connectorbench -customers %d -requests %d -workers %d -singles %d -rand %d`.\n\n",
		c.customers, c.requests, c.workers, c.singles, c.rngSeed)

	// Results.
	accTotal := make([]time.Duration, len(r.access))
	accPG := make([]time.Duration, len(r.access))
	accMy := make([]time.Duration, len(r.access))
	accJSON := make([]time.Duration, len(r.access))
	var rowsMin, rowsMax, rowsSum, bytesSum int
	rowsMin = 1 << 30
	for i, a := range r.access {
		accTotal[i], accPG[i], accMy[i], accJSON[i] = a.total, a.per[0], a.per[1], a.json
		n := a.rows[0] + a.rows[1]
		rowsMin, rowsMax, rowsSum, bytesSum = min(rowsMin, n), max(rowsMax, n), rowsSum+n, bytesSum+a.bytes
	}
	eraTotal := make([]time.Duration, len(r.erase))
	eraPG := make([]time.Duration, len(r.erase))
	eraMy := make([]time.Duration, len(r.erase))
	var reached, affected int64
	for i, e := range r.erase {
		eraTotal[i], eraPG[i], eraMy[i] = e.total, e.per[0], e.per[1]
		reached += e.reached[0] + e.reached[1]
		affected += e.affected[0] + e.affected[1]
	}
	sa, se, sl := summarise(accTotal), summarise(eraTotal), summarise(r.pool.latency)
	poolVerdict := "**PASS**"
	if r.pool.wall > targetQueued {
		poolVerdict = "**MISS**"
	}

	w("| what | target | result | |\n|---|---|---|---|\n")
	w("| one access request, both databases, end to end (%d requests) | ≤ 500 ms | p50 %s, p95 %s, max %s | %s |\n",
		len(accTotal), ms(sa.p50), ms(sa.p95), ms(sa.max), verdict(accTotal, targetSingle))
	w("| one erasure, both databases, end to end (%d customers) | ≤ 500 ms | p50 %s, p95 %s, max %s | %s |\n",
		len(eraTotal), ms(se.p50), ms(se.p95), ms(se.max), verdict(eraTotal, targetSingle))
	w("| %s queued access requests, %d workers per database | ≤ 60 s | **%s** wall (%.0f requests/s) | %s |\n\n",
		commas(int64(c.requests)), c.workers, secs(r.pool.wall), float64(c.requests)/r.pool.wall.Seconds(), poolVerdict)

	w("Where the time goes (p50 / p95 / max of the same requests; the databases work concurrently, so the end-to-end time is about the slower of the two plus the JSON):\n\n")
	w("| | PostgreSQL | MariaDB | JSON of the package |\n|---|---|---|---|\n")
	s1, s2, s3 := summarise(accPG), summarise(accMy), summarise(accJSON)
	w("| access: walk + read, per database | %s / %s / %s | %s / %s / %s | %s / %s / %s |\n",
		ms(s1.p50), ms(s1.p95), ms(s1.max), ms(s2.p50), ms(s2.p95), ms(s2.max), ms(s3.p50), ms(s3.p95), ms(s3.max))
	s1, s2 = summarise(eraPG), summarise(eraMy)
	w("| erasure: walk + plan + delete/mask + commit | %s / %s / %s | %s / %s / %s | — |\n\n",
		ms(s1.p50), ms(s1.p95), ms(s1.max), ms(s2.p50), ms(s2.p95), ms(s2.max))

	w("- An access request returned %d–%d rows (%.1f on average) across the two databases, and a package of %.1f KB of JSON on average.\n",
		rowsMin, rowsMax, float64(rowsSum)/float64(len(r.access)), float64(bytesSum)/float64(len(r.access))/1024)
	w("- An erasure reached %.1f rows on average across the two databases and deleted or masked %.1f of them (payments, under the legal hold, and the orders and customer rows they keep are masked, not deleted).\n",
		float64(reached)/float64(len(r.erase)), float64(affected)/float64(len(r.erase)))
	w("- Queued requests: the packages were built from %s rows (%.1f MB of JSON); half of them were done after %s, 95 %% after %s. The databases' steps took %s (PostgreSQL) and %s (MariaDB) in all, over %d workers each. Requests whose two databases returned different row counts: %d.\n",
		commas(r.pool.rows), float64(r.pool.bytes)/1e6, secs(sl.p50), secs(sl.p95), secs(r.pool.busy[0]), secs(r.pool.busy[1]), c.workers, r.pool.mismatches)
	w("- After the erasures, an access request for each erased person found no row in either database (not measured).\n")
	if r.checked {
		w("- The data was reused from an earlier run, so the customers drawn were first checked against its erasures: their `customers` rows were read before the measurement.\n")
	}

	// Data.
	w("\nThe data as seeded, the same in both databases (%s rows each):\n\n", commas(sum(r.counts)))
	w("| table | rows |\n|---|---:|\n")
	for _, t := range tables {
		w("| `%s` | %s |\n", t, commas(r.counts[t]))
	}
	w("\n")
	w("| | PostgreSQL | MariaDB |\n|---|---|---|\n")
	seedRow := func(label string, f func(*seedStats) time.Duration) {
		w("| %s | %s | %s |\n", label, seedCell(pg.seed, f), seedCell(my.seed, f))
	}
	seedRow("seed: load (INSERT … SELECT)", func(s *seedStats) time.Duration { return s.Load })
	seedRow("seed: secondary indexes", func(s *seedStats) time.Duration { return s.Index })
	seedRow("seed: foreign keys", func(s *seedStats) time.Duration { return s.FK })
	seedRow("seed: VACUUM ANALYZE / ANALYZE TABLE", func(s *seedStats) time.Duration { return s.Analyze })
	seedRow("seed: total", func(s *seedStats) time.Duration { return s.Total })
	w("| load rate | %s | %s |\n", rate(pg.seed), rate(my.seed))
	w("| size on disk (`pg_database_size` / `data_length + index_length`) | %s | %s |\n", gb(r.sizes[0]), gb(r.sizes[1]))
	w("| version | %s | %s |\n", r.versions[0], r.versions[1])
	w("| settings (the servers' own) | %s | %s |\n\n", r.settings[0], r.settings[1])
	if !pg.seed.Reused || !my.seed.Reused {
		w("Both databases were seeded at once, so each seed time is with the other running; the seeding took %s in all.\n\n", secs(r.seedWall))
	}

	w("| machine | |\n|---|---|\n")
	w("| CPU | %s, %d cores (`GOMAXPROCS` %d) |\n", r.env.cpu, r.env.cores, r.env.gomaxprocs)
	w("| memory | %s |\n", r.env.mem)
	w("| kernel | %s |\n", r.env.kernel)
	w("| Go | %s |\n", r.env.goVersion)
	w("| load average (1, 5, 15 min) before / after the run | %s / %s |\n", r.loadBefore, r.loadAfter)
	if r.quietWaited {
		state := "it was"
		if !r.quietOK {
			state = "it was **not**"
		}
		w("| before measuring | waited %s for the machine to be under 15 %% busy: %s (%.2f of %d cores busy) |\n", secs(r.quietTook), state, r.quietUse.busy, r.env.cores)
	}
	w("| CPU during the measurement (%s) | %.2f cores busy: this benchmark %.2f, PostgreSQL %.2f, MariaDB %.2f, **other processes %.2f** |\n",
		secs(time.Duration(r.measured.secs*float64(time.Second))), r.measured.busy, r.measured.bench, r.measured.postgres, r.measured.mariadb, r.measured.other)
	w("| run time | %s, of which seeding %s |\n\n", secs(r.runTime), secs(r.seedWall))
	return b.String()
}

func seedCell(s *seedStats, f func(*seedStats) time.Duration) string {
	if s.Reused {
		return "reused"
	}
	return secs(f(s))
}

func rate(s *seedStats) string {
	if s.Reused || s.Load <= 0 {
		return "—"
	}
	return commas(int64(float64(s.Rows)/s.Load.Seconds())) + " rows/s"
}

func gb(n int64) string {
	if n < 0 {
		return "?"
	}
	if n < 1<<30 {
		return fmt.Sprintf("%.0f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.2f GB", float64(n)/(1<<30))
}
