package consent

import (
	"context"
	"net/netip"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/manifest"
)

// fakeStore is an in-memory custos.ConsentStore with the idempotency
// behaviour the interface documents. The real store has its own tests.
type fakeStore struct {
	mu      sync.Mutex
	rows    []*custos.Consent
	idem    map[string]idemEntry // scope + "\x00" + key
	failErr error
}

type idemEntry struct {
	hash string
	c    *custos.Consent
}

var _ custos.ConsentStore = (*fakeStore)(nil)

func (f *fakeStore) RecordConsent(_ context.Context, c *custos.Consent, idem *custos.Idempotency) (*custos.Consent, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failErr != nil {
		return nil, false, f.failErr
	}
	if idem != nil {
		k := idem.Scope + "\x00" + idem.Key
		if e, ok := f.idem[k]; ok {
			if e.hash != idem.RequestHash {
				return nil, false, custos.Errorf(custos.ECONFLICT, "store: idempotency key reused for another request")
			}
			return e.c, true, nil
		}
		if f.idem == nil {
			f.idem = map[string]idemEntry{}
		}
		f.idem[k] = idemEntry{idem.RequestHash, c}
	}
	f.rows = append(f.rows, c)
	return c, false, nil
}

func (f *fakeStore) Idempotent(_ context.Context, scope, key string) (string, *custos.Consent, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failErr != nil {
		return "", nil, f.failErr
	}
	e, ok := f.idem[scope+"\x00"+key]
	if !ok {
		return "", nil, custos.Errorf(custos.ENOTFOUND, "idempotency key not seen")
	}
	return e.hash, e.c, nil
}

func (f *fakeStore) Consent(_ context.Context, id string) (*custos.Consent, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.rows {
		if c.ID == id {
			return c, nil
		}
	}
	return nil, custos.Errorf(custos.ENOTFOUND, "no such consent")
}

func (f *fakeStore) ConsentState(ctx context.Context, site, subject string) (*custos.Consent, error) {
	h, _ := f.ConsentHistory(ctx, site, subject)
	if len(h) == 0 {
		return nil, custos.Errorf(custos.ENOTFOUND, "no consent")
	}
	return h[len(h)-1], nil
}

func (f *fakeStore) ConsentHistory(_ context.Context, site, subject string) ([]*custos.Consent, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*custos.Consent
	for _, c := range f.rows {
		if c.Site == site && c.Subject == subject {
			out = append(out, c)
		}
	}
	return out, nil
}

func (f *fakeStore) CountConsents(context.Context) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return int64(len(f.rows)), nil
}

// WalkLedger is not needed by the Service; VerifyLedger is tested against
// the real store.
func (f *fakeStore) WalkLedger(context.Context, func(*custos.Consent, *custos.AuditEntry) error) error {
	return custos.Errorf(custos.EINTERNAL, "fakeStore: WalkLedger is not implemented")
}

// testManifest parses testdata/custos.yaml. It needs the manifest package,
// which computes the fingerprint Validate compares against.
func testManifest(t *testing.T) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Parse("testdata/custos.yaml", []byte(readTestManifest(t)))
	if err != nil {
		t.Fatalf("test manifest: %v", err)
	}
	return m
}

func readTestManifest(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("testdata/custos.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

var testNow = time.Date(2025, 5, 14, 9, 30, 15, 123456789, time.UTC)

type testEnv struct {
	svc   *Service
	store *fakeStore
	site  *manifest.Site
}

func newTestEnv(t *testing.T) testEnv {
	t.Helper()
	m := testManifest(t)
	st := &fakeStore{}
	n := 0
	svc := &Service{
		Store:    st,
		Signer:   newTestSigner(t),
		Manifest: func() *manifest.Manifest { return m },
		Issuer:   "https://privacy.shop.example",
		Now:      func() time.Time { return testNow },
		NewID: func() string {
			n++
			return "consent-" + string(rune('a'+n-1))
		},
	}
	return testEnv{svc: svc, store: st, site: m.Site("shop")}
}

// testSubject is 22 characters, the shortest a subject id may be.
const testSubject = "AbCdEfGhIjKlMnOp_-1234"

// validInput is a custom choice that passes every rule.
func validInput(site *manifest.Site) custos.ConsentInput {
	return custos.ConsentInput{
		Site:                "shop",
		Subject:             testSubject,
		Choices:             map[string]bool{"necessary": true, "analytics": true, "marketing": false},
		Method:              custos.MethodCustom,
		ManifestFingerprint: site.Fingerprint(),
		Locale:              "en",
	}
}

func TestValidate(t *testing.T) {
	env := newTestEnv(t)
	fpr := env.site.Fingerprint()
	long := strings.Repeat("x", 200)
	tests := []struct {
		name   string
		mod    func(in *custos.ConsentInput)
		fields []string // expected field names in order; nil: valid
	}{
		{"valid custom", func(in *custos.ConsentInput) {}, nil},
		{"valid accept_all", func(in *custos.ConsentInput) {
			in.Method = custos.MethodAcceptAll
			in.Choices = map[string]bool{"necessary": true, "analytics": true, "marketing": true}
		}, nil},
		{"valid reject_all", func(in *custos.ConsentInput) {
			in.Method = custos.MethodRejectAll
			in.Choices = map[string]bool{"necessary": true, "analytics": false, "marketing": false}
		}, nil},
		{"valid gpc keeps non-sale choices", func(in *custos.ConsentInput) {
			in.Method = custos.MethodGPC
			in.Choices = map[string]bool{"necessary": true, "analytics": true, "marketing": false}
		}, nil},
		{"valid withdraw of one category", func(in *custos.ConsentInput) {
			in.Method = custos.MethodWithdraw
			in.Choices = map[string]bool{"necessary": true, "analytics": true, "marketing": false}
		}, nil},
		{"valid without locale and with region", func(in *custos.ConsentInput) { in.Locale = ""; in.Region = "us-ca" }, nil},

		{"everything missing", func(in *custos.ConsentInput) { *in = custos.ConsentInput{} },
			[]string{"site", "subject", "method", "choices", "manifest_fingerprint"}},
		{"unknown site", func(in *custos.ConsentInput) { in.Site = "elsewhere" }, []string{"site"}},
		{"subject too short", func(in *custos.ConsentInput) { in.Subject = "abc" }, []string{"subject"}},
		{"subject of 21 characters", func(in *custos.ConsentInput) { in.Subject = strings.Repeat("a", 21) }, []string{"subject"}},
		{"subject of 22 characters", func(in *custos.ConsentInput) { in.Subject = strings.Repeat("a", 22) }, nil},
		{"subject of 64 characters", func(in *custos.ConsentInput) { in.Subject = strings.Repeat("a", 64) }, nil},
		{"subject too long", func(in *custos.ConsentInput) { in.Subject = strings.Repeat("a", 65) }, []string{"subject"}},
		{"subject bad characters", func(in *custos.ConsentInput) { in.Subject = "jane.doe@example.com" }, []string{"subject"}},
		{"choices empty", func(in *custos.ConsentInput) { in.Choices = map[string]bool{} }, []string{"choices"}},
		{"category missing", func(in *custos.ConsentInput) { delete(in.Choices, "analytics") }, []string{"choices.analytics"}},
		{"unknown categories, sorted", func(in *custos.ConsentInput) {
			in.Choices["zebra"] = true
			in.Choices["ads"] = false
		}, []string{"choices.ads", "choices.zebra"}},
		{"unknown long key is quoted and cut", func(in *custos.ConsentInput) { in.Choices[long] = true },
			[]string{`choices."` + strings.Repeat("x", 64) + `…"`}},
		{"unknown key with markup is escaped", func(in *custos.ConsentInput) { in.Choices["<b>é"] = true },
			[]string{`choices."<b>\u00e9"`}},
		{"many unknown keys are capped", func(in *custos.ConsentInput) {
			for _, k := range []string{"u00", "u01", "u02", "u03", "u04", "u05", "u06", "u07", "u08", "u09", "u10", "u11"} {
				in.Choices[k] = true
			}
		}, []string{"choices.u00", "choices.u01", "choices.u02", "choices.u03", "choices.u04",
			"choices.u05", "choices.u06", "choices.u07", "choices.u08", "choices.u09", "choices"}},
		{"required category refused", func(in *custos.ConsentInput) { in.Choices["necessary"] = false }, []string{"choices.necessary"}},
		{"required refused with accept_all reported once", func(in *custos.ConsentInput) {
			in.Method = custos.MethodAcceptAll
			in.Choices = map[string]bool{"necessary": false, "analytics": true, "marketing": true}
		}, []string{"choices.necessary"}},
		{"method missing", func(in *custos.ConsentInput) { in.Method = "" }, []string{"method"}},
		{"method unknown", func(in *custos.ConsentInput) { in.Method = "maybe" }, []string{"method"}},
		{"accept_all with a refusal", func(in *custos.ConsentInput) {
			in.Method = custos.MethodAcceptAll
			in.Choices = map[string]bool{"necessary": true, "analytics": false, "marketing": false}
		}, []string{"choices.analytics", "choices.marketing"}},
		{"reject_all with an acceptance", func(in *custos.ConsentInput) {
			in.Method = custos.MethodRejectAll
			in.Choices = map[string]bool{"necessary": true, "analytics": true, "marketing": false}
		}, []string{"choices.analytics"}},
		{"close with an acceptance", func(in *custos.ConsentInput) {
			in.Method = custos.MethodClose
			in.Choices = map[string]bool{"necessary": true, "analytics": false, "marketing": true}
		}, []string{"choices.marketing"}},
		{"gpc accepting a sale/sharing category", func(in *custos.ConsentInput) {
			in.Method = custos.MethodGPC
			in.Choices = map[string]bool{"necessary": true, "analytics": false, "marketing": true}
		}, []string{"choices.marketing"}},
		{"fingerprint missing", func(in *custos.ConsentInput) { in.ManifestFingerprint = "" }, []string{"manifest_fingerprint"}},
		{"fingerprint stale", func(in *custos.ConsentInput) { in.ManifestFingerprint = strings.Repeat("0", 32) }, []string{"manifest_fingerprint"}},
		{"locale not of the site", func(in *custos.ConsentInput) { in.Locale = "fr" }, []string{"locale"}},
		{"region malformed", func(in *custos.ConsentInput) { in.Region = "Germany" }, []string{"region"}},
		{"region subdivision too long", func(in *custos.ConsentInput) { in.Region = "US-CALI" }, []string{"region"}},
		{"unknown site still checks the rest", func(in *custos.ConsentInput) {
			in.Site = "elsewhere"
			in.Subject = "x"
			in.Region = "?"
		}, []string{"site", "subject", "region"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validInput(env.site)
			tt.mod(&in)
			submitted := in
			site, err := env.svc.Validate(&in)
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("Validate: %v (fields %v)", err, custos.ErrorFields(err))
				}
				if site != env.site {
					t.Errorf("site = %p, want the manifest's %p", site, env.site)
				}
				return
			}
			if err == nil {
				t.Fatal("valid, want an error")
			}
			if custos.ErrorCode(err) != custos.EINVALID {
				t.Fatalf("code = %s, want %s (%v)", custos.ErrorCode(err), custos.EINVALID, err)
			}
			var got []string
			for _, fe := range custos.ErrorFields(err) {
				got = append(got, fe.Field)
				// Messages must not repeat what was submitted: it may be
				// personal data (a subject that is an e-mail address).
				// A valid method is one of a fixed set and may be named.
				values := []string{submitted.Subject, submitted.Region, submitted.Locale, submitted.ManifestFingerprint, submitted.Site}
				if !submitted.Method.Valid() {
					values = append(values, string(submitted.Method))
				}
				for _, v := range values {
					if len(v) > 2 && v != "shop" && v != fpr && strings.Contains(fe.Message, v) {
						t.Errorf("%s: message %q repeats the submitted value %q", fe.Field, fe.Message, v)
					}
				}
			}
			if diff := cmp.Diff(tt.fields, got); diff != "" {
				t.Errorf("fields (-want +got):\n%s\nall: %v", diff, custos.ErrorFields(err))
			}
		})
	}
}

func TestValidateMessages(t *testing.T) {
	env := newTestEnv(t)
	in := validInput(env.site)
	in.ManifestFingerprint = "ffffffffffffffffffffffffffffffff"
	delete(in.Choices, "analytics")
	_, err := env.svc.Validate(&in)
	want := []custos.FieldError{
		{Field: "choices.analytics", Message: "missing"},
		{Field: "manifest_fingerprint", Message: "does not match the manifest in force; fetch the banner configuration again"},
	}
	if diff := cmp.Diff(want, custos.ErrorFields(err)); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
}

func TestValidateNormalises(t *testing.T) {
	env := newTestEnv(t)
	in := validInput(env.site)
	in.Locale = ""
	in.Region = "us-ca"
	if _, err := env.svc.Validate(&in); err != nil {
		t.Fatal(err)
	}
	if in.Locale != "en" {
		t.Errorf("locale = %q, want the site's first locale en", in.Locale)
	}
	if in.Region != "US-CA" {
		t.Errorf("region = %q, want US-CA", in.Region)
	}
}

func TestValidateNoManifest(t *testing.T) {
	svc := &Service{Manifest: func() *manifest.Manifest { return nil }}
	in := custos.ConsentInput{}
	if _, err := svc.Validate(&in); custos.ErrorCode(err) != custos.EUNAVAILABLE {
		t.Errorf("err = %v, want %s", err, custos.EUNAVAILABLE)
	}
}

func TestRecord(t *testing.T) {
	issued := testNow.Truncate(time.Microsecond)
	tests := []struct {
		name         string
		locale       string
		inRegion     string
		meta         Meta
		wantRegion   string
		jurisdiction string
		mode         string
		notice       string
		expires      time.Time
		ipPrefix     string
	}{
		{
			name: "Germany from the geo header", locale: "de",
			meta:       Meta{IP: netip.MustParseAddr("203.0.113.7"), Region: "DE"},
			wantRegion: "DE", jurisdiction: "gdpr", mode: manifest.ModeOptIn, notice: "2025-02-de",
			expires: issued.AddDate(0, 6, 0), ipPrefix: "203.0.0.0",
		},
		{
			name: "California from the banner", locale: "en", inRegion: "us-ca",
			meta:       Meta{IP: netip.MustParseAddr("2001:db8:abcd:12::1"), GPC: true},
			wantRegion: "US-CA", jurisdiction: "us-ca", mode: manifest.ModeOptOut, notice: "2025-03-ca",
			expires: issued.AddDate(1, 0, 0), ipPrefix: "2001:db8:abcd::",
		},
		{
			name:       "no region: the catch-all with the default lifetime",
			wantRegion: "", jurisdiction: "rest", mode: manifest.ModeNotice, notice: "2025-01",
			expires: issued.Add(manifest.DefaultConsentLifetime),
		},
		{
			name: "geo header wins over the banner's region", locale: "en", inRegion: "US-CA",
			meta:       Meta{Region: "fr"},
			wantRegion: "FR", jurisdiction: "gdpr", mode: manifest.ModeOptIn, notice: "2025-02-en",
			expires: issued.AddDate(0, 6, 0),
		},
		{
			name: "malformed geo header is ignored", locale: "en", inRegion: "US-CA",
			meta:       Meta{Region: "not a region"},
			wantRegion: "US-CA", jurisdiction: "us-ca", mode: manifest.ModeOptOut, notice: "2025-03-ca",
			expires: issued.AddDate(1, 0, 0),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t)
			in := validInput(env.site)
			in.Locale = tt.locale
			in.Region = tt.inRegion
			c, replay, err := env.svc.Record(context.Background(), in, tt.meta, nil)
			if err != nil {
				t.Fatalf("Record: %v %v", err, custos.ErrorFields(err))
			}
			if replay {
				t.Error("replay on a first request")
			}
			wantLocale := tt.locale
			if wantLocale == "" {
				wantLocale = "en"
			}
			want := &custos.Consent{
				ID:                  "consent-a",
				Site:                "shop",
				Subject:             testSubject,
				Choices:             in.Choices,
				Method:              custos.MethodCustom,
				ManifestFingerprint: env.site.Fingerprint(),
				Locale:              wantLocale,
				Region:              tt.wantRegion,
				Jurisdiction:        tt.jurisdiction,
				Mode:                tt.mode,
				NoticeVersion:       tt.notice,
				GPC:                 tt.meta.GPC,
				IPPrefix:            tt.ipPrefix,
				IssuedAt:            issued,
				ExpiresAt:           tt.expires,
			}
			if diff := cmp.Diff(want, c, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Receipt" }, cmp.Ignore())); diff != "" {
				t.Errorf("consent (-want +got):\n%s", diff)
			}
			if c.IssuedAt.Location() != time.UTC || c.IssuedAt.Nanosecond()%1000 != 0 {
				t.Errorf("IssuedAt %v is not UTC microseconds", c.IssuedAt)
			}

			// The receipt is signed and says exactly what the record says.
			r, err := VerifyReceipt(c.Receipt, env.svc.Signer.JWKS())
			if err != nil {
				t.Fatalf("receipt: %v", err)
			}
			wantR := ReceiptFor(c, "https://privacy.shop.example")
			if diff := cmp.Diff(&wantR, r); diff != "" {
				t.Errorf("receipt (-want +got):\n%s", diff)
			}
			if n, _ := env.store.CountConsents(context.Background()); n != 1 {
				t.Errorf("store holds %d consents, want 1", n)
			}
		})
	}
}

// TestRecordKeepsChoicesUnderGPC: the record reflects what was sent, with
// the signal noted, rather than a choice Custos made up.
func TestRecordKeepsChoicesUnderGPC(t *testing.T) {
	env := newTestEnv(t)
	in := validInput(env.site)
	in.Region = "US-CA"
	in.Method = custos.MethodAcceptAll
	in.Choices = map[string]bool{"necessary": true, "analytics": true, "marketing": true}
	c, _, err := env.svc.Record(context.Background(), in, Meta{GPC: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Choices["marketing"] || !c.GPC {
		t.Errorf("choices %v gpc %v, want marketing kept true and gpc recorded", c.Choices, c.GPC)
	}
}

func TestRecordInvalidWritesNothing(t *testing.T) {
	env := newTestEnv(t)
	in := validInput(env.site)
	in.Subject = "short"
	if _, _, err := env.svc.Record(context.Background(), in, Meta{}, nil); custos.ErrorCode(err) != custos.EINVALID {
		t.Fatalf("err = %v, want invalid", err)
	}
	if n, _ := env.store.CountConsents(context.Background()); n != 0 {
		t.Errorf("store holds %d consents after an invalid request", n)
	}
}

func TestRecordIdempotent(t *testing.T) {
	env := newTestEnv(t)
	in := validInput(env.site)
	idem := &custos.Idempotency{Key: "k1", Scope: "consents:shop", RequestHash: "h1"}
	first, replay, err := env.svc.Record(context.Background(), in, Meta{}, idem)
	if err != nil || replay {
		t.Fatalf("first: replay=%v err=%v", replay, err)
	}
	second, replay, err := env.svc.Record(context.Background(), in, Meta{}, idem)
	if err != nil || !replay {
		t.Fatalf("retry: replay=%v err=%v", replay, err)
	}
	if second.ID != first.ID || second.Receipt != first.Receipt {
		t.Errorf("retry returned %s, want the first consent %s", second.ID, first.ID)
	}
	other := *idem
	other.RequestHash = "h2"
	_, _, err = env.svc.Record(context.Background(), in, Meta{}, &other)
	if custos.ErrorCode(err) != custos.ECONFLICT {
		t.Fatalf("key reused for another body: err = %v, want conflict", err)
	}
	// The Service answers from its own look-up, before the store's
	// in-transaction check.
	if got, want := custos.ErrorMessage(err), "this Idempotency-Key was used for another request"; got != want {
		t.Errorf("conflict message = %q, want %q", got, want)
	}
	// The same key in another scope is another key.
	elsewhere := *idem
	elsewhere.Scope = "consents:blog"
	if c, replay, err := env.svc.Record(context.Background(), in, Meta{}, &elsewhere); err != nil || replay || c.ID == first.ID {
		t.Errorf("same key, other scope: replay=%v err=%v, want a new consent", replay, err)
	}
	if n, _ := env.store.CountConsents(context.Background()); n != 2 {
		t.Errorf("store holds %d consents, want 2", n)
	}
}

// TestRecordReplayAfterManifestChange: a retry is answered as the first
// request was even when the manifest changed in between, so that the request
// would now fail validation (its fingerprint is no longer current).
func TestRecordReplayAfterManifestChange(t *testing.T) {
	env := newTestEnv(t)
	in := validInput(env.site)
	idem := &custos.Idempotency{Key: "k1", Scope: "consents:shop", RequestHash: "h1"}
	first, _, err := env.svc.Record(context.Background(), in, Meta{}, idem)
	if err != nil {
		t.Fatal(err)
	}

	changed := []byte(strings.Replace(readTestManifest(t), "Counts visits with on-premise analytics.", "Counts visits.", 1))
	m, err := manifest.Parse("testdata/custos.yaml", changed)
	if err != nil {
		t.Fatalf("changed manifest: %v", err)
	}
	if m.Site("shop").Fingerprint() == in.ManifestFingerprint {
		t.Fatal("the change did not change the fingerprint; the test proves nothing")
	}
	env.svc.Manifest = func() *manifest.Manifest { return m }
	if _, err := env.svc.Validate(&in); custos.ErrorCode(err) != custos.EINVALID {
		t.Fatalf("the retried request still validates (err %v); the test proves nothing", err)
	}

	again, replay, err := env.svc.Record(context.Background(), in, Meta{}, idem)
	if err != nil || !replay {
		t.Fatalf("retry after a manifest change: replay=%v err=%v %v, want the first answer", replay, err, custos.ErrorFields(err))
	}
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("retry (-first +retry):\n%s", diff)
	}
	// Without the key the same request is refused as stale.
	if _, _, err := env.svc.Record(context.Background(), in, Meta{}, nil); custos.ErrorCode(err) != custos.EINVALID {
		t.Errorf("stale request without a key: err = %v, want invalid", err)
	}
	// A conflict is reported before validation too.
	other := *idem
	other.RequestHash = "h2"
	if _, _, err := env.svc.Record(context.Background(), in, Meta{}, &other); custos.ErrorCode(err) != custos.ECONFLICT {
		t.Errorf("other body after a manifest change: err = %v, want conflict", err)
	}
	if n, _ := env.store.CountConsents(context.Background()); n != 1 {
		t.Errorf("store holds %d consents, want 1", n)
	}
}

// TestRecordIdempotentLookupFails: a store error on the look-up is returned
// as it is, and nothing is recorded.
func TestRecordIdempotentLookupFails(t *testing.T) {
	env := newTestEnv(t)
	env.store.failErr = custos.Errorf(custos.EUNAVAILABLE, "down")
	idem := &custos.Idempotency{Key: "k1", Scope: "consents:shop", RequestHash: "h1"}
	if _, _, err := env.svc.Record(context.Background(), validInput(env.site), Meta{}, idem); custos.ErrorCode(err) != custos.EUNAVAILABLE {
		t.Errorf("err = %v, want the store's error", err)
	}
}

func TestRecordDefaults(t *testing.T) {
	env := newTestEnv(t)
	env.svc.Now = nil
	env.svc.NewID = nil
	before := time.Now()
	c, _, err := env.svc.Record(context.Background(), validInput(env.site), Meta{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.IssuedAt.Before(before.Add(-time.Second)) || c.IssuedAt.After(time.Now().Add(time.Second)) {
		t.Errorf("IssuedAt %v is not now", c.IssuedAt)
	}
	if !uuidV7RE.MatchString(c.ID) {
		t.Errorf("default id %q is not a UUIDv7", c.ID)
	}
}

var uuidV7RE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestNewUUIDv7(t *testing.T) {
	seen := map[string]bool{}
	prev := ""
	for i := range 1000 {
		id := newUUIDv7(testNow.Add(time.Duration(i) * time.Millisecond))
		if !uuidV7RE.MatchString(id) {
			t.Fatalf("%q is not a UUIDv7", id)
		}
		if seen[id] {
			t.Fatalf("duplicate id %s", id)
		}
		seen[id] = true
		// Ids of later milliseconds sort later, as strings too.
		if id <= prev {
			t.Fatalf("%s sorts before %s", id, prev)
		}
		prev = id
	}
	if got, want := newUUIDv7(time.UnixMilli(0x0123456789ab))[:13], "01234567-89ab"; got != want {
		t.Errorf("timestamp field = %s, want %s", got, want)
	}
}

// TestRecordDemo runs the package against the manifest Custos ships, so a
// change there that breaks recording shows up here too.
func TestRecordDemo(t *testing.T) {
	m := manifest.Demo()
	site := m.Site("demo")
	if site == nil {
		t.Fatal("demo manifest has no site demo")
	}
	svc := &Service{Store: &fakeStore{}, Signer: newTestSigner(t), Manifest: func() *manifest.Manifest { return m }}
	choices := map[string]bool{}
	for _, c := range site.Categories {
		choices[c.ID] = true
	}
	for _, region := range []string{"DE", "US-CA", ""} {
		in := custos.ConsentInput{Site: "demo", Subject: testSubject, Choices: choices,
			Method: custos.MethodAcceptAll, ManifestFingerprint: site.Fingerprint()}
		c, _, err := svc.Record(context.Background(), in, Meta{Region: region}, nil)
		if err != nil {
			t.Fatalf("%q: %v %v", region, err, custos.ErrorFields(err))
		}
		if want := site.Jurisdiction(region); c.Jurisdiction != want.ID || c.Mode != want.Mode {
			t.Errorf("%q: jurisdiction %s/%s, want %s/%s", region, c.Jurisdiction, c.Mode, want.ID, want.Mode)
		}
		if !c.ExpiresAt.After(c.IssuedAt) {
			t.Errorf("%q: expires %v, not after %v", region, c.ExpiresAt, c.IssuedAt)
		}
		if _, err := VerifyReceipt(c.Receipt, svc.Signer.JWKS()); err != nil {
			t.Errorf("%q: receipt: %v", region, err)
		}
	}
}
