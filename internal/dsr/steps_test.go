package dsr_test

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custos-privacy/custos/internal/connector/sqlds"
	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/dsr"
	"github.com/custos-privacy/custos/internal/jobs"
	"github.com/custos-privacy/custos/internal/manifest"
	"github.com/custos-privacy/custos/internal/store"
	"github.com/custos-privacy/custos/internal/store/storetest"
)

// shopEngines opens the test's SQLite shop for every SQL system.
type shopEngines struct{ db *sql.DB }

func (s shopEngines) Engine(ctx context.Context, site *manifest.Site, sys *manifest.System) (*sqlds.Engine, error) {
	return sqlds.New(sys.Kind, s.db, sys.Dataset, sqlds.SiteHold(site), bytes.Repeat([]byte{9}, 32))
}

const shopSystems = `    systems:
      - id: shop
        name: Shop database
        kind: sqlite
        role: controller
        requests: [access, erasure]
        connection: {env: SHOP_DSN}
        dataset:
          tables:
            - name: customers
              primary_key: [id]
              identities: {email: email}
              columns:
                - {name: email, category: user.contact.email}
                - {name: name, category: user.name}
            - name: orders
              primary_key: [id]
              references:
                - {columns: [customer_id], table: customers, to: [id]}
              columns:
                - {name: customer_id, category: user.unique_id}
                - {name: note, category: user.content.private}
      - id: archive
        name: Paper archive
        kind: manual
        role: controller
        requests: [access, erasure]
        after: [shop]
        instructions:
          en: Look for the person's letters in the archive cabinet.
          fr: Cherchez les lettres de la personne dans l'armoire.
          de: Suchen Sie die Briefe der Person im Archivschrank.
`

// shopManifest is the demo manifest with a SQLite shop and a manual
// archive.
func shopManifest(t *testing.T) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Parse("shop.yaml", manifest.DemoYAMLWithSystems(shopSystems, "user.unique_id"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func openShop(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sqlds.Open(context.Background(), "sqlite", filepath.Join(t.TempDir(), "shop.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT);
		CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers (id), note TEXT);
		INSERT INTO customers VALUES (1, 'ada@example.com', 'Ada'), (2, 'bob@example.com', 'Bob');
		INSERT INTO orders VALUES (10, 1, 'gift'), (11, 1, NULL), (20, 2, 'for Bob')`); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestPlanAcrossSystems: an approved request runs a step per system, in
// the systems' order; the manual step waits for staff; the request is
// completed only once every step is done, and the access package holds
// the shop's rows of the person and nobody else's. An erasure removes the
// person's rows only.
func TestPlanAcrossSystems(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, shopManifest(t))
		shop := openShop(t)
		e.svc.Jobs, e.svc.Engines = db, shopEngines{shop}
		runner := &jobs.Runner{Store: db, Handlers: map[string]jobs.Handler{custos.JobRequestStep: e.svc.RunStep}, Now: e.clock}
		ctx := context.Background()

		r := e.file(dsr.Submission{Site: "demo", Type: custos.RequestAccess, Email: "ada@example.com"})
		pre, err := e.svc.Preview(ctx, r.ID)
		if err != nil || len(pre) != 2 || pre[0].System.ID != "shop" || pre[1].System.ID != "archive" {
			t.Fatalf("preview: %+v, %v", pre, err)
		}
		rows := map[string]int64{}
		for _, tc := range pre[0].Tables {
			rows[tc.Table] = tc.Rows
		}
		if rows["customers"] != 1 || rows["orders"] != 2 {
			t.Errorf("preview of the shop: %v, want 1 customer and 2 orders", rows)
		}
		if err := e.svc.Approve(ctx, "st_officer", r.ID, 0); err != nil {
			t.Fatal(err)
		}
		// The archive comes after the shop: one round runs the shop only.
		if _, err := runner.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := runner.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		steps, err := e.svc.Steps(ctx, r.ID)
		if err != nil || len(steps) != 2 {
			t.Fatalf("steps: %v, %v", steps, err)
		}
		if steps[0].System.ID != "shop" || steps[0].Job.State != custos.JobDone || steps[1].Job.State != custos.JobWaiting {
			t.Fatalf("states: %s %s, %s %s", steps[0].System.ID, steps[0].Job.State, steps[1].System.ID, steps[1].Job.State)
		}
		if !strings.Contains(string(steps[1].Job.Result), "archive cabinet") {
			t.Errorf("the manual step does not carry its instructions: %s", steps[1].Job.Result)
		}
		if err := e.svc.Complete(ctx, "st_officer", r.ID, 0); custos.ErrorCode(err) != custos.ECONFLICT {
			t.Fatalf("complete with a step left: %v", err)
		}
		if err := e.svc.CompleteStep(ctx, "st_officer", r.ID, steps[1].Job.ID, "Nothing in the cabinet."); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Complete(ctx, "st_officer", r.ID, 0); err != nil {
			t.Fatal(err)
		}
		a, err := db.Answer(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		data := zipFile(t, a.Data, "data.json")
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
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, s := range pkg.Systems {
			for _, tb := range s.Data.Tables {
				got[s.ID+"."+tb.Table] = len(tb.Rows)
			}
		}
		if got["shop.customers"] != 1 || got["shop.orders"] != 2 || strings.Contains(string(data), "bob@example.com") {
			t.Errorf("the package's shop rows: %v", got)
		}

		// An erasure: the person's rows go, Bob's stay.
		er := e.file(dsr.Submission{Site: "demo", Type: custos.RequestErasure, Email: "ada@example.com"})
		if err := e.svc.Approve(ctx, "st_officer", er.ID, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := runner.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		var left, bobs int
		shop.QueryRow(`SELECT count(*) FROM orders WHERE customer_id = 1`).Scan(&left)
		shop.QueryRow(`SELECT count(*) FROM orders WHERE customer_id = 2`).Scan(&bobs)
		if left != 0 || bobs != 1 {
			t.Errorf("after the erasure: %d of the person's orders left, %d of Bob's", left, bobs)
		}
	})
}

func zipFile(t *testing.T, b []byte, name string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == name {
			rc, _ := f.Open()
			defer rc.Close()
			data, _ := io.ReadAll(rc)
			return data
		}
	}
	t.Fatalf("no %s in the package", name)
	return nil
}
