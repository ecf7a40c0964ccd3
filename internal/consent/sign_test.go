package consent

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/custos-privacy/custos/internal/custos"
)

// RFC 8037 appendix A.1 (key), A.3 (thumbprint) and A.4 (signature).
// Matching them byte for byte shows that our JWS and kid are what any other
// JOSE implementation computes, which is the point of a verifiable receipt.
const (
	rfc8037D          = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
	rfc8037X          = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
	rfc8037Thumbprint = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
	rfc8037JWS        = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc." +
		"hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
)

func rfc8037Key(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	seed, err := base64.RawURLEncoding.DecodeString(rfc8037D)
	if err != nil {
		t.Fatal(err)
	}
	return ed25519.NewKeyFromSeed(seed)
}

func TestRFC8037Vectors(t *testing.T) {
	priv := rfc8037Key(t)
	s := NewSigner(priv)
	if got := s.PublicJWK().X; got != rfc8037X {
		t.Errorf("x = %s, want %s", got, rfc8037X)
	}
	if got := s.KeyID(); got != rfc8037Thumbprint {
		t.Errorf("thumbprint = %s, want %s (RFC 8037 A.3)", got, rfc8037Thumbprint)
	}
	got := signCompact(priv, []byte(`{"alg":"EdDSA"}`), []byte("Example of Ed25519 signing"))
	if got != rfc8037JWS {
		t.Errorf("JWS =\n%s\nwant (RFC 8037 A.4)\n%s", got, rfc8037JWS)
	}
}

func newTestSigner(t *testing.T) *Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return NewSigner(priv)
}

func testReceipt() Receipt {
	return Receipt{
		Version: 1, ID: "0190a6c4-0000-7000-8000-000000000001", Issuer: "https://privacy.example",
		Subject: "abcdefghijklmnop", IssuedAt: 1735689600, ExpiresAt: 1751414400,
		Site: "shop", Choices: map[string]bool{"necessary": true, "analytics": false},
		Method: custos.MethodCustom, Fingerprint: "0123456789abcdef0123456789abcdef",
		Locale: "en", Jurisdiction: "gdpr", Mode: "opt_in", Region: "DE", NoticeVersion: "2025-01", GPC: true,
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	s := newTestSigner(t)
	want := testReceipt()
	jws, err := s.Sign(want)
	if err != nil {
		t.Fatal(err)
	}
	header, _ := decodePart(t, jws, 0)
	if diff := cmp.Diff(map[string]any{"alg": "EdDSA", "kid": s.KeyID(), "typ": "custos-receipt+jwt"}, header); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	got, err := VerifyReceipt(jws, s.JWKS())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&want, got); diff != "" {
		t.Errorf("receipt (-want +got):\n%s", diff)
	}
}

// TestReceiptClaimNames pins the JSON names of the claims: verifiers outside
// Custos read them, so renaming one is a format change.
func TestReceiptClaimNames(t *testing.T) {
	b, err := json.Marshal(testReceipt())
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var names []string
	for k := range m {
		names = append(names, k)
	}
	want := []string{"ver", "jti", "iss", "sub", "iat", "exp", "site", "choices", "method", "fpr",
		"locale", "jurisdiction", "mode", "region", "notice_version", "gpc"}
	slices.Sort(want)
	slices.Sort(names)
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}
}

func decodePart(t *testing.T, jws string, i int) (map[string]any, []byte) {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(jws, ".")[i])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if i < 2 {
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
	}
	return m, raw
}

func enc(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func TestVerifyRejects(t *testing.T) {
	s := newTestSigner(t)
	other := newTestSigner(t)
	good, err := s.Sign(testReceipt())
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, ".")
	header, _ := decodePart(t, good, 0)
	payload, _ := decodePart(t, good, 1)
	_, sig := decodePart(t, good, 2)

	with := func(m map[string]any, k string, v any) map[string]any {
		c := map[string]any{}
		for kk, vv := range m {
			c[kk] = vv
		}
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	// signed returns a JWS over header h and payload p that really is
	// signed by s, to show that checks after the signature hold on their own.
	signed := func(h, p map[string]any) string {
		hb, _ := json.Marshal(h)
		pb, _ := json.Marshal(p)
		return signCompact(s.priv, hb, pb)
	}
	flipped := append([]byte(nil), sig...)
	flipped[10] ^= 0x01

	tests := []struct {
		name string
		jws  string
		want string // part of the error message
	}{
		{"tampered payload", parts[0] + "." + enc(with(payload, "choices", map[string]bool{"necessary": true, "analytics": true})) + "." + parts[2], "signature does not verify"},
		{"tampered header", enc(with(header, "typ", "JWT")) + "." + parts[1] + "." + parts[2], "type"},
		{"tampered header, same typ", enc(with(header, "x", "y")) + "." + parts[1] + "." + parts[2], "signature does not verify"},
		{"tampered signature", parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(flipped), "signature does not verify"},
		{"truncated signature", parts[0] + "." + parts[1] + "." + parts[2][:20], "signature is malformed"},
		{"alg none", enc(with(header, "alg", "none")) + "." + parts[1] + ".", `algorithm "none" not accepted`},
		{"alg HS256", enc(with(header, "alg", "HS256")) + "." + parts[1] + "." + parts[2], `algorithm "HS256" not accepted`},
		{"alg missing", enc(with(header, "alg", nil)) + "." + parts[1] + "." + parts[2], "algorithm"},
		{"unknown kid", enc(with(header, "kid", other.KeyID())) + "." + parts[1] + "." + parts[2], "unknown key"},
		{"no kid", enc(with(header, "kid", nil)) + "." + parts[1] + "." + parts[2], "no kid"},
		{"crit", signed(with(header, "crit", []string{"exp"}), payload), "critical"},
		{"two parts", parts[0] + "." + parts[1], "3 dot-separated parts"},
		{"header not base64", "%%%." + parts[1] + "." + parts[2], "header is not base64url"},
		{"header not JSON", base64.RawURLEncoding.EncodeToString([]byte("[1]")) + "." + parts[1] + "." + parts[2], "header is not a JSON object"},
		{"signed by another key under our kid", func() string {
			hb, _ := json.Marshal(header)
			return signCompact(other.priv, hb, []byte(`{}`))
		}(), "signature does not verify"},
		{"unknown claim", signed(header, with(payload, "ip", "203.0.0.0")), "shape"},
		{"version 2", signed(header, with(payload, "ver", 2)), "version 2"},
		{"no version", signed(header, with(payload, "ver", nil)), "no ver"},
		{"missing subject", signed(header, with(payload, "sub", nil)), "sub"},
		{"bad method", signed(header, with(payload, "method", "telepathy")), "method"},
		{"exp before iat", signed(header, with(payload, "exp", 1)), "exp"},
		{"payload not object", signCompactJSON(s, header, "[]"), "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := VerifyReceipt(tt.jws, s.JWKS())
			if err == nil {
				t.Fatalf("verified: %+v", r)
			}
			if custos.ErrorCode(err) != custos.EINVALID {
				t.Errorf("code = %s, want %s", custos.ErrorCode(err), custos.EINVALID)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}

func signCompactJSON(s *Signer, header map[string]any, payload string) string {
	hb, _ := json.Marshal(header)
	return signCompact(s.priv, hb, []byte(payload))
}

// TestVerifyKeyConstraints checks that a key restricted to another use or
// algorithm in the JWKS is not used, even when the signature is right.
func TestVerifyKeyConstraints(t *testing.T) {
	s := newTestSigner(t)
	jws, err := s.Sign(testReceipt())
	if err != nil {
		t.Fatal(err)
	}
	for _, mod := range []func(*JWK){
		func(k *JWK) { k.Use = "enc" },
		func(k *JWK) { k.Alg = "Ed448" },
		func(k *JWK) { k.Crv = "X25519" },
	} {
		k := s.PublicJWK()
		mod(&k)
		if _, err := VerifyReceipt(jws, JWKS{Keys: []JWK{k}}); err == nil {
			t.Errorf("verified with key %+v", k)
		}
	}
}

func TestRetiredKeys(t *testing.T) {
	old := newTestSigner(t)
	jws, err := old.Sign(testReceipt())
	if err != nil {
		t.Fatal(err)
	}
	current := newTestSigner(t)
	if _, err := VerifyReceipt(jws, current.JWKS()); err == nil {
		t.Fatal("old receipt verified before its key was added")
	}
	oldPub := old.priv.Public().(ed25519.PublicKey)
	for range 2 { // adding twice keeps one copy
		if err := current.AddRetired(oldPub); err != nil {
			t.Fatal(err)
		}
	}
	if err := current.AddRetired(current.priv.Public().(ed25519.PublicKey)); err != nil {
		t.Fatal(err)
	}
	if err := current.AddRetired(oldPub[:5]); err == nil {
		t.Error("AddRetired accepted a short key")
	}
	set := current.JWKS()
	if len(set.Keys) != 2 || set.Keys[0].Kid != current.KeyID() || set.Keys[1].Kid != old.KeyID() {
		t.Fatalf("JWKS = %+v, want current key then the retired one", set)
	}
	if _, err := VerifyReceipt(jws, set); err != nil {
		t.Errorf("receipt of a retired key: %v", err)
	}
}

func TestParseJWKS(t *testing.T) {
	s := newTestSigner(t)
	published, err := json.Marshal(s.JWKS())
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseJWKS(published)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s.JWKS(), got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}

	// A hand-written set without kid gets the thumbprint, and so matches.
	bare, err := ParseJWKS([]byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","x":"` + rfc8037X + `"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if bare.Keys[0].Kid != rfc8037Thumbprint {
		t.Errorf("kid = %q, want the thumbprint", bare.Keys[0].Kid)
	}

	for _, tt := range []struct{ name, in, want string }{
		{"not JSON", `keys`, "not a JSON key set"},
		{"no keys", `{"keys":[]}`, "no keys"},
		{"RSA", `{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}`, "keys[0]: kty"},
		{"wrong curve", `{"keys":[{"kty":"OKP","crv":"Ed448","x":"` + rfc8037X + `"}]}`, "crv"},
		{"short x", `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"AAAA"}]}`, "x is not"},
		{"private key", `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"` + rfc8037X + `","d":"` + rfc8037D + `"}]}`, "private key"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseJWKS([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	path := filepath.Join(dir, "receipt.pem")

	first, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if m := fi.Mode().Perm(); m != 0o600 {
		t.Errorf("key file mode = %v, want 0600", m)
	}
	di, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m := di.Mode().Perm(); m != 0o700 {
		t.Errorf("key dir mode = %v, want 0700", m)
	}
	content, _ := os.ReadFile(path)

	second, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if first.KeyID() != second.KeyID() {
		t.Errorf("second load has kid %s, first %s: the key was replaced", second.KeyID(), first.KeyID())
	}
	if again, _ := os.ReadFile(path); string(again) != string(content) {
		t.Error("the key file changed on the second load")
	}
	jws, err := first.Sign(testReceipt())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyReceipt(jws, second.JWKS()); err != nil {
		t.Errorf("receipt of the first load does not verify with the second: %v", err)
	}
	assertNoTempFiles(t, dir)
}

// TestLoadOrCreateKeyConcurrent starts many "nodes" at once on an empty
// directory: all must end up with the same single key.
func TestLoadOrCreateKeyConcurrent(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "receipt.pem")
	const n = 16
	kids := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			s, err := LoadOrCreateKey(path)
			errs[i] = err
			if err == nil {
				kids[i] = s.KeyID()
			}
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("start %d: %v", i, errs[i])
		}
		if kids[i] != kids[0] {
			t.Fatalf("start %d has kid %s, start 0 has %s", i, kids[i], kids[0])
		}
	}
	final, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if final.KeyID() != kids[0] {
		t.Errorf("key on disk %s is not the one the starts got (%s)", final.KeyID(), kids[0])
	}
	assertNoTempFiles(t, dir)
}

func assertNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only the key file", names)
	}
}

func TestLoadOrCreateKeyCorrupt(t *testing.T) {
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, err := x509.MarshalPKCS8PrivateKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM, err := newTestSigner(t).MarshalPublicPEM()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, content, want string
	}{
		{"empty", "", "not a PEM"},
		{"garbage", "this is not a key\n", "not a PEM"},
		{"public key only", string(pubPEM), "not a PEM"},
		{"bad DER", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2, 3}})), "PKCS#8"},
		{"ECDSA key", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER})), "not an Ed25519 key"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "receipt.pem")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := LoadOrCreateKey(path)
			if err == nil {
				t.Fatalf("loaded a key (kid %s) from a corrupt file", s.KeyID())
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("err = %v, want it to name the file and mention %q", err, tt.want)
			}
			if got, _ := os.ReadFile(path); string(got) != tt.content {
				t.Error("the corrupt file was modified")
			}
		})
	}
}

func TestReadPublicKeyFile(t *testing.T) {
	dir := t.TempDir()
	keyPath := filepath.Join(dir, "receipt.pem")
	s, err := LoadOrCreateKey(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := s.Sign(testReceipt())
	if err != nil {
		t.Fatal(err)
	}
	jwksJSON, _ := json.MarshalIndent(s.JWKS(), "", "  ")
	pubPEM, err := s.MarshalPublicPEM()
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tt := range []struct{ name, path string }{
		{"JWKS", write("jwks.json", append([]byte("\n"), jwksJSON...))},
		{"PEM public key", write("public.pem", pubPEM)},
		{"PEM private key file", keyPath},
	} {
		t.Run(tt.name, func(t *testing.T) {
			set, err := ReadPublicKeyFile(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if len(set.Keys) != 1 || set.Keys[0].Kid != s.KeyID() {
				t.Fatalf("keys = %+v, want the one key %s", set.Keys, s.KeyID())
			}
			if _, err := VerifyReceipt(jws, set); err != nil {
				t.Errorf("verify with keys from file: %v", err)
			}
		})
	}
	for _, tt := range []struct{ name, content string }{
		{"garbage", "hello"},
		{"certificate request", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: []byte{1}}))},
		{"bad JWKS", `{"keys":[]}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ReadPublicKeyFile(write(tt.name, []byte(tt.content))); err == nil {
				t.Error("no error")
			}
		})
	}
	if _, err := ReadPublicKeyFile(filepath.Join(dir, "absent")); err == nil {
		t.Error("no error for a missing file")
	}
}
