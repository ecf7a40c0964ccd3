package app_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/custos-privacy/custos/internal/app"
	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/dsr"
	"github.com/custos-privacy/custos/internal/manifest"
	"github.com/custos-privacy/custos/internal/store"
)

// crashSystems is a shop on SQLite that erasures reach into.
const crashSystems = `    systems:
      - id: shop
        name: Shop database
        kind: sqlite
        role: controller
        requests: [erasure]
        connection: {env: SHOP_DSN}
        dataset:
          tables:
            - name: customers
              primary_key: [id]
              identities: {email: email}
              columns:
                - {name: email, category: user.contact.email}
            - name: orders
              primary_key: [id]
              references:
                - {columns: [customer_id], table: customers, to: [id]}
              columns:
                - {name: customer_id, category: user.unique_id}
                - {name: note, category: user.content.private}
`

// TestKillNineResume kills the server with SIGKILL while it runs the step
// of an erasure in a shop database, starts it again, and checks that the
// plan finishes and the shop is as it would be without the crash: the
// person's rows gone, everyone else's untouched.
func TestKillNineResume(t *testing.T) {
	if args := os.Getenv("CUSTOS_CRASH_CHILD"); args != "" {
		// The child: a server that the parent kills, or stops with
		// SIGINT as cmd/custos's main would.
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		code := (&app.App{Stdout: os.Stdout, Stderr: os.Stderr}).Main(ctx, strings.Fields(args))
		stop()
		os.Exit(code)
	}
	if testing.Short() {
		t.Skip("starts the server three times")
	}
	ctx := context.Background()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")

	// The shop: the person with many orders, so that the step takes a
	// while; others with a few.
	shopFile := filepath.Join(dir, "shop.db")
	shop, err := sql.Open("sqlite", shopFile)
	if err != nil {
		t.Fatal(err)
	}
	defer shop.Close()
	if _, err := shop.Exec(`CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
		CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers (id), note TEXT);
		CREATE INDEX orders_customer ON orders (customer_id);
		INSERT INTO customers VALUES (1, 'ada@example.com');
		WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM n WHERE i < 200) INSERT INTO customers SELECT i, 'c' || i || '@example.com' FROM n;
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60000) INSERT INTO orders SELECT i, 1, 'order ' || i FROM n;
		WITH RECURSIVE n(i) AS (SELECT 60001 UNION ALL SELECT i + 1 FROM n WHERE i < 62000) INSERT INTO orders SELECT i, 2 + i % 199, 'other ' || i FROM n`); err != nil {
		t.Fatal(err)
	}
	others := func() string {
		var n, sum int64
		shop.QueryRow(`SELECT count(*), coalesce(sum(id), 0) FROM orders WHERE customer_id <> 1`).Scan(&n, &sum)
		var c int64
		shop.QueryRow(`SELECT count(*) FROM customers WHERE id <> 1`).Scan(&c)
		return fmt.Sprint(n, sum, c)
	}
	before := others()

	mfile := filepath.Join(dir, "custos.yaml")
	if err := os.WriteFile(mfile, manifest.DemoYAMLWithSystems(crashSystems, "user.unique_id"), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := manifest.LoadFile(mfile)
	if err != nil {
		t.Fatal(err)
	}

	// An erasure, filed, verified and approved: its step is queued.
	db, err := store.Open(ctx, store.Config{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	key, err := dsr.LoadOrCreateKey(filepath.Join(data, "request-key"))
	if err != nil {
		t.Fatal(err)
	}
	svc := &dsr.Service{Store: db, Consents: db, Audit: db, Jobs: db, Manifest: func() *manifest.Manifest { return m }, Key: key}
	tk, err := svc.Submit(ctx, dsr.Submission{Site: "demo", Type: custos.RequestErasure, Email: "ada@example.com", Region: "FR"}, dsr.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	mails, _ := db.Mails(ctx, 1)
	v, err := svc.VerifyCode(ctx, tk.Challenge, regexp.MustCompile(`\b[0-9]{6}\b`).FindString(mails[0].Text))
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Approve(ctx, "st_test", v.Request.ID, 0); err != nil {
		t.Fatal(err)
	}
	db.Close()

	custosDB, err := sql.Open("sqlite", "file:"+filepath.Join(data, "custos.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer custosDB.Close()
	stepState := func() string {
		var s string
		custosDB.QueryRow(`SELECT state FROM jobs WHERE request_id = $1`, v.Request.ID).Scan(&s)
		return s
	}
	start := func() (*exec.Cmd, *bytes.Buffer) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKillNineResume$")
		var logs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &logs, &logs
		cmd.Env = append(os.Environ(), "SHOP_DSN="+shopFile,
			"CUSTOS_CRASH_CHILD=serve --data "+data+" --addr 127.0.0.1:0 --manifest "+mfile+" --job-lease 1s --log-level warn")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, &logs
	}
	until := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("gave up waiting for %s", what)
			}
			time.Sleep(2 * time.Millisecond) // polling a condition, not waiting in its place
		}
	}

	// Kill -9 while the step runs.
	cmd, logs := start()
	until("the step to run", func() bool { s := stepState(); return s == "running" || s == "done" })
	if s := stepState(); s != "running" {
		t.Fatalf("the step was %s before the kill; make the shop bigger", s)
	}
	cmd.Process.Kill()
	cmd.Wait()
	var left int64
	shop.QueryRow(`SELECT count(*) FROM orders WHERE customer_id = 1`).Scan(&left)
	t.Logf("after the kill, %d of the person's orders are left", left)
	if left != 0 && left != 60000 {
		t.Fatalf("after the kill, %d of the person's 60,000 orders are left: the erasure was not one transaction", left)
	}

	// Restart: the plan is taken up once the lease ends, and finishes.
	cmd, logs = start()
	until("the step to be done after the restart", func() bool { return stepState() == "done" })
	cmd.Process.Signal(os.Interrupt)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the restarted server: %v\n%s", err, logs)
	}
	shop.QueryRow(`SELECT count(*) FROM orders WHERE customer_id = 1`).Scan(&left)
	var ada int64
	shop.QueryRow(`SELECT count(*) FROM customers WHERE id = 1`).Scan(&ada)
	if left != 0 || ada != 0 {
		t.Errorf("after the restart, %d of the person's orders and %d customer rows are left", left, ada)
	}
	if after := others(); after != before {
		t.Errorf("other customers' rows changed: %s, were %s", after, before)
	}
}
