package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/store"
	"github.com/custos-privacy/custos/internal/store/storetest"
)

// TestRestrictions: a consent id is restricted on a site while an address
// it is linked to there has a restriction not lifted; objections, other
// sites and other people's restrictions do not count.
func TestRestrictions(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		check := func(when string, want map[custos.SiteSubject]bool) {
			t.Helper()
			for ss, w := range want {
				got, err := db.SubjectRestricted(ctx, ss.Site, ss.Subject)
				if err != nil {
					t.Fatal(err)
				}
				if got != w {
					t.Errorf("%s: SubjectRestricted(%s, %s) = %v, want %v", when, ss.Site, ss.Subject, got, w)
				}
				marks, err := db.SubjectRestrictions(ctx, ss.Site, ss.Subject)
				if err != nil {
					t.Fatal(err)
				}
				if marks == nil || (len(marks) > 0) != w {
					t.Errorf("%s: SubjectRestrictions(%s, %s) = %v, want some: %v", when, ss.Site, ss.Subject, marks, w)
				}
			}
		}
		restricted := func(site string) []custos.SiteSubject {
			t.Helper()
			list, err := db.RestrictedSubjects(ctx, site)
			if err != nil {
				t.Fatal(err)
			}
			if list == nil {
				t.Fatal("RestrictedSubjects returned nil")
			}
			return list
		}
		demo := func(s string) custos.SiteSubject { return custos.SiteSubject{Site: "demo", Subject: s} }
		shop := func(s string) custos.SiteSubject { return custos.SiteSubject{Site: "shop", Subject: s} }

		// Ann links s1 and s2 on demo and s1 on shop; Bob links s3 on demo.
		ann := dsrRequest("rq_ann", "demo", "ann@example.org", custos.RequestRestriction, custos.StateOpen, s0)
		applyChange(t, db, &custos.RequestChange{Request: ann, Links: []string{"s1", "s2"}})
		applyChange(t, db, &custos.RequestChange{Links: []string{"s1"},
			Request: dsrRequest("rq_ann_shop", "shop", "ann@example.org", custos.RequestAccess, custos.StateOpen, s0)})
		bob := dsrRequest("rq_bob", "demo", "bob@example.org", custos.RequestObjection, custos.StateOpen, s0)
		applyChange(t, db, &custos.RequestChange{Request: bob, Links: []string{"s3"}})
		none := map[custos.SiteSubject]bool{demo("s1"): false, demo("s2"): false, demo("s3"): false, shop("s1"): false, demo("nobody"): false}
		check("before any mark", none)
		if got := restricted(""); len(got) != 0 {
			t.Errorf("RestrictedSubjects before any mark: %v", got)
		}

		// Bob objects (not a restriction); Ann's restriction on demo.
		applyChange(t, db, &custos.RequestChange{Request: bob,
			Marks: []*custos.SubjectMark{{Kind: custos.MarkObjected, Detail: custos.ObjectDirectMarketing}}})
		first := &custos.SubjectMark{Kind: custos.MarkRestricted, Since: s0.Add(time.Hour)}
		applyChange(t, db, &custos.RequestChange{Request: ann, Marks: []*custos.SubjectMark{first}})
		check("restricted", map[custos.SiteSubject]bool{demo("s1"): true, demo("s2"): true, demo("s3"): false, shop("s1"): false, demo("nobody"): false})
		marks, err := db.SubjectRestrictions(ctx, "demo", "s2")
		if err != nil {
			t.Fatal(err)
		}
		want := []*custos.SubjectMark{{ID: first.ID, Site: "demo", EmailHash: "h:ann@example.org", Kind: custos.MarkRestricted,
			RequestID: "rq_ann", Since: s0.Add(time.Hour)}}
		if diff := cmp.Diff(want, marks, exact); diff != "" {
			t.Errorf("SubjectRestrictions (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]custos.SiteSubject{demo("s1"), demo("s2")}, restricted("")); diff != "" {
			t.Errorf("RestrictedSubjects (-want +got):\n%s", diff)
		}
		if got := restricted("shop"); len(got) != 0 {
			t.Errorf("RestrictedSubjects(shop): %v", got)
		}

		// A consent id Ann links later is covered too; a second restriction
		// comes after the first.
		later := dsrRequest("rq_ann_2", "demo", "ann@example.org", custos.RequestRestriction, custos.StateOpen, s0.Add(2*time.Hour))
		second := &custos.SubjectMark{Kind: custos.MarkRestricted, Since: s0.Add(2 * time.Hour)}
		applyChange(t, db, &custos.RequestChange{Request: later, Links: []string{"s4"}, Marks: []*custos.SubjectMark{second}})
		if marks, err = db.SubjectRestrictions(ctx, "demo", "s1"); err != nil || len(marks) != 2 || marks[0].ID != first.ID || marks[1].ID != second.ID {
			t.Errorf("SubjectRestrictions after a second restriction: %v, %v", marks, err)
		}
		check("linked later", map[custos.SiteSubject]bool{demo("s4"): true})
		if diff := cmp.Diff([]custos.SiteSubject{demo("s1"), demo("s2"), demo("s4")}, restricted("demo")); diff != "" {
			t.Errorf("RestrictedSubjects(demo) (-want +got):\n%s", diff)
		}

		// Lifting one leaves the other in force; lifting both ends it.
		applyChange(t, db, &custos.RequestChange{Marks: []*custos.SubjectMark{{ID: first.ID}}})
		if marks, err = db.SubjectRestrictions(ctx, "demo", "s1"); err != nil || len(marks) != 1 || marks[0].ID != second.ID {
			t.Errorf("SubjectRestrictions after lifting the first: %v, %v", marks, err)
		}
		check("one lifted", map[custos.SiteSubject]bool{demo("s1"): true, demo("s2"): true, demo("s4"): true})
		applyChange(t, db, &custos.RequestChange{Marks: []*custos.SubjectMark{{ID: second.ID}}})
		check("both lifted", map[custos.SiteSubject]bool{demo("s1"): false, demo("s2"): false, demo("s4"): false, demo("s3"): false})
		if got := restricted(""); len(got) != 0 {
			t.Errorf("RestrictedSubjects after lifting: %v", got)
		}
	})
}

// TestRestrictionPlans: the consent API asks SubjectRestricted on every
// read of a subject, so with many restrictions and links on the site the
// query reads the indexes of 0004_restrictions, never a whole table.
func TestRestrictionPlans(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		raw := db.RawSQL()
		// 3,000 people, each with a link, an objection and a restriction,
		// every third one lifted.
		const series = `WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) `
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO subject_marks (site, email_hash, kind, detail, request_id, since, lifted_at) ` + series +
				`SELECT 'demo', 'h' || i, 'restricted', '', 'rq', $1, NULL FROM n`, []any{s0}},
			{`UPDATE subject_marks SET lifted_at = $1 WHERE email_hash IN (` + series + `SELECT 'h' || i FROM n WHERE i % 3 = 0)`,
				[]any{s0.Add(time.Hour)}},
			{`INSERT INTO subject_marks (site, email_hash, kind, detail, request_id, since, lifted_at) ` + series +
				`SELECT 'demo', 'h' || i, 'objected', '', 'rq', $1, NULL FROM n`, []any{s0}},
			{`INSERT INTO subject_links (site, email_hash, consent_subject, request_id, created_at) ` + series +
				`SELECT 'demo', 'h' || i, 's' || i, 'rq', $1 FROM n`, []any{s0}},
		} {
			if _, err := raw.ExecContext(ctx, q.sql, q.args...); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := raw.ExecContext(ctx, `ANALYZE`); err != nil {
			t.Fatal(err)
		}
		for subject, want := range map[string]bool{"s1": true, "s3": false, "s3000": false, "s2999": true, "s9999": false} {
			if got, err := db.SubjectRestricted(ctx, "demo", subject); err != nil || got != want {
				t.Errorf("SubjectRestricted(%s) = %v, %v; want %v", subject, got, err, want)
			}
		}
		for _, q := range []string{store.SubjectRestrictedSQL, store.SubjectRestrictionsSQL} {
			plan := explain(t, db, q, "demo", "s1")
			for _, index := range []string{"subject_links_consent", "subject_marks_restricted"} {
				if !strings.Contains(plan, index) {
					t.Errorf("the plan does not use %s:\n%s\nfor %s", index, plan, q)
				}
			}
			if strings.Contains(plan, "Seq Scan") || strings.Contains(plan, "SCAN ") {
				t.Errorf("the plan reads a whole table or index:\n%s\nfor %s", plan, q)
			}
		}
	})
}

// explain returns the plan of query with args, one line per step.
func explain(t *testing.T, db *store.DB, query string, args ...any) string {
	t.Helper()
	prefix := "EXPLAIN "
	if db.Engine() == store.EngineSQLite {
		prefix = "EXPLAIN QUERY PLAN "
	}
	rows, err := db.ReadSQL().QueryContext(context.Background(), prefix+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		// The step is the last column: detail on SQLite, the only one on
		// PostgreSQL.
		switch v := vals[len(vals)-1].(type) {
		case string:
			lines = append(lines, v)
		case []byte:
			lines = append(lines, string(v))
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}
