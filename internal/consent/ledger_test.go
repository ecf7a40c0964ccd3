package consent

import (
	"context"
	"database/sql"
	"errors"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custos-privacy/custos/internal/audit"
	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/manifest"
	"github.com/custos-privacy/custos/internal/store"
	"github.com/custos-privacy/custos/internal/store/storetest"
)

// ledgerEnv is a real store with a few consents recorded through the
// Service, and a raw handle on its database to tamper with.
type ledgerEnv struct {
	db       *store.DB
	raw      *sql.DB
	signer   *Signer
	consents []*custos.Consent // in the order recorded
	subjects []string
	manifest int64 // seq of a manifest entry recorded among the consents
}

func newLedgerEnv(t *testing.T, cfg store.Config) *ledgerEnv {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var raw *sql.DB
	if cfg.DSN == "" {
		raw, err = sql.Open("sqlite", "file:"+filepath.Join(cfg.DataDir, "custos.db")+"?_pragma=busy_timeout(10000)")
	} else {
		raw, err = sql.Open("pgx", cfg.DSN)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })

	m := testManifest(t)
	site := m.Site("shop")
	env := &ledgerEnv{db: db, raw: raw, signer: newTestSigner(t)}
	svc := &Service{Store: db, Signer: env.signer, Manifest: func() *manifest.Manifest { return m }, Issuer: "https://privacy.shop.example"}
	for i, meta := range []Meta{
		{Region: "DE"},
		{Region: "US-CA", GPC: true, IP: netip.MustParseAddr("192.0.2.7")},
		{Region: "DE", IP: netip.MustParseAddr("2001:db8::1")},
		{},
	} {
		in := validInput(site)
		in.Subject = strings.Repeat(string(rune('A'+i)), 22) + "-subject"
		if meta.GPC {
			in.Method = custos.MethodGPC
		}
		c, _, err := svc.Record(ctx, in, meta, nil)
		if err != nil {
			t.Fatalf("Record: %v %v", err, custos.ErrorFields(err))
		}
		env.consents = append(env.consents, c)
		env.subjects = append(env.subjects, in.Subject)
		if i == 1 {
			v := &custos.ManifestVersion{Site: "shop", Fingerprint: site.Fingerprint(), ContentHash: site.ContentHash(), Source: "test"}
			if _, err := db.RecordManifest(ctx, v); err != nil {
				t.Fatal(err)
			}
			env.manifest = env.seq(t, -1)
		}
	}
	return env
}

// seq returns the audit seq consent i points at, or with i < 0 the last
// entry of the chain.
func (env *ledgerEnv) seq(t *testing.T, i int) int64 {
	t.Helper()
	var seq int64
	var err error
	if i < 0 {
		err = env.raw.QueryRow(`SELECT max(seq) FROM audit_log`).Scan(&seq)
	} else {
		err = env.raw.QueryRow(`SELECT audit_seq FROM consents WHERE id = $1`, env.consents[i].ID).Scan(&seq)
	}
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

func (env *ledgerEnv) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if _, err := env.raw.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// resign replaces consent i's receipt with one signer signs over c's
// claims, and makes its audit entry hash the new receipt, so that only the
// signature check can tell.
func (env *ledgerEnv) resign(t *testing.T, i int, signer *Signer, c *custos.Consent) {
	t.Helper()
	jws, err := signer.Sign(ReceiptFor(c, "https://privacy.shop.example"))
	if err != nil {
		t.Fatal(err)
	}
	env.exec(t, `UPDATE consents SET receipt = $1 WHERE id = $2`, jws, c.ID)
	env.exec(t, `UPDATE audit_log SET details_hash = $1 WHERE seq = $2`, audit.DetailsHash([]byte(jws)), env.seq(t, i))
}

func TestVerifyLedgerIntact(t *testing.T) {
	storetest.Configs(t, func(t *testing.T, cfg store.Config) {
		env := newLedgerEnv(t, cfg)
		for name, keys := range map[string]JWKS{"with keys": env.signer.JWKS(), "without keys": {}} {
			n, err := VerifyLedger(context.Background(), env.db, keys)
			if err != nil || n != int64(len(env.consents)) {
				t.Errorf("%s: VerifyLedger = %d, %v; want %d, nil", name, n, err, len(env.consents))
			}
		}
		// A retired key still verifies what it signed.
		next := newTestSigner(t)
		if err := next.AddRetired(env.signer.PublicJWK().mustPublicKey(t)); err != nil {
			t.Fatal(err)
		}
		if n, err := VerifyLedger(context.Background(), env.db, next.JWKS()); err != nil || n != int64(len(env.consents)) {
			t.Errorf("after a key rotation: VerifyLedger = %d, %v", n, err)
		}
	})
}

func (k JWK) mustPublicKey(t *testing.T) []byte {
	t.Helper()
	pub, err := k.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

func TestVerifyLedgerEmpty(t *testing.T) {
	db := storetest.Open(t)
	if n, err := VerifyLedger(context.Background(), db, JWKS{}); err != nil || n != 0 {
		t.Errorf("empty ledger: VerifyLedger = %d, %v", n, err)
	}
}

// TestVerifyLedgerTamper changes the third consent of four (or what it
// points at) behind the store's back; VerifyLedger must stop there, after
// two good consents, and say what differs without repeating a value.
func TestVerifyLedgerTamper(t *testing.T) {
	const bad = 2
	cases := []struct {
		name   string
		tamper func(t *testing.T, env *ledgerEnv)
		// wantID is the consent reported (bad unless set), wantSeq the audit
		// entry it names.
		wantID  int
		wantSeq func(t *testing.T, env *ledgerEnv) int64
		reason  string // a part of the reason
		// keyless says the change is caught without keys too.
		keyless bool
	}{
		{
			name: "choices column changed",
			tamper: func(t *testing.T, env *ledgerEnv) {
				env.exec(t, `UPDATE consents SET choices = $1 WHERE id = $2`,
					`{"analytics":false,"marketing":true,"necessary":true}`, env.consents[bad].ID)
			},
			reason: "differ from the receipt: choices", keyless: true,
		},
		{
			name: "method column changed",
			tamper: func(t *testing.T, env *ledgerEnv) {
				env.exec(t, `UPDATE consents SET method = 'accept_all' WHERE id = $1`, env.consents[bad].ID)
			},
			reason: "differ from the receipt: method", keyless: true,
		},
		{
			name: "subject column changed",
			tamper: func(t *testing.T, env *ledgerEnv) {
				env.exec(t, `UPDATE consents SET subject = $1 WHERE id = $2`, env.subjects[0], env.consents[bad].ID)
			},
			reason: "differ from the receipt: subject", keyless: true,
		},
		{
			name: "several columns changed",
			tamper: func(t *testing.T, env *ledgerEnv) {
				env.exec(t, `UPDATE consents SET expires_at = issued_at, gpc = $1, region = 'FR' WHERE id = $2`, true, env.consents[bad].ID)
			},
			reason: "differ from the receipt: region, gpc, expires_at", keyless: true,
		},
		{
			name: "columns and receipt changed, receipt validly signed",
			tamper: func(t *testing.T, env *ledgerEnv) {
				c := *env.consents[bad]
				c.Choices = map[string]bool{"necessary": true, "analytics": false, "marketing": true}
				jws, err := env.signer.Sign(ReceiptFor(&c, "https://privacy.shop.example"))
				if err != nil {
					t.Fatal(err)
				}
				env.exec(t, `UPDATE consents SET choices = $1, receipt = $2 WHERE id = $3`,
					`{"analytics":false,"marketing":true,"necessary":true}`, jws, c.ID)
			},
			reason: "not the one the audit entry hashed", keyless: true,
		},
		{
			name: "receipt of another consent",
			tamper: func(t *testing.T, env *ledgerEnv) {
				env.exec(t, `UPDATE consents SET receipt = $1 WHERE id = $2`, env.consents[0].Receipt, env.consents[bad].ID)
			},
			reason: "not the one the audit entry hashed", keyless: true,
		},
		{
			name: "audit entry deleted",
			tamper: func(t *testing.T, env *ledgerEnv) {
				env.exec(t, `DELETE FROM audit_log WHERE seq = $1`, env.seq(t, bad))
			},
			wantSeq: func(*testing.T, *ledgerEnv) int64 { return 0 },
			reason:  "no audit entry", keyless: true,
		},
		{
			name: "audit entry of another consent",
			tamper: func(t *testing.T, env *ledgerEnv) {
				// Swapped, so that the walk order stays the recorded one.
				a, b := env.seq(t, bad), env.seq(t, bad+1)
				env.exec(t, `UPDATE consents SET audit_seq = $1 WHERE id = $2`, b, env.consents[bad].ID)
				env.exec(t, `UPDATE consents SET audit_seq = $1 WHERE id = $2`, a, env.consents[bad+1].ID)
			},
			wantID: bad + 1,
			reason: "about another object", keyless: true,
		},
		{
			name: "audit entry of a manifest",
			tamper: func(t *testing.T, env *ledgerEnv) {
				env.exec(t, `UPDATE consents SET audit_seq = $1 WHERE id = $2`, env.manifest+1, env.consents[bad].ID)
				env.exec(t, `DELETE FROM audit_log WHERE seq = $1`, env.manifest+1)
				env.exec(t, `UPDATE audit_log SET seq = $1 WHERE seq = $2`, env.manifest+1, env.manifest)
			},
			reason: "manifest.loaded entry, not consent.recorded", keyless: true,
		},
		{
			name: "signed by another key",
			tamper: func(t *testing.T, env *ledgerEnv) {
				env.resign(t, bad, newTestSigner(t), env.consents[bad])
			},
			reason: "signed by unknown key",
		},
		{
			name: "signature does not verify",
			tamper: func(t *testing.T, env *ledgerEnv) {
				// The current key's kid over another key's signature.
				forged := &Signer{priv: newTestSigner(t).priv, jwk: env.signer.jwk, header: env.signer.header}
				env.resign(t, bad, forged, env.consents[bad])
			},
			reason: "signature does not verify",
		},
		{
			name: "receipt is not a JWS",
			tamper: func(t *testing.T, env *ledgerEnv) {
				env.exec(t, `UPDATE consents SET receipt = 'garbage' WHERE id = $1`, env.consents[bad].ID)
				env.exec(t, `UPDATE audit_log SET details_hash = $1 WHERE seq = $2`, audit.DetailsHash([]byte("garbage")), env.seq(t, bad))
			},
			reason: "not a JWS", keyless: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Configs(t, func(t *testing.T, cfg store.Config) {
				env := newLedgerEnv(t, cfg)
				wantID := bad
				if tc.wantID != 0 {
					wantID = tc.wantID
				}
				wantSeq := env.seq(t, bad)
				if tc.wantSeq != nil {
					wantSeq = tc.wantSeq(t, env)
				}
				tc.tamper(t, env)

				for _, keyless := range []bool{false, true} {
					keys := env.signer.JWKS()
					if keyless {
						keys = JWKS{}
					}
					n, err := VerifyLedger(context.Background(), env.db, keys)
					if keyless && !tc.keyless {
						// Without keys a signature is not checked.
						if err != nil || n != int64(len(env.consents)) {
							t.Errorf("without keys: VerifyLedger = %d, %v; want all %d good", n, err, len(env.consents))
						}
						continue
					}
					var le *LedgerError
					if !errors.As(err, &le) {
						t.Fatalf("keyless=%v: VerifyLedger = %d, %v; want a *LedgerError", keyless, n, err)
					}
					if n != bad {
						t.Errorf("keyless=%v: %d good consents before the bad one, want %d", keyless, n, bad)
					}
					if le.ConsentID != env.consents[wantID].ID || le.AuditSeq != wantSeq {
						t.Errorf("keyless=%v: error names consent %s entry %d, want %s entry %d (%v)",
							keyless, le.ConsentID, le.AuditSeq, env.consents[wantID].ID, wantSeq, err)
					}
					if !strings.Contains(le.Reason, tc.reason) {
						t.Errorf("keyless=%v: reason %q, want it to contain %q", keyless, le.Reason, tc.reason)
					}
					msg := err.Error()
					for _, s := range append([]string{"true", "false", "analytics", "marketing"}, env.subjects...) {
						if strings.Contains(msg, s) {
							t.Errorf("keyless=%v: error %q contains %q, a value of the record", keyless, msg, s)
						}
					}
				}
			})
		})
	}
}

func TestVerifyLedgerStops(t *testing.T) {
	env := newLedgerEnv(t, store.Config{DataDir: t.TempDir()})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := VerifyLedger(ctx, env.db, env.signer.JWKS()); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: VerifyLedger = %v, want context.Canceled", err)
	}
}

func TestLedgerErrorMessage(t *testing.T) {
	for _, tc := range []struct {
		err  LedgerError
		want string
	}{
		{LedgerError{ConsentID: "c1", AuditSeq: 7, Reason: "r"}, "consent c1 (audit entry 7): r"},
		{LedgerError{ConsentID: "c1", Reason: "no audit entry recorded it"}, "consent c1: no audit entry recorded it"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}
