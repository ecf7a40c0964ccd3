// Command custos-requestbench measures data subject requests on a real
// store (issue 5): filing and verifying N requests (default 10,000) from
// C concurrent clients, then answering one access request for a person with
// R consent records (default 1,000): approving it (gathering the records
// and building the ZIP), completing it and downloading the package.
//
// It runs the request service in-process against SQLite in a temporary
// directory, or PostgreSQL with -db, and prints a Markdown table.
//
//	go run ./cmd/custos-requestbench
//	go run ./cmd/custos-requestbench -db 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/custos-privacy/custos/internal/consent"
	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/dsr"
	"github.com/custos-privacy/custos/internal/manifest"
	"github.com/custos-privacy/custos/internal/store"
	"github.com/custos-privacy/custos/internal/store/storetest"
)

func main() {
	n := flag.Int("n", 10000, "requests to file and verify")
	conc := flag.Int("c", 16, "concurrent clients")
	receipts := flag.Int("receipts", 1000, "consent records of the person whose access request is answered")
	dsn := flag.String("db", "", "PostgreSQL DSN (a fresh database is best); default SQLite in a temporary directory")
	flag.Parse()
	log.SetFlags(0)
	ctx := context.Background()

	cfg := store.Config{DSN: *dsn}
	if *dsn == "" {
		dir, err := os.MkdirTemp("", "custos-requestbench")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(dir)
		cfg.DataDir = dir
	}
	db, err := store.Open(ctx, cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	m := manifest.Demo()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	cs := &consent.Service{Store: db, Signer: consent.NewSigner(priv), Manifest: func() *manifest.Manifest { return m }, Issuer: "https://custos.bench"}
	codes := storetest.NewCodeTap(db)
	key := make([]byte, 32)
	rand.Read(key)
	svc := &dsr.Service{Store: codes, Consents: db, Audit: db, Recorder: cs, Manifest: func() *manifest.Manifest { return m },
		Key: key, PublicURL: "https://custos.bench",
		// One client files everything: lift the per-address and per-IP
		// limits, which are what is not measured here.
		Limits: dsr.Limits{PerAddress: 1 << 30, PerIP: 1 << 30, RequestsPerDay: 1 << 30}}

	// 1. File and verify.
	var (
		next      atomic.Int64
		mu        sync.Mutex
		submitLat []time.Duration
		verifyLat []time.Duration
		wg        sync.WaitGroup
	)
	start := time.Now()
	for range *conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var sub, ver []time.Duration
			for {
				i := next.Add(1)
				if i > int64(*n) {
					break
				}
				email := fmt.Sprintf("person%d@example.com", i)
				t0 := time.Now()
				tk, err := svc.Submit(ctx, dsr.Submission{Site: "demo", Type: custos.RequestAccess, Email: email, Region: "FR"}, dsr.Meta{Client: "192.0.2.0"})
				if err != nil {
					log.Fatalf("submit: %v", err)
				}
				t1 := time.Now()
				if _, err := svc.VerifyCode(ctx, tk.Challenge, take(codes, tk.Challenge)); err != nil {
					log.Fatalf("verify: %v", err)
				}
				sub, ver = append(sub, t1.Sub(t0)), append(ver, time.Since(t1))
			}
			mu.Lock()
			submitLat, verifyLat = append(submitLat, sub...), append(verifyLat, ver...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	filing := time.Since(start)

	// 2. One access request for a person with many consent records.
	subject := "benchbenchbenchbenchbenchbench00"
	site := m.Site("demo")
	choices := map[string]bool{}
	for _, c := range site.Categories {
		choices[c.ID] = true
	}
	for i := range *receipts {
		in := custos.ConsentInput{Site: "demo", Subject: subject, Choices: choices, Method: custos.MethodCustom,
			ManifestFingerprint: site.Fingerprint(), Locale: "en", Region: "FR"}
		for _, c := range site.Categories {
			in.Choices[c.ID] = c.Required || i%2 == 0
		}
		if _, _, err := cs.Record(ctx, in, consent.Meta{}, nil); err != nil {
			log.Fatal(err)
		}
	}
	tk, err := svc.Submit(ctx, dsr.Submission{Site: "demo", Type: custos.RequestAccess, Email: "many@example.com", ConsentID: subject, Region: "FR"}, dsr.Meta{})
	if err != nil {
		log.Fatal(err)
	}
	v, err := svc.VerifyCode(ctx, tk.Challenge, take(codes, tk.Challenge))
	if err != nil {
		log.Fatal(err)
	}
	t0 := time.Now()
	if err := svc.Approve(ctx, "st_bench", v.Request.ID, 0); err != nil {
		log.Fatal(err)
	}
	approve := time.Since(t0)
	t1 := time.Now()
	if err := svc.Complete(ctx, "st_bench", v.Request.ID, 0); err != nil {
		log.Fatal(err)
	}
	complete := time.Since(t1)
	token := svc.StatusToken(v.Request.ID)
	t2 := time.Now()
	ch, err := svc.StartDownload(ctx, v.Request.ID, token)
	if err != nil {
		log.Fatal(err)
	}
	a, err := svc.Download(ctx, v.Request.ID, token, ch, take(codes, ch))
	if err != nil {
		log.Fatal(err)
	}
	download := time.Since(t2)

	host, _ := os.Hostname()
	fmt.Printf("custos-requestbench on %s (%s, %d CPUs, %s), engine %s, %s\n\n", host, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), db.Engine(), time.Now().UTC().Format(time.DateOnly))
	fmt.Printf("| measure | value |\n|---|---|\n")
	fmt.Printf("| requests filed and verified | %d, %d clients |\n", *n, *conc)
	fmt.Printf("| wall time | %.2f s |\n", filing.Seconds())
	fmt.Printf("| throughput | %.0f requests/s (each a submit and a verify) |\n", float64(*n)/filing.Seconds())
	fmt.Printf("| submit p50 / p99 | %s / %s |\n", pct(submitLat, 50), pct(submitLat, 99))
	fmt.Printf("| verify p50 / p99 | %s / %s |\n", pct(verifyLat, 50), pct(verifyLat, 99))
	fmt.Printf("| access answer, %d consent records: approve (gather + ZIP) | %s |\n", *receipts, approve.Round(time.Millisecond))
	fmt.Printf("| complete | %s |\n", complete.Round(time.Millisecond))
	fmt.Printf("| download (code + package) | %s |\n", download.Round(time.Millisecond))
	fmt.Printf("| package size | %d bytes |\n", len(a.Data))
	if !bytes.HasPrefix(a.Data, []byte("PK")) {
		log.Fatal("the package is not a ZIP")
	}
}

func pct(d []time.Duration, p int) string {
	if len(d) == 0 {
		return "-"
	}
	slices.Sort(d)
	return d[(len(d)-1)*p/100].Round(10 * time.Microsecond).String()
}

// take returns the code e-mailed for challenge id.
func take(codes *storetest.CodeTap, id string) string {
	code := codes.Take(id)
	if code == "" {
		log.Fatalf("no code was e-mailed for challenge %s", id)
	}
	return code
}
