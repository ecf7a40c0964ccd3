package main

// -runner: the queued access requests end to end, through the request
// machinery rather than the engine directly. A Custos store (SQLite in a
// temporary directory), the demo manifest with the shop as two SQL systems
// (PostgreSQL and MariaDB), the request service and the job runner: the
// requests are filed and verified (the e-mailed code read as
// cmd/custos-requestbench does), approved (which queues one step per
// system), then the runner is started and timed until every step is done;
// then every request is completed (which rebuilds its package with the
// systems' rows), timed apart.

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/custos-privacy/custos/internal/connector/shop"
	"github.com/custos-privacy/custos/internal/connector/sqlds"
	"github.com/custos-privacy/custos/internal/consent"
	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/dsr"
	"github.com/custos-privacy/custos/internal/jobs"
	"github.com/custos-privacy/custos/internal/manifest"
	"github.com/custos-privacy/custos/internal/store"
	"github.com/custos-privacy/custos/internal/store/storetest"
)

// runnerManifest is the demo manifest with the shop (shop.Dataset, as
// shop.Manifest declares it) in PostgreSQL and in MariaDB.
func runnerManifest() (*manifest.Manifest, error) {
	return shop.Manifest(
		shop.System{ID: "shop-postgresql", Name: "Shop (PostgreSQL)", Kind: manifest.SystemPostgres, Env: "CONNBENCH_POSTGRES"},
		shop.System{ID: "shop-mariadb", Name: "Shop (MariaDB)", Kind: manifest.SystemMySQL, Env: "CONNBENCH_MARIADB"},
	)
}

// benchEngines is the service's Engines: the engine of each system over
// its database, opened once.
type benchEngines map[string]*sqlds.Engine

func (e benchEngines) Engine(ctx context.Context, site *manifest.Site, sys *manifest.System) (*sqlds.Engine, error) {
	if eng := e[sys.ID]; eng != nil {
		return eng, nil
	}
	return nil, fmt.Errorf("no database for system %s", sys.ID)
}

// runnerResult is what the -runner mode measured.
type runnerResult struct {
	requests, concurrency int
	storeEngine           string
	filing, approving     time.Duration
	steps                 int
	stepsWall             time.Duration
	stepLat               []time.Duration // each step's handler, sorted
	completing            time.Duration
	completeLat           []time.Duration // sorted
	checked               int             // packages read back
	rowsChecked           [2]int          // rows of the checked packages, by system
	pkgBytes              int             // the largest package checked
}

func runRunner(ctx context.Context, c *config, dbs []*dbase, customers []int) (*runnerResult, error) {
	m, err := runnerManifest()
	if err != nil {
		return nil, err
	}
	engines := benchEngines{}
	for _, b := range dbs {
		eng, err := sqlds.New(b.d.kind(), b.db, shop.Dataset(), shop.Hold, benchKey)
		if err != nil {
			return nil, err
		}
		engines["shop-"+strings.ToLower(b.d.name())] = eng
		b.db.SetMaxOpenConns(c.concurrency + 2)
		b.db.SetMaxIdleConns(c.concurrency + 2)
	}
	for _, sys := range m.Site("demo").Systems {
		if engines[sys.ID] == nil {
			return nil, fmt.Errorf("system %s has no database", sys.ID)
		}
	}

	dir, err := os.MkdirTemp("", "custos-connectorbench")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	st, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		return nil, err
	}
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	cs := &consent.Service{Store: st, Signer: consent.NewSigner(priv), Manifest: func() *manifest.Manifest { return m }, Issuer: "https://custos.bench"}
	codes := storetest.NewCodeTap(st)
	key := make([]byte, 32)
	rand.Read(key)
	svc := &dsr.Service{Store: codes, Consents: st, Audit: st, Recorder: cs, Manifest: func() *manifest.Manifest { return m },
		Jobs: st, Engines: engines,
		Key: key, PublicURL: "https://custos.bench",
		// One client files everything: lift the door's limits.
		Limits: dsr.Limits{PerAddress: 1 << 30, PerIP: 1 << 30, RequestsPerDay: 1 << 30}}

	res := &runnerResult{requests: len(customers), concurrency: c.concurrency, storeEngine: st.Engine()}

	// File and verify, 16 clients; then approve, which queues the steps.
	log.Printf("runner: filing and verifying %d access requests", len(customers))
	ids := make([]string, len(customers))
	t0 := time.Now()
	if err := parallel(ctx, len(customers), 16, func(i int) error {
		tk, err := svc.Submit(ctx, dsr.Submission{Site: "demo", Type: custos.RequestAccess, Email: email(customers[i]), Region: "FR"}, dsr.Meta{Client: "192.0.2.0"})
		if err != nil {
			return fmt.Errorf("submit: %w", err)
		}
		v, err := svc.VerifyCode(ctx, tk.Challenge, take(codes, tk.Challenge))
		if err != nil {
			return fmt.Errorf("verify: %w", err)
		}
		ids[i] = v.Request.ID
		return nil
	}); err != nil {
		return nil, err
	}
	res.filing = time.Since(t0)
	log.Printf("runner: filed in %.1f s; approving", res.filing.Seconds())
	t0 = time.Now()
	if err := parallel(ctx, len(ids), 16, func(i int) error { return svc.Approve(ctx, "st_bench", ids[i], 0) }); err != nil {
		return nil, fmt.Errorf("approve: %w", err)
	}
	res.approving = time.Since(t0)
	total := 0
	for _, id := range ids[:1] {
		steps, err := svc.Steps(ctx, id)
		if err != nil {
			return nil, err
		}
		total = len(steps) * len(ids)
	}
	if total != 2*len(ids) {
		return nil, fmt.Errorf("a request has %d steps, want 2", total/len(ids))
	}
	res.steps = total
	log.Printf("runner: approved in %.1f s; running %d steps, concurrency %d", res.approving.Seconds(), total, c.concurrency)

	// The runner, timed until the last step is recorded.
	var (
		mu      sync.Mutex
		lat     []time.Duration
		done    atomic.Int64
		bad     atomic.Int64
		allDone = make(chan struct{})
	)
	handler := func(ctx context.Context, j *custos.Job, cp jobs.Checkpointer) (json.RawMessage, error) {
		t := time.Now()
		out, err := svc.RunStep(ctx, j, cp)
		d := time.Since(t)
		mu.Lock()
		lat = append(lat, d)
		mu.Unlock()
		return out, err
	}
	runner := &jobs.Runner{Store: st, Handlers: map[string]jobs.Handler{custos.JobRequestStep: handler}, Concurrency: c.concurrency,
		Notify: func(ctx context.Context, j *custos.Job, state custos.JobState) {
			if state == custos.JobDone {
				if done.Add(1) == int64(total) {
					close(allDone)
				}
			} else {
				bad.Add(1)
				log.Printf("runner: step %s: %s", j.Key, state)
			}
		}}
	rctx, stopRunner := context.WithCancel(ctx)
	runErr := make(chan error, 1)
	t0 = time.Now()
	go func() { runErr <- runner.Run(rctx) }()
	tick := time.NewTicker(10 * time.Second)
wait:
	for {
		select {
		case <-allDone:
			break wait
		case <-tick.C:
			log.Printf("runner: %d of %d steps done after %.0f s", done.Load(), total, time.Since(t0).Seconds())
			if bad.Load() > 0 {
				stopRunner()
				<-runErr
				return nil, fmt.Errorf("%d steps did not finish", bad.Load())
			}
		case err := <-runErr:
			tick.Stop()
			stopRunner()
			return nil, fmt.Errorf("the runner stopped: %v", err)
		case <-ctx.Done():
			stopRunner()
			<-runErr
			return nil, ctx.Err()
		}
	}
	res.stepsWall = time.Since(t0)
	tick.Stop()
	stopRunner()
	if err := <-runErr; err != nil {
		return nil, err
	}
	if n := bad.Load(); n > 0 {
		return nil, fmt.Errorf("%d runs of a step did not end done", n)
	}
	slices.Sort(lat)
	res.stepLat = lat
	log.Printf("runner: %d steps in %.1f s", total, res.stepsWall.Seconds())

	// Every step is done, as the store says.
	for _, id := range ids {
		steps, err := svc.Steps(ctx, id)
		if err != nil {
			return nil, err
		}
		if len(steps) != 2 {
			return nil, fmt.Errorf("request %s has %d steps", id, len(steps))
		}
		for _, s := range steps {
			if s.Job.State != custos.JobDone {
				return nil, fmt.Errorf("request %s: step %s is %s", id, s.Job.Key, s.Job.State)
			}
		}
	}

	// Complete each request: the package is rebuilt with the systems' rows.
	log.Printf("runner: completing %d requests", len(ids))
	clat := make([]time.Duration, len(ids))
	t0 = time.Now()
	if err := parallel(ctx, len(ids), 16, func(i int) error {
		t := time.Now()
		err := svc.Complete(ctx, "st_bench", ids[i], 0)
		clat[i] = time.Since(t)
		return err
	}); err != nil {
		return nil, fmt.Errorf("complete: %w", err)
	}
	res.completing = time.Since(t0)
	slices.Sort(clat)
	res.completeLat = clat
	log.Printf("runner: completed in %.1f s", res.completing.Seconds())

	// A few packages hold the person's rows from both systems, and the same
	// rows in each.
	for i := 0; i < len(ids); i += max(1, len(ids)/10) {
		a, err := st.Answer(ctx, ids[i])
		if err != nil {
			return nil, err
		}
		data, err := zipEntry(a.Data, "data.json")
		if err != nil {
			return nil, fmt.Errorf("request %s: %w", ids[i], err)
		}
		var pkg struct {
			Systems []struct {
				ID   string `json:"id"`
				Data struct {
					Tables []struct {
						Table string           `json:"table"`
						Rows  []map[string]any `json:"rows"`
					} `json:"tables"`
				} `json:"data"`
			} `json:"systems"`
		}
		if err := json.Unmarshal(data, &pkg); err != nil {
			return nil, fmt.Errorf("request %s: data.json: %w", ids[i], err)
		}
		rows := map[string]int{}
		customersRow := map[string]bool{}
		for _, s := range pkg.Systems {
			for _, t := range s.Data.Tables {
				rows[s.ID] += len(t.Rows)
				if t.Table == "customers" && len(t.Rows) == 1 && t.Rows[0]["email"] == email(customers[i]) {
					customersRow[s.ID] = true
				}
			}
		}
		pg, my := rows["shop-postgresql"], rows["shop-mariadb"]
		if pg == 0 || pg != my || !customersRow["shop-postgresql"] || !customersRow["shop-mariadb"] {
			return nil, fmt.Errorf("request %s (customer %d): the package has %d rows from PostgreSQL, %d from MariaDB (customer row found: %v)", ids[i], customers[i], pg, my, customersRow)
		}
		if bytes.Contains(data, []byte(email(customers[i]+1)+`"`)) {
			return nil, fmt.Errorf("request %s: the package holds the next customer's address", ids[i])
		}
		res.checked++
		res.rowsChecked[0] += pg
		res.rowsChecked[1] += my
		res.pkgBytes = max(res.pkgBytes, len(a.Data))
	}
	log.Printf("runner: %d packages checked: rows from both systems", res.checked)
	return res, nil
}

// parallel runs f(0…n-1) on w goroutines and returns the first error.
func parallel(ctx context.Context, n, w int, f func(i int) error) error {
	var (
		next  atomic.Int64
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for range w {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := f(i); err != nil {
					once.Do(func() { first = err })
					next.Store(int64(n))
					return
				}
			}
		})
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

func zipEntry(b []byte, name string) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, err
	}
	for _, f := range zr.File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				return nil, err
			}
			defer rc.Close()
			return io.ReadAll(rc)
		}
	}
	return nil, fmt.Errorf("no %s in the package", name)
}

// take returns the code e-mailed for challenge id.
func take(codes *storetest.CodeTap, id string) string {
	code := codes.Take(id)
	if code == "" {
		log.Fatalf("no code was e-mailed for challenge %s", id)
	}
	return code
}

// pctl is the p-th percentile of sorted d.
func pctl(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[(len(d)-1)*p/100]
}

// markdown is the -runner mode's section.
func (r *runnerResult) markdown(c *config, env string, loadBefore, loadAfter string, measured cpuUse) string {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
	verdict := "PASS"
	if r.stepsWall > 60*time.Second {
		verdict = "MISS"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "### Queued access requests through the job runner\n\n")
	fmt.Fprintf(&b, "%s; Go %s, GOMAXPROCS %d; %s; store %s in a temporary directory.\n\n", env, runtime.Version(), runtime.GOMAXPROCS(0), time.Now().UTC().Format(time.DateOnly), r.storeEngine)
	fmt.Fprintf(&b, "| measure | value |\n|---|---|\n")
	fmt.Fprintf(&b, "| shop | %s customers in PostgreSQL and in MariaDB |\n", commas(int64(c.customers)))
	fmt.Fprintf(&b, "| access requests (distinct random customers) | %s, each a step in each database |\n", commas(int64(r.requests)))
	fmt.Fprintf(&b, "| filed and verified (16 clients, not in the target) | %.1f s |\n", r.filing.Seconds())
	fmt.Fprintf(&b, "| approved, steps queued (16 clients, not in the target) | %.1f s |\n", r.approving.Seconds())
	fmt.Fprintf(&b, "| **%s steps run by the job runner (concurrency %d)** | **%.1f s — %s (target ≤ 60 s)** |\n", commas(int64(r.steps)), r.concurrency, r.stepsWall.Seconds(), verdict)
	fmt.Fprintf(&b, "| throughput | %.0f steps/s, %.0f requests/s |\n", float64(r.steps)/r.stepsWall.Seconds(), float64(r.requests)/r.stepsWall.Seconds())
	fmt.Fprintf(&b, "| step (handler) p50 / p99 / max | %s / %s / %s |\n", ms(pctl(r.stepLat, 50)), ms(pctl(r.stepLat, 99)), ms(pctl(r.stepLat, 100)))
	fmt.Fprintf(&b, "| completed (package rebuilt with the systems' rows), 16 clients | %.1f s; each p50 / p99 %s / %s |\n", r.completing.Seconds(), ms(pctl(r.completeLat, 50)), ms(pctl(r.completeLat, 99)))
	fmt.Fprintf(&b, "| steps + completion | %.1f s |\n", (r.stepsWall + r.completing).Seconds())
	fmt.Fprintf(&b, "| checked | every step done; %d packages read back: %d rows in all from each system (the same from both), the person's customer row in each (largest %s bytes) |\n", r.checked, r.rowsChecked[0], commas(int64(r.pkgBytes)))
	fmt.Fprintf(&b, "| load average before / after | %s / %s |\n", loadBefore, loadAfter)
	fmt.Fprintf(&b, "| CPU from filing to the last completion | %s |\n", measured)
	return b.String()
}

// runnerMode runs -runner on customers and prints its section.
func runnerMode(ctx context.Context, c *config, dbs []*dbase, customers []int, e env, loadBefore string) error {
	if c.waitQuiet > 0 {
		t := time.Now()
		ok, use := waitQuiet(ctx, c.waitQuiet)
		log.Printf("quiet: %v after %.0f s (%s)", ok, time.Since(t).Seconds(), use)
	}
	cpuStart := snapshot()
	res, err := runRunner(ctx, c, dbs, customers)
	if err != nil {
		return err
	}
	measured := used(cpuStart, snapshot())
	loadAfter := loadavg()
	log.Printf("load average after: %s", loadAfter)
	where := fmt.Sprintf("%s, %d cores, %s, kernel %s; commit %s", e.cpu, e.cores, e.mem, e.kernel, e.commit)
	if e.dirty > 0 {
		where += fmt.Sprintf(" (+%d uncommitted files)", e.dirty)
	}
	md := res.markdown(c, where, loadBefore, loadAfter, measured)
	fmt.Print(md)
	if c.out != "" {
		return os.WriteFile(c.out, []byte(md), 0o644)
	}
	return nil
}
