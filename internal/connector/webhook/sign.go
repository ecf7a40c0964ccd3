package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// Headers of a delivery and of a callback.
const (
	// SignatureHeader carries the timestamp and signature(s) of the body:
	// "t=<unix seconds>,v1=<hex HMAC-SHA256>".
	SignatureHeader = "Custos-Signature"
	// DeliveryHeader repeats the delivery's id (the body's "id", which the
	// signature covers) for logs and routing.
	DeliveryHeader = "Custos-Delivery"
)

// DefaultTolerance is how far a signature's timestamp may be from the
// verifier's clock, before or after, when Verify is given no tolerance.
const DefaultTolerance = 5 * time.Minute

// Limits of a signature header: a timestamp of at most 19 digits, at most
// maxSignatures v1 signatures (secret rotation needs two), at most
// maxHeaderLen bytes in all.
const (
	maxSignatures = 8
	maxHeaderLen  = 2048
)

// Sign returns the value of the Custos-Signature header for body, sent at
// t: "t=<t in unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with
// secret>". To sign with several secrets (while rotating one), join the
// v1 parts: "t=…,v1=…,v1=…".
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

// mac is HMAC-SHA256(secret, ts + "." + body).
func mac(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks header, the value of a Custos-Signature header, against
// body: one of its v1 signatures must be the HMAC-SHA256 of "<t>.<body>"
// keyed with secret (compared in constant time), and its timestamp t must
// be within tolerance of now, before or after (DefaultTolerance if
// tolerance is not positive). Parts other than t and v1 are ignored; a
// header may carry several v1 signatures, made with the old and the new
// secret while one is rotated.
//
// The error is an *Error of kind ErrSignature (no header, a malformed one,
// no signature that matches) or ErrExpired (the signature matches but the
// timestamp is too old or too far in the future). Verify does not look for
// replays: see ReplayGuard, ParseDelivery and ParseCallback.
func Verify(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	_, err := verify("verify", secret, header, body, now, tolerance)
	return err
}

// verify is Verify, returning the signed timestamp.
func verify(op string, secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) (time.Time, error) {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	if len(secret) == 0 {
		return time.Time{}, newError(op, ErrInvalid, "no secret to verify with")
	}
	bad := func(reason string) (time.Time, error) {
		return time.Time{}, newError(op, ErrSignature, reason)
	}
	if header == "" {
		return bad("no " + SignatureHeader + " header")
	}
	if len(header) > maxHeaderLen {
		return bad(SignatureHeader + " header too long")
	}
	var ts string
	var sigs [][]byte
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return bad("malformed " + SignatureHeader + " header")
		}
		switch k {
		case "t":
			if ts != "" {
				return bad("two timestamps in the " + SignatureHeader + " header")
			}
			if !digits(v) || len(v) > 19 {
				return bad("malformed timestamp in the " + SignatureHeader + " header")
			}
			ts = v
		case "v1":
			if len(sigs) == maxSignatures {
				return bad("too many signatures in the " + SignatureHeader + " header")
			}
			if s, err := hex.DecodeString(v); err == nil && len(s) == sha256.Size {
				sigs = append(sigs, s)
			}
		}
	}
	if ts == "" {
		return bad("no timestamp in the " + SignatureHeader + " header")
	}
	if len(sigs) == 0 {
		return bad("no v1 signature in the " + SignatureHeader + " header")
	}
	want := mac(secret, ts, body)
	match := false
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			match = true
		}
	}
	if !match {
		return bad("signature mismatch")
	}
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return bad("malformed timestamp in the " + SignatureHeader + " header")
	}
	t := time.Unix(n, 0)
	switch d := now.Sub(t); {
	case d > tolerance:
		return t, newError(op, ErrExpired, "timestamp too old (more than "+tolerance.String()+" ago)")
	case d < -tolerance:
		return t, newError(op, ErrExpired, "timestamp in the future (more than "+tolerance.String()+" ahead)")
	}
	return t, nil
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
