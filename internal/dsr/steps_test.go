package dsr_test

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/custos-privacy/custos/internal/connector/conntest"
	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/dsr"
	"github.com/custos-privacy/custos/internal/jobs"
	"github.com/custos-privacy/custos/internal/manifest"
	"github.com/custos-privacy/custos/internal/store"
	"github.com/custos-privacy/custos/internal/store/storetest"
)

const shopSystems = `    systems:
      - id: shop
        name: Shop database
        kind: sqlite
        role: controller
        requests: [access, erasure, rectification]
        connection: {env: SHOP_DSN}
        dataset:
          tables:
            - name: customers
              primary_key: [id]
              identities: {email: email}
              columns:
                - {name: email, category: user.contact.email}
                - {name: name, category: user.name, rectify: true}
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

// TestPlanAcrossSystems: an approved request runs a step per system, in
// the systems' order; the manual step waits for staff; the request is
// completed only once every step is done, and the access package holds
// the shop's rows of the person and nobody else's. An erasure removes the
// person's rows only.
func TestPlanAcrossSystems(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, shopManifest(t))
		shop := conntest.TinyShop(t)
		e.svc.Jobs, e.svc.Engines = db, conntest.ShopEngines{DB: shop}
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
		// Files: refused when empty, too many or too large, and then
		// nothing is recorded.
		letter := []byte("date,subject\n2024-02-01,Complaint about a parcel\n")
		for name, files := range map[string][]dsr.StepFile{
			"empty":     {{Name: "a.csv", Data: nil}},
			"too many":  slices.Repeat([]dsr.StepFile{{Name: "a.csv", Data: letter}}, dsr.MaxStepFiles+1),
			"too large": {{Name: "a.bin", Data: make([]byte, dsr.MaxStepFileBytes/2+1)}, {Name: "b.bin", Data: make([]byte, dsr.MaxStepFileBytes/2)}},
		} {
			err := e.svc.CompleteStep(ctx, "st_officer", r.ID, steps[1].Job.ID, "Letters found.", files)
			if custos.ErrorCode(err) != custos.EINVALID || custos.ErrorFields(err)[0].Field != "file" {
				t.Errorf("%s: %v, want a refusal naming the file", name, err)
			}
		}
		if j, _ := db.Job(ctx, steps[1].Job.ID); j.State != custos.JobWaiting {
			t.Fatalf("a refused upload changed the step: %s", j.State)
		}
		files := []dsr.StepFile{
			{Name: "letters.csv", MediaType: "text/csv", Data: letter},
			{Name: "../../etc/letters.csv", Data: []byte("%PDF-1.4 scan")}, // a path and no type: the base name, a sniffed type
		}
		if err := e.svc.CompleteStep(ctx, "st_officer", r.ID, steps[1].Job.ID, "Two letters in the cabinet.", files); err != nil {
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
		// The archive's files, in the package under systems/archive/,
		// listed in data.json without their bytes.
		if b := zipFile(t, a.Data, "systems/archive/letters.csv"); !bytes.Equal(b, letter) {
			t.Errorf("systems/archive/letters.csv = %q", b)
		}
		if b := zipFile(t, a.Data, "systems/archive/letters-2.csv"); string(b) != "%PDF-1.4 scan" {
			t.Errorf("systems/archive/letters-2.csv = %q", b)
		}
		var listed struct {
			Systems []struct {
				ID    string `json:"id"`
				Data  map[string]any
				Files []map[string]any `json:"files"`
			} `json:"systems"`
		}
		json.Unmarshal(data, &listed)
		if n := len(listed.Systems); n != 2 || listed.Systems[1].ID != "archive" || len(listed.Systems[1].Files) != 2 {
			t.Fatalf("data.json systems: %+v", listed.Systems)
		}
		f := listed.Systems[1].Files[1]
		if f["path"] != "systems/archive/letters-2.csv" || f["media_type"] != "application/pdf" || f["size"] != float64(13) || f["data"] != nil {
			t.Errorf("data.json lists the second file as %v", f)
		}
		if listed.Systems[1].Data["note"] != "Two letters in the cabinet." || listed.Systems[1].Data["done_by"] != nil {
			t.Errorf("data.json's archive data: %v", listed.Systems[1].Data)
		}
		if !strings.Contains(string(zipFile(t, a.Data, "index.html")), `href="systems/archive/letters.csv"`) {
			t.Error("index.html does not link the archive's file")
		}
		// Completed: the steps keep counts, names and the note, not the
		// rows or the files' bytes, which the answer holds.
		steps, _ = e.svc.Steps(ctx, r.ID)
		shopResult, archiveResult := string(steps[0].Job.Result), string(steps[1].Job.Result)
		if strings.Contains(shopResult, "ada@example.com") || strings.Contains(shopResult, "gift") ||
			!strings.Contains(shopResult, `"table":"customers"`) || !strings.Contains(shopResult, `"rows":2`) {
			t.Errorf("the shop's step after completion: %s", shopResult)
		}
		if strings.Contains(archiveResult, `"data"`) || !strings.Contains(archiveResult, `"name":"letters.csv"`) ||
			!strings.Contains(archiveResult, "Two letters in the cabinet.") {
			t.Errorf("the archive's step after completion: %s", archiveResult)
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
		// The archive's step of an erasure takes no file.
		esteps, _ := e.svc.Steps(ctx, er.ID)
		if _, err := runner.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		err = e.svc.CompleteStep(ctx, "st_officer", er.ID, esteps[1].Job.ID, "Shredded.", files[:1])
		if custos.ErrorCode(err) != custos.EINVALID {
			t.Errorf("a file on an erasure's step: %v", err)
		}

		// A system gone from the manifest takes no file: the package would
		// leave it out. A note still marks its step done.
		ar := e.file(dsr.Submission{Site: "demo", Type: custos.RequestAccess, Email: "bob@example.com"})
		if err := e.svc.Approve(ctx, "st_officer", ar.ID, 0); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if _, err := runner.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
		}
		asteps, _ := e.svc.Steps(ctx, ar.ID)
		shopOnly, err := manifest.Parse("shop.yaml", manifest.DemoYAMLWithSystems(shopSystems[:strings.Index(shopSystems, "      - id: archive")], "user.unique_id"))
		if err != nil {
			t.Fatal(err)
		}
		e.m = shopOnly
		err = e.svc.CompleteStep(ctx, "st_officer", ar.ID, asteps[1].Job.ID, "Found one.", files[:1])
		if custos.ErrorCode(err) != custos.EINVALID || !strings.Contains(custos.ErrorFields(err)[0].Message, "no longer in the manifest") {
			t.Errorf("a file of a system gone: %v", err)
		}
		if err := e.svc.CompleteStep(ctx, "st_officer", ar.ID, asteps[1].Job.ID, "Nothing.", nil); err != nil {
			t.Errorf("a note on a system gone: %v", err)
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

// TestCorrectionColumnByColumn: a rectification's step in a database
// waits for the privacy officer, who sees what the person's rows hold and
// approves the new value of each column; a correction the dataset or the
// column refuses changes nothing; the approved one is written to the
// person's row only, and the request completes.
func TestCorrectionColumnByColumn(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, shopManifest(t))
		shop := conntest.TinyShop(t)
		e.svc.Jobs, e.svc.Engines = db, conntest.ShopEngines{DB: shop}
		runner := &jobs.Runner{Store: db, Handlers: map[string]jobs.Handler{custos.JobRequestStep: e.svc.RunStep}, Now: e.clock}
		ctx := context.Background()

		r := e.file(dsr.Submission{Site: "demo", Type: custos.RequestRectification, Email: "ada@example.com", Details: "My name is Ada Lovelace."})
		if err := e.svc.Approve(ctx, "st_officer", r.ID, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := runner.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		steps, err := e.svc.Steps(ctx, r.ID)
		if err != nil || len(steps) != 1 || steps[0].Job.State != custos.JobWaiting {
			t.Fatalf("steps: %+v, %v", steps, err)
		}
		job := steps[0].Job.ID
		fields, err := e.svc.Correction(ctx, r.ID, job)
		if err != nil {
			t.Fatal(err)
		}
		if len(fields) != 1 || fields[0].Table != "customers" || fields[0].Column != "name" || fields[0].Category != "user.name" ||
			!slices.Equal(fields[0].Current, []string{"Ada"}) || fields[0].Rows != 1 {
			t.Fatalf("the form: %+v", fields)
		}
		name := func(id int) string {
			var n sql.NullString
			shop.QueryRow(`SELECT name FROM customers WHERE id = ?`, id).Scan(&n)
			return n.String
		}
		str := func(s string) *string { return &s }
		for _, tc := range []struct {
			changes map[string]map[string]*string
			field   string
		}{
			{map[string]map[string]*string{}, "changes"},
			{map[string]map[string]*string{"customers": {"email": str("ada@example.org")}}, "customers.email"},
			{map[string]map[string]*string{"customers": {"name": str("Ada"), "nickname": str("A")}}, "customers.nickname"},
			{map[string]map[string]*string{"wishlists": {"name": str("A")}}, "wishlists"},
			{map[string]map[string]*string{"customers": {"name": str(strings.Repeat("a", 2001))}}, "customers.name"},
		} {
			err := e.svc.ApproveCorrection(ctx, "st_officer", r.ID, job, tc.changes)
			if custos.ErrorCode(err) != custos.EINVALID || custos.ErrorFields(err)[0].Field != tc.field {
				t.Errorf("%v: %v, want a refusal naming %s", tc.changes, err, tc.field)
			}
		}
		if j, _ := db.Job(ctx, job); j.State != custos.JobWaiting || len(j.Checkpoint) != 0 || name(1) != "Ada" {
			t.Fatalf("a refused correction changed something: %s %s, %q", j.State, j.Checkpoint, name(1))
		}
		// Not a step of this request; not a rectification.
		other := e.file(dsr.Submission{Site: "demo", Type: custos.RequestAccess, Email: "bob@example.com"})
		if err := e.svc.ApproveCorrection(ctx, "st_officer", other.ID, job, map[string]map[string]*string{"customers": {"name": str("X")}}); custos.ErrorCode(err) != custos.ENOTFOUND {
			t.Errorf("another request's step: %v", err)
		}

		if err := e.svc.ApproveCorrection(ctx, "st_officer", r.ID, job, map[string]map[string]*string{"customers": {"name": str("Ada Lovelace")}}); err != nil {
			t.Fatal(err)
		}
		if _, err := runner.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		j, _ := db.Job(ctx, job)
		if j.State != custos.JobDone || !strings.Contains(string(j.Result), `"updated":1`) {
			t.Fatalf("after the approval: %s %s %s", j.State, j.Result, j.Error)
		}
		if name(1) != "Ada Lovelace" || name(2) != "Bob" {
			t.Errorf("names: %q, %q", name(1), name(2))
		}
		// Done: no second correction.
		if err := e.svc.ApproveCorrection(ctx, "st_officer", r.ID, job, map[string]map[string]*string{"customers": {"name": str("X")}}); custos.ErrorCode(err) != custos.ECONFLICT {
			t.Errorf("a correction of a done step: %v", err)
		}
		if err := e.svc.Complete(ctx, "st_officer", r.ID, 0); err != nil {
			t.Fatal(err)
		}
		// Completed: the approved values are no longer kept with the step.
		if j, _ := db.Job(ctx, job); len(j.Checkpoint) != 0 || strings.Contains(string(j.Result), "Lovelace") {
			t.Errorf("the step after completion: checkpoint %s, result %s", j.Checkpoint, j.Result)
		}
		// The audit trail names the columns' hash, never the value.
		var entries []*custos.AuditEntry
		err = db.AuditEntries(ctx, func(a *custos.AuditEntry) error {
			if a.Action == custos.AuditJobCorrected {
				entries = append(entries, a)
			}
			return nil
		})
		if err != nil || len(entries) != 1 || entries[0].Actor != "st_officer" || strings.Contains(fmt.Sprint(*entries[0]), "Lovelace") {
			t.Errorf("audit: %+v, %v", entries, err)
		}
		// The timeline says which columns, not the values.
		v, err := e.svc.View(ctx, "st_officer", r.ID)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, ev := range v.Events {
			if strings.Contains(ev.Note, "customers.name") {
				found = true
				if strings.Contains(ev.Note, "Lovelace") {
					t.Errorf("the timeline holds the value: %q", ev.Note)
				}
			}
		}
		if !found {
			t.Error("the timeline does not say the correction was approved")
		}
	})
}

// TestCorrectionRefusedAtRun: a correction the database's dataset no
// longer allows when the step runs (the manifest changed since the
// approval) gives up at once, naming the column and writing nothing; staff
// approve a correction again and it is written.
func TestCorrectionRefusedAtRun(t *testing.T) {
	db := storetest.Open(t)
	e := newEnv(t, db, shopManifest(t))
	shop := conntest.TinyShop(t)
	e.svc.Jobs, e.svc.Engines = db, conntest.ShopEngines{DB: shop}
	runner := &jobs.Runner{Store: db, Handlers: map[string]jobs.Handler{custos.JobRequestStep: e.svc.RunStep}, Now: e.clock}
	ctx := context.Background()
	r := e.file(dsr.Submission{Site: "demo", Type: custos.RequestRectification, Email: "ada@example.com", Details: "Ada King."})
	if err := e.svc.Approve(ctx, "st_officer", r.ID, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := runner.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	steps, _ := e.svc.Steps(ctx, r.ID)
	job := steps[0].Job.ID
	king := "Ada King"
	if err := e.svc.ApproveCorrection(ctx, "st_officer", r.ID, job, map[string]map[string]*string{"customers": {"name": &king}}); err != nil {
		t.Fatal(err)
	}
	rectifiable := e.m
	noRectify, err := manifest.Parse("shop.yaml", manifest.DemoYAMLWithSystems(strings.NewReplacer(", rectify: true", "",
		"{name: email, category: user.contact.email}", "{name: email, category: user.contact.email, rectify: true}").Replace(shopSystems), "user.unique_id"))
	if err != nil {
		t.Fatal(err)
	}
	e.m = noRectify
	if _, err := runner.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	j, _ := db.Job(ctx, job)
	var name string
	shop.QueryRow(`SELECT name FROM customers WHERE id = 1`).Scan(&name)
	if j.State != custos.JobDead || !strings.Contains(j.Error, "customers.name") || strings.Contains(j.Error, "King") || name != "Ada" {
		t.Fatalf("after a refusal at run time: %s %q, name %q", j.State, j.Error, name)
	}
	e.m = rectifiable
	if err := e.svc.ApproveCorrection(ctx, "st_officer", r.ID, job, map[string]map[string]*string{"customers": {"name": &king}}); err != nil {
		t.Fatal(err)
	}
	if _, err := runner.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	shop.QueryRow(`SELECT name FROM customers WHERE id = 1`).Scan(&name)
	if j, _ := db.Job(ctx, job); j.State != custos.JobDone || name != "Ada King" {
		t.Errorf("after approving again: %s, name %q", j.State, name)
	}
}

// failingRedact is a job store whose RedactJob fails, as a store that is
// briefly unreachable would.
type failingRedact struct{ custos.JobStore }

func (failingRedact) RedactJob(context.Context, int64, json.RawMessage) error {
	return fmt.Errorf("the store is unreachable")
}

// TestRedactLeftovers: when redacting a completed request's steps fails,
// the request is completed all the same, and the sweep redacts the steps
// later; the steps of a request still in progress keep their rows.
func TestRedactLeftovers(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, shopManifest(t))
		e.svc.Jobs, e.svc.Engines = failingRedact{db}, conntest.ShopEngines{DB: conntest.TinyShop(t)}
		runner := &jobs.Runner{Store: db, Handlers: map[string]jobs.Handler{custos.JobRequestStep: e.svc.RunStep}, Now: e.clock}
		ctx := context.Background()
		run := func(id string) []dsr.Step {
			t.Helper()
			if err := e.svc.Approve(ctx, "st_officer", id, 0); err != nil {
				t.Fatal(err)
			}
			for range 2 {
				if _, err := runner.RunOnce(ctx); err != nil {
					t.Fatal(err)
				}
			}
			steps, err := e.svc.Steps(ctx, id)
			if err != nil || len(steps) != 2 || steps[0].Job.State != custos.JobDone {
				t.Fatalf("steps: %+v, %v", steps, err)
			}
			return steps
		}
		ada := e.file(dsr.Submission{Site: "demo", Type: custos.RequestAccess, Email: "ada@example.com"})
		steps := run(ada.ID)
		if err := e.svc.CompleteStep(ctx, "st_officer", ada.ID, steps[1].Job.ID, "Nothing in the cabinet.", nil); err != nil {
			t.Fatal(err)
		}
		bob := e.file(dsr.Submission{Site: "demo", Type: custos.RequestAccess, Email: "bob@example.com"})
		run(bob.ID)

		if err := e.svc.Complete(ctx, "st_officer", ada.ID, 0); err != nil {
			t.Fatalf("complete with redaction failing: %v", err)
		}
		if r, _ := db.Request(ctx, ada.ID); r.State != custos.StateCompleted {
			t.Fatalf("state = %s, want completed", r.State)
		}
		shopResult := func(id string) string {
			t.Helper()
			steps, err := e.svc.Steps(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return string(steps[0].Job.Result)
		}
		if !strings.Contains(shopResult(ada.ID), "ada@example.com") {
			t.Fatalf("the failed redaction changed the step: %s", shopResult(ada.ID))
		}

		// A step whose result cannot be read (not a JSON object) is
		// dropped whole.
		odd := &custos.Job{Kind: custos.JobRequestStep, RequestID: ada.ID, Key: ada.ID + "/system/odd/access"}
		if err := db.EnqueueJobs(ctx, []*custos.Job{odd}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CompleteWaiting(ctx, odd.ID, json.RawMessage(`["ada@example.com"]`), nil); err != nil {
			t.Fatal(err)
		}

		e.svc.Jobs = db
		e.svc.Sweep(ctx)
		if got := shopResult(ada.ID); strings.Contains(got, "ada@example.com") || !strings.Contains(got, `"rows":2`) {
			t.Errorf("the shop's step after the sweep: %s", got)
		}
		if j, _ := db.Job(ctx, odd.ID); string(j.Result) != `{}` {
			t.Errorf("the unreadable step after the sweep: %s", j.Result)
		}
		if got := shopResult(bob.ID); !strings.Contains(got, "bob@example.com") {
			t.Errorf("the sweep redacted a request in progress: %s", got)
		}
		if n, err := e.svc.RedactLeftovers(ctx, 100); err != nil || n != 0 {
			t.Errorf("a second sweep redacted %d, %v; want nothing left", n, err)
		}
		// The package was built before the redaction and keeps the rows.
		a, err := db.Answer(ctx, ada.ID)
		if err != nil || !strings.Contains(string(zipFile(t, a.Data, "data.json")), "ada@example.com") {
			t.Errorf("the answer lost the person's rows: %v", err)
		}
	})
}
