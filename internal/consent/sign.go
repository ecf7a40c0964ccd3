package consent

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/custos-privacy/custos/internal/custos"
)

// JWS parameters of a receipt. Receipts are JWS compact serialisations
// (RFC 7515) signed with Ed25519 under the "EdDSA" algorithm name of
// RFC 8037.
const (
	AlgEdDSA    = "EdDSA"
	ReceiptType = "custos-receipt+jwt"
)

// b64 is base64url without padding, as JOSE requires. Decoding is strict
// (no stray bits in the last character) so that one signature has exactly
// one encoding.
var b64 = base64.RawURLEncoding.Strict()

// JWK is an Ed25519 public key as a JSON Web Key (RFC 7517, RFC 8037).
type JWK struct {
	Kty string `json:"kty"`           // "OKP"
	Crv string `json:"crv"`           // "Ed25519"
	X   string `json:"x"`             // base64url public key, 32 bytes
	Kid string `json:"kid,omitempty"` // RFC 7638 thumbprint
	Use string `json:"use,omitempty"` // "sig"
	Alg string `json:"alg,omitempty"` // "EdDSA"
}

// JWKS is a JSON Web Key Set: the keys receipts can be verified with.
type JWKS struct {
	Keys []JWK `json:"keys"`
}

// Signer signs receipts with one Ed25519 key and publishes that key, and
// any retired keys added with AddRetired, for verification. It is safe for
// concurrent use.
type Signer struct {
	priv   ed25519.PrivateKey
	jwk    JWK
	header []byte // the base64url JWS header: the same for every receipt, so encoded once

	mu      sync.RWMutex
	retired []JWK // verification only; never used to sign
}

// NewSigner returns a Signer for priv.
func NewSigner(priv ed25519.PrivateKey) *Signer {
	pub := priv.Public().(ed25519.PublicKey)
	s := &Signer{priv: priv, jwk: publicJWK(pub)}
	h, err := json.Marshal(jwsHeader{Alg: AlgEdDSA, Kid: s.jwk.Kid, Typ: ReceiptType})
	if err != nil {
		panic("consent: encoding the JWS header: " + err.Error()) // three constant strings
	}
	s.header = b64.AppendEncode(nil, h)
	return s
}

// KeyID returns the kid of the signing key: its RFC 7638 thumbprint, so the
// same key always has the same id on every node without any coordination.
func (s *Signer) KeyID() string { return s.jwk.Kid }

// PublicJWK returns the public half of the signing key.
func (s *Signer) PublicJWK() JWK { return s.jwk }

// AddRetired adds a key that no longer signs but whose receipts must still
// verify, e.g. after a key rotation. Adding the current key or a key
// already present does nothing.
func (s *Signer) AddRetired(pub ed25519.PublicKey) error {
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("retired key: want %d bytes, got %d", ed25519.PublicKeySize, len(pub))
	}
	k := publicJWK(pub)
	s.mu.Lock()
	defer s.mu.Unlock()
	if k.Kid == s.jwk.Kid || slices.ContainsFunc(s.retired, func(r JWK) bool { return r.Kid == k.Kid }) {
		return nil
	}
	s.retired = append(s.retired, k)
	return nil
}

// JWKS returns the signing key followed by the retired keys.
func (s *Signer) JWKS() JWKS {
	s.mu.RLock()
	defer s.mu.RUnlock()
	keys := make([]JWK, 0, 1+len(s.retired))
	keys = append(keys, s.jwk)
	keys = append(keys, s.retired...)
	return JWKS{Keys: keys}
}

// jwsHeader is the protected header. The field order is the order of the
// encoded JSON, so a Signer's headers are byte-for-byte stable.
type jwsHeader struct {
	Alg  string          `json:"alg"`
	Kid  string          `json:"kid,omitempty"`
	Typ  string          `json:"typ,omitempty"`
	Crit json.RawMessage `json:"crit,omitempty"` // only read, to refuse it
}

// Sign returns a compact JWS over json.Marshal(claims).
func (s *Signer) Sign(claims any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("sign: encode claims: %w", err)
	}
	return compact(s.priv, s.header, payload), nil
}

// signCompact is the bare JWS compact serialisation of any header, kept
// apart from the header Custos uses so that it can be checked against
// RFC 8037 A.4.
func signCompact(priv ed25519.PrivateKey, header, payload []byte) string {
	return compact(priv, b64.AppendEncode(nil, header), payload)
}

// compact builds header.payload.signature in one buffer: it runs once per
// recorded consent.
func compact(priv ed25519.PrivateKey, encodedHeader, payload []byte) string {
	const sigLen = 86 // base64url of 64 bytes, unpadded
	buf := make([]byte, 0, len(encodedHeader)+1+b64.EncodedLen(len(payload))+1+sigLen)
	buf = append(buf, encodedHeader...)
	buf = append(buf, '.')
	buf = b64.AppendEncode(buf, payload)
	sig := ed25519.Sign(priv, buf)
	buf = append(buf, '.')
	buf = b64.AppendEncode(buf, sig)
	return string(buf)
}

// invalid returns the error VerifyReceipt and friends return: EINVALID with
// a message safe to show, since none of them contains personal data.
func invalid(format string, args ...any) error {
	return custos.Errorf(custos.EINVALID, "receipt: "+format, args...)
}

// VerifyReceipt checks a receipt against keys and returns its claims. It
// accepts only alg EdDSA (so "none" and algorithm confusion are refused),
// requires a kid found in keys, checks the signature, and checks that the
// payload is a version 1 receipt with every required claim.
//
// An expired receipt still verifies: exp says until when the choice stands,
// not until when the proof of it is valid. Callers that care compare
// ExpiresAt themselves.
func VerifyReceipt(jws string, keys JWKS) (*Receipt, error) {
	parts := strings.Split(strings.TrimSpace(jws), ".")
	if len(parts) != 3 {
		return nil, invalid("not a JWS compact serialisation (want 3 dot-separated parts, got %d)", len(parts))
	}
	rawHeader, err := b64.DecodeString(parts[0])
	if err != nil {
		return nil, invalid("header is not base64url")
	}
	var h jwsHeader
	if err := json.Unmarshal(rawHeader, &h); err != nil {
		return nil, invalid("header is not a JSON object")
	}
	if h.Alg != AlgEdDSA {
		return nil, invalid("algorithm %q not accepted; want %q", truncate(h.Alg, 16), AlgEdDSA)
	}
	if h.Typ != "" && h.Typ != ReceiptType {
		return nil, invalid("type %q is not %q", truncate(h.Typ, 32), ReceiptType)
	}
	if h.Crit != nil {
		return nil, invalid("critical header parameters are not supported")
	}
	if h.Kid == "" {
		return nil, invalid("header has no kid")
	}
	var key *JWK
	for i := range keys.Keys {
		if keys.Keys[i].Kid == h.Kid {
			key = &keys.Keys[i]
			break
		}
	}
	if key == nil {
		return nil, invalid("signed by unknown key %q", truncate(h.Kid, 64))
	}
	pub, err := key.PublicKey()
	if err != nil {
		return nil, invalid("key %q: %v", key.Kid, err)
	}
	if key.Alg != "" && key.Alg != AlgEdDSA || key.Use != "" && key.Use != "sig" {
		return nil, invalid("key %q is not for EdDSA signatures", key.Kid)
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, invalid("signature is malformed")
	}
	if !ed25519.Verify(pub, []byte(parts[0]+"."+parts[1]), sig) {
		return nil, invalid("signature does not verify")
	}
	payload, err := b64.DecodeString(parts[1])
	if err != nil {
		return nil, invalid("payload is not base64url")
	}
	return parseReceipt(payload)
}

// PublicKey decodes k, which must be an Ed25519 key.
func (k JWK) PublicKey() (ed25519.PublicKey, error) {
	if k.Kty != "OKP" {
		return nil, fmt.Errorf("kty %q is not OKP", truncate(k.Kty, 16))
	}
	if k.Crv != "Ed25519" {
		return nil, fmt.Errorf("crv %q is not Ed25519", truncate(k.Crv, 16))
	}
	x, err := b64.DecodeString(k.X)
	if err != nil || len(x) != ed25519.PublicKeySize {
		return nil, errors.New("x is not a base64url Ed25519 public key")
	}
	return ed25519.PublicKey(x), nil
}

// Thumbprint returns the RFC 7638 thumbprint of an Ed25519 public key: the
// base64url SHA-256 of the required members in lexicographic order, with no
// whitespace (RFC 8037 section 2).
func Thumbprint(pub ed25519.PublicKey) string {
	canon := `{"crv":"Ed25519","kty":"OKP","x":"` + b64.EncodeToString(pub) + `"}`
	sum := sha256.Sum256([]byte(canon))
	return b64.EncodeToString(sum[:])
}

func publicJWK(pub ed25519.PublicKey) JWK {
	return JWK{Kty: "OKP", Crv: "Ed25519", X: b64.EncodeToString(pub), Kid: Thumbprint(pub), Use: "sig", Alg: AlgEdDSA}
}

// ParseJWKS parses a JSON Web Key Set. Every key must be an Ed25519 public
// key; a key without kid gets its thumbprint, which is what Custos uses as
// kid, so a hand-written set still matches receipts.
func ParseJWKS(data []byte) (JWKS, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return JWKS{}, fmt.Errorf("jwks: not a JSON key set: %w", err)
	}
	if len(set.Keys) == 0 {
		return JWKS{}, errors.New("jwks: no keys")
	}
	out := JWKS{Keys: make([]JWK, 0, len(set.Keys))}
	for i, raw := range set.Keys {
		var k JWK
		if err := json.Unmarshal(raw, &k); err != nil {
			return JWKS{}, fmt.Errorf("jwks: keys[%d]: %w", i, err)
		}
		if bytes.Contains(raw, []byte(`"d"`)) {
			// A private key in a public set is a leak waiting to happen;
			// refuse it rather than quietly ignore the private part.
			var priv struct {
				D *string `json:"d"`
			}
			if json.Unmarshal(raw, &priv) == nil && priv.D != nil {
				return JWKS{}, fmt.Errorf("jwks: keys[%d] holds a private key; publish only public keys", i)
			}
		}
		pub, err := k.PublicKey()
		if err != nil {
			return JWKS{}, fmt.Errorf("jwks: keys[%d]: %w", i, err)
		}
		if k.Kid == "" {
			k.Kid = Thumbprint(pub)
		}
		out.Keys = append(out.Keys, k)
	}
	return out, nil
}

// pemPrivateType is the PEM block type of a PKCS#8 private key.
const pemPrivateType = "PRIVATE KEY"

// LoadOrCreateKey returns a Signer for the PKCS#8 PEM private key at path,
// creating the key (mode 0600, in a directory created 0700) if the file does
// not exist. A file that exists but is not a usable Ed25519 key is an
// error: replacing it would silently invalidate every receipt signed so far.
//
// The key is written to a temporary file in the same directory and then
// hard-linked to path, which fails if path already exists; so when several
// processes start at once, exactly one key wins, every process ends up with
// it, and no process ever reads a half-written file.
func LoadOrCreateKey(path string) (*Signer, error) {
	s, err := loadKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return s, err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("key file: generate: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("key file: encode: %w", err)
	}
	data := pem.EncodeToMemory(&pem.Block{Type: pemPrivateType, Bytes: der})
	if err := createExclusive(path, data); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return loadKey(path) // another process won the race; use its key
		}
		return nil, fmt.Errorf("key file: %w", err)
	}
	return NewSigner(priv), nil
}

// createExclusive writes data to path durably, failing with fs.ErrExist if
// path exists.
func createExclusive(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*") // mode 0600
	if err != nil {
		return err
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName) // after the link, this removes only the temporary name
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Link(tmpName, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return err
		}
		// Some filesystems have no hard links. O_EXCL still guarantees a
		// single winner; a concurrent reader could see a short file for a
		// moment and would then report it as corrupt rather than replace it.
		f, err2 := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err2 != nil {
			return err2
		}
		if _, err2 = f.Write(data); err2 == nil {
			err2 = f.Sync()
		}
		if cerr := f.Close(); err2 == nil {
			err2 = cerr
		}
		if err2 != nil {
			return err2
		}
	}
	// Make the new directory entry durable too.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// loadKey reads the private key at path; the error wraps fs.ErrNotExist
// only when the file does not exist.
func loadKey(path string) (*Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	priv, err := parsePrivatePEM(data)
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w (the file is kept as it is; restore it from a backup, or move it away to create a new key, which makes receipts signed with the old key unverifiable unless it is kept as a retired key)", path, err)
	}
	return NewSigner(priv), nil
}

func parsePrivatePEM(data []byte) (ed25519.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != pemPrivateType {
		return nil, errors.New("not a PEM \"PRIVATE KEY\" block")
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("not a PKCS#8 private key: %w", err)
	}
	priv, ok := key.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("a %T, not an Ed25519 key", key)
	}
	return priv, nil
}

// ReadPublicKeyFile reads the keys to verify receipts with from a JWKS JSON
// file, a PEM public key ("PUBLIC KEY", PKIX), or the PEM private key file
// of LoadOrCreateKey (of which only the public half is used). A PEM file may
// hold several keys.
func ReadPublicKeyFile(path string) (JWKS, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return JWKS{}, err
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		set, err := ParseJWKS(trimmed)
		if err != nil {
			return JWKS{}, fmt.Errorf("%s: %w", path, err)
		}
		return set, nil
	}
	var set JWKS
	rest := trimmed
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		var pub ed25519.PublicKey
		switch block.Type {
		case "PUBLIC KEY":
			key, err := x509.ParsePKIXPublicKey(block.Bytes)
			if err != nil {
				return JWKS{}, fmt.Errorf("%s: %w", path, err)
			}
			var ok bool
			if pub, ok = key.(ed25519.PublicKey); !ok {
				return JWKS{}, fmt.Errorf("%s: a %T, not an Ed25519 key", path, key)
			}
		case pemPrivateType:
			priv, err := parsePrivatePEM(pem.EncodeToMemory(block))
			if err != nil {
				return JWKS{}, fmt.Errorf("%s: %w", path, err)
			}
			pub = priv.Public().(ed25519.PublicKey)
		default:
			return JWKS{}, fmt.Errorf("%s: PEM block %q is not a key this program reads", path, block.Type)
		}
		set.Keys = append(set.Keys, publicJWK(pub))
	}
	if len(set.Keys) == 0 {
		return JWKS{}, fmt.Errorf("%s: neither a JWKS JSON file nor a PEM key", path)
	}
	return set, nil
}

// MarshalPublicPEM returns the PEM ("PUBLIC KEY", PKIX) form of the signing
// key, for operators who want to hand a verifier a key file.
func (s *Signer) MarshalPublicPEM() ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(s.priv.Public())
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// truncate shortens s for an error message, keeping valid UTF-8.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
