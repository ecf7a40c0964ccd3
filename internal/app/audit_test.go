package app_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/store"
)

// TestAuditVerifyCatchesTampering changes, removes and reorders entries of
// a real database file behind the program's back and checks that
// `custos audit verify` exits 1 naming the first bad entry.
func TestAuditVerifyCatchesTampering(t *testing.T) {
	cases := []struct {
		name   string
		sql    string
		entry  string
		anchor bool // verify against the head printed before tampering
	}{
		{"changed", `UPDATE audit_log SET object_id = 'other' WHERE seq = 3`, "entry 3", false},
		{"removed", `DELETE FROM audit_log WHERE seq = 4`, "entry 4", false},
		{"removed last", `DELETE FROM audit_log WHERE seq = 6`, "entry 6", false},
		{"reordered", `UPDATE audit_log SET seq = -seq WHERE seq IN (2, 3);
			UPDATE audit_log SET seq = CASE seq WHEN -2 THEN 3 ELSE 2 END WHERE seq < 0`, "entry 2", false},
		{"cut off and head rewound", `DELETE FROM audit_log WHERE seq = 6;
			UPDATE audit_head SET seq = 5, hash = (SELECT hash FROM audit_log WHERE seq = 5)`, "entry 6", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := t.TempDir()
			ctx := context.Background()
			db, err := store.Open(ctx, store.Config{DataDir: data})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			for i := range 6 {
				e := &custos.AuditEntry{Time: time.Now(), Actor: "system", Action: custos.AuditManifestLoaded,
					ObjectType: "manifest", ObjectID: fmt.Sprintf("site-%d", i), DetailsHash: strings.Repeat("ab", 32)}
				if err := db.AppendAudit(ctx, e); err != nil {
					t.Fatal(err)
				}
			}
			db.Close()
			code, out, _ := run(t, nil, "audit", "verify", "--data", data)
			if code != 0 || !strings.Contains(out, "intact: 6 entries") {
				t.Fatalf("before tampering: %d %s", code, out)
			}
			args := []string{"audit", "verify", "--data", data}
			if tc.anchor {
				_, head, _ := strings.Cut(strings.TrimSpace(out), "head ")
				args = append(args, "--anchor", head)
			}

			tamper(t, data, tc.sql)

			code, out, errs := run(t, nil, args...)
			if code != 1 || !strings.Contains(out, "BROKEN") || !strings.Contains(out, tc.entry+":") {
				t.Errorf("exit %d, want 1 naming %s: %s %s", code, tc.entry, out, errs)
			}
		})
	}
}

// TestAuditVerifyCatchesLedgerTampering records real consents through the
// server, then edits and deletes ledger rows behind its back: the chain is
// intact, but audit verify must still see the ledger no longer matches.
func TestAuditVerifyCatchesLedgerTampering(t *testing.T) {
	cases := []struct {
		name, sql, want string
	}{
		{"choices rewritten", `UPDATE consents SET choices = replace(choices, 'false', 'true'), method = 'accept_all' WHERE id = (SELECT min(id) FROM consents)`, "BROKEN ledger"},
		{"consent deleted", `DELETE FROM consents WHERE id = (SELECT min(id) FROM consents)`, "consents were removed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := t.TempDir()
			srv := startServe(t, data)
			for i := range 3 {
				postConsent(t, srv.addr, fmt.Sprintf("ledger-tamper-subject-%04d", i), false)
			}
			srv.stop()
			if code, out, _ := run(t, nil, "audit", "verify", "--data", data); code != 0 || !strings.Contains(out, "3 consents match their receipts") {
				t.Fatalf("before tampering: %d %s", code, out)
			}
			tamper(t, data, tc.sql)
			code, out, errs := run(t, nil, "audit", "verify", "--data", data)
			if code != 1 || !strings.Contains(out, tc.want) {
				t.Errorf("exit %d, want 1 and %q: %s %s", code, tc.want, out, errs)
			}
			if strings.Contains(out, "ledger-tamper-subject") {
				t.Errorf("the report names a subject: %s", out)
			}
		})
	}
}

// TestAuditVerifyCountsErasedConsents: consents removed by an erasure
// request are accounted for, so the ledger still adds up; one removed
// behind Custos's back is still caught.
func TestAuditVerifyCountsErasedConsents(t *testing.T) {
	data := t.TempDir()
	srv := startServe(t, data)
	for i := range 3 {
		postConsent(t, srv.addr, fmt.Sprintf("ledger-erase-subject-%04d", i), false)
	}
	srv.stop()

	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	r := &custos.Request{ID: "rq_erase", Site: "demo", Type: custos.RequestErasure, State: custos.StateCompleted,
		Email: "ann@example.org", EmailHash: "h", ReceivedAt: now, DueAt: now.AddDate(0, 1, 0), ClosedAt: now}
	erasure := &custos.Erasure{Subjects: []string{"ledger-erase-subject-0001"}, Consents: true}
	err = db.ApplyRequestChange(ctx, &custos.RequestChange{Request: r, Erasure: erasure,
		Audit: &custos.AuditEntry{Actor: "st_admin", Action: custos.AuditRequestCompleted, ObjectType: "request", ObjectID: r.ID}})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if erasure.Counts["consents"] != 1 {
		t.Fatalf("the erasure removed %d consents, want 1", erasure.Counts["consents"])
	}
	if code, out, errs := run(t, nil, "audit", "verify", "--data", data); code != 0 ||
		!strings.Contains(out, "2 consents match their receipts, 1 erased by requests") {
		t.Fatalf("after the erasure: exit %d: %s %s", code, out, errs)
	}

	tamper(t, data, `DELETE FROM consents WHERE id = (SELECT min(id) FROM consents)`)
	code, out, errs := run(t, nil, "audit", "verify", "--data", data)
	if code != 1 || !strings.Contains(out, "consents were removed") {
		t.Errorf("a consent removed behind Custos's back: exit %d: %s %s", code, out, errs)
	}
}

func TestAuditVerifyRefusesAMissingDatabase(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "typo")
	code, _, errs := run(t, nil, "audit", "verify", "--data", dir)
	if code != 1 || !strings.Contains(errs, "no Custos database") {
		t.Errorf("exit %d: %s", code, errs)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("audit verify created %s", dir)
	}
}

// tamper runs SQL on the SQLite database in data behind Custos's back.
func tamper(t *testing.T, data, query string) {
	t.Helper()
	raw, err := sql.Open("sqlite", filepath.Join(data, "custos.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(query); err != nil {
		t.Fatal(err)
	}
}
