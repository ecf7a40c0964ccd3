package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/store"
	"github.com/custos-privacy/custos/internal/store/storetest"
)

// BenchmarkRecordConsent measures signed consents recorded per second
// through the group commit, with many concurrent callers as an HTTP server
// under load has. Run it with -cpu 2 to match the 2-core target, and with
// CUSTOS_TEST_POSTGRES set for the PostgreSQL numbers:
//
//	go test -run '^$' -bench RecordConsent -cpu 2 -benchtime 100000x ./internal/store
//
// "multirow" is what the store does: multi-row INSERTs in power-of-two
// chunks. "rowwise" inserts each row with a prepared single-row statement,
// the alternative the store was measured against.
func BenchmarkRecordConsent(b *testing.B) {
	for _, engine := range []struct {
		name string
		open func(testing.TB) *store.DB
	}{
		{store.EngineSQLite, storetest.Open},
		{store.EnginePostgres, storetest.OpenPostgres},
	} {
		b.Run(engine.name, func(b *testing.B) {
			for _, v := range []struct {
				name    string
				maxRows int
			}{
				{"multirow", 256},
				{"rowwise", 1},
			} {
				b.Run(v.name, func(b *testing.B) {
					db := engine.open(b)
					db.SetMaxRows(v.maxRows)
					benchmarkRecord(b, db)
				})
			}
		})
	}
}

func benchmarkRecord(b *testing.B, db *store.DB) {
	ctx := context.Background()
	// A receipt of realistic size: a compact JWS over the receipt claims.
	receipt := "eyJhbGciOiJFZERTQSIsImtpZCI6ImsxIiwidHlwIjoiSldUIn0." +
		strings.Repeat("eyJpZCI6IjAxSjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwIn0", 10) + "." +
		strings.Repeat("s", 86)
	var n atomic.Int64
	// Many callers per core, as many HTTP requests are in flight at once.
	b.SetParallelism(64)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			now := time.Now()
			c := &custos.Consent{
				ID:                  fmt.Sprintf("01JBENCH%018d", i),
				Site:                "demo",
				Subject:             fmt.Sprintf("%032x", i%100000),
				Choices:             map[string]bool{"necessary": true, "analytics": i%2 == 0, "marketing": false},
				Method:              custos.MethodCustom,
				ManifestFingerprint: "sha256:0f343b0931126a20f133d67c2b018a3b",
				Locale:              "en",
				Region:              "DE",
				Jurisdiction:        "eu",
				Mode:                "opt_in",
				NoticeVersion:       "2026-01",
				IPPrefix:            "203.0.0.0",
				IssuedAt:            now,
				ExpiresAt:           now.AddDate(0, 6, 0),
				Receipt:             receipt,
			}
			idem := &custos.Idempotency{Key: c.ID, Scope: "consents:demo", RequestHash: "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"}
			if _, _, err := db.RecordConsent(ctx, c, idem); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "consents/s")
}
