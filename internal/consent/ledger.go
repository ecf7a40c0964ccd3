package consent

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"github.com/custos-privacy/custos/internal/audit"
	"github.com/custos-privacy/custos/internal/custos"
)

// LedgerError names the first consent found not to match its audit entry or
// its receipt. Reason names what differs, never a value: subjects and
// choices are personal data, and the error is printed and logged.
type LedgerError struct {
	ConsentID string
	AuditSeq  int64 // the audit entry the consent points at; 0 if it has none
	Reason    string
}

func (e *LedgerError) Error() string {
	if e.AuditSeq == 0 {
		return fmt.Sprintf("consent %s: %s", e.ConsentID, e.Reason)
	}
	return fmt.Sprintf("consent %s (audit entry %d): %s", e.ConsentID, e.AuditSeq, e.Reason)
}

// VerifyLedger checks every consent of the ledger, in the order recorded,
// against the audit entry that recorded it and against its own receipt:
//
//   - the entry exists, is a consent.recorded entry for this consent's id,
//     and its details_hash is the hash of the stored receipt, so a receipt
//     swapped for another (even a validly signed one) is caught;
//   - the receipt verifies against keys (when keys is empty the signature is
//     not checked, but the claims still are);
//   - the receipt's claims equal the stored columns, so a column changed in
//     the database is caught.
//
// It returns the number of consents that passed, and at the first one that
// does not, a *LedgerError. Together with audit.Verify (which proves the
// chain, and with it every details_hash, unchanged) this shows the ledger
// is as recorded. It cannot see a consent deleted together with nothing
// else: the caller compares the number of consent.recorded entries of the
// audit trail with n for that.
func VerifyLedger(ctx context.Context, st custos.ConsentStore, keys JWKS) (n int64, err error) {
	err = st.WalkLedger(ctx, func(c *custos.Consent, e *custos.AuditEntry) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if reason := checkLedgerRow(c, e, keys); reason != "" {
			le := &LedgerError{ConsentID: c.ID, Reason: reason}
			if e != nil {
				le.AuditSeq = e.Seq
			}
			return le
		}
		n++
		return nil
	})
	return n, err
}

// checkLedgerRow returns what is wrong with c and e, or "".
func checkLedgerRow(c *custos.Consent, e *custos.AuditEntry, keys JWKS) string {
	switch {
	case e == nil:
		return "no audit entry recorded it"
	case e.Action != custos.AuditConsentRecorded:
		return fmt.Sprintf("its audit entry is a %s entry, not %s", e.Action, custos.AuditConsentRecorded)
	case e.ObjectType != "consent" || e.ObjectID != c.ID:
		return "its audit entry is about another object"
	case e.DetailsHash != audit.DetailsHash([]byte(c.Receipt)):
		return "the stored receipt is not the one the audit entry hashed"
	}
	var (
		r   *Receipt
		err error
	)
	if len(keys.Keys) == 0 {
		r, err = receiptClaims(c.Receipt)
	} else {
		r, err = VerifyReceipt(c.Receipt, keys)
	}
	if err != nil {
		return custos.ErrorMessage(err)
	}
	if diff := receiptDiff(r, c); len(diff) > 0 {
		return "stored columns differ from the receipt: " + strings.Join(diff, ", ")
	}
	return ""
}

// receiptDiff names the stored columns of c whose values differ from the
// claims of r.
func receiptDiff(r *Receipt, c *custos.Consent) []string {
	var diff []string
	for _, f := range []struct {
		name string
		same bool
	}{
		{"id", r.ID == c.ID},
		{"site", r.Site == c.Site},
		{"subject", r.Subject == c.Subject},
		{"choices", maps.Equal(r.Choices, c.Choices)},
		{"method", r.Method == c.Method},
		{"manifest_fingerprint", r.Fingerprint == c.ManifestFingerprint},
		{"locale", r.Locale == c.Locale},
		{"jurisdiction", r.Jurisdiction == c.Jurisdiction},
		{"mode", r.Mode == c.Mode},
		{"region", r.Region == c.Region},
		{"notice_version", r.NoticeVersion == c.NoticeVersion},
		{"gpc", r.GPC == c.GPC},
		{"issued_at", r.IssuedAt == c.IssuedAt.Unix()},
		{"expires_at", r.ExpiresAt == c.ExpiresAt.Unix()},
	} {
		if !f.same {
			diff = append(diff, f.name)
		}
	}
	return diff
}

// receiptClaims decodes and checks the claims of a receipt without checking
// its signature, for a verifier that has no key.
func receiptClaims(jws string) (*Receipt, error) {
	parts := strings.Split(strings.TrimSpace(jws), ".")
	if len(parts) != 3 {
		return nil, invalid("not a JWS compact serialisation (want 3 dot-separated parts, got %d)", len(parts))
	}
	payload, err := b64.DecodeString(parts[1])
	if err != nil {
		return nil, invalid("payload is not base64url")
	}
	return parseReceipt(payload)
}
