package custos

import "context"

// ConsentStore is the consent ledger. It is append-only: there is no update
// of a recorded consent, and the only delete is an erasure requested by the
// person (RequestStore.ApplyRequestChange with an Erasure), which records
// the erased ids so that the ledger still adds up against the audit trail.
type ConsentStore interface {
	// RecordConsent appends c (with its signed receipt) and its audit entry in
	// one durable transaction; it returns only once both are on disk. Calls
	// from many goroutines are grouped into shared commits.
	//
	// If idem is not nil and its key was seen before in the same scope, nothing
	// is written: RecordConsent returns the consent the first request created
	// and replay=true, or an ECONFLICT error if the request hash differs.
	RecordConsent(ctx context.Context, c *Consent, idem *Idempotency) (stored *Consent, replay bool, err error)

	// Idempotent returns what an earlier request with this Idempotency-Key
	// created in scope: the hash of that request and its consent. It returns
	// an ENOTFOUND error for a key not seen. Callers look the key up before
	// validating, so that a retry is answered as the first request was even
	// if the manifest has changed since.
	Idempotent(ctx context.Context, scope, key string) (requestHash string, c *Consent, err error)

	// Consent returns one record by id (ENOTFOUND if absent).
	Consent(ctx context.Context, id string) (*Consent, error)
	// ConsentState returns the latest record of subject on site (ENOTFOUND if none).
	ConsentState(ctx context.Context, site, subject string) (*Consent, error)
	// ConsentHistory returns every record of subject on site, oldest first.
	ConsentHistory(ctx context.Context, site, subject string) ([]*Consent, error)
	// CountConsents returns the number of ledger rows (for tests and metrics).
	CountConsents(ctx context.Context) (int64, error)
	// WalkLedger calls fn for every consent in the order it was recorded,
	// with the audit entry that recorded it (nil if there is none), so that
	// the ledger can be checked against the chain. It streams; a non-nil
	// error from fn stops the walk and is returned.
	WalkLedger(ctx context.Context, fn func(c *Consent, e *AuditEntry) error) error
}

// AuditStore gives access to the audit trail.
type AuditStore interface {
	// AppendAudit appends one entry in its own transaction, computing Seq,
	// PrevHash and Hash. Entries written together with a state change are
	// appended by that change's own method instead.
	AppendAudit(ctx context.Context, e *AuditEntry) error
	// AuditEntries calls fn for each entry in Seq order; a non-nil error from
	// fn stops the walk and is returned.
	AuditEntries(ctx context.Context, fn func(*AuditEntry) error) error
	// AuditHead returns the Seq and Hash of the last entry as recorded in the
	// chain head, so that removing the newest entries is caught too.
	AuditHead(ctx context.Context) (seq int64, hash string, err error)
}

// ManifestStore keeps the history of manifests loaded.
type ManifestStore interface {
	// RecordManifest stores v if its ContentHash differs from the site's
	// latest version, with a manifest.loaded (the site's first version) or
	// manifest.changed audit entry in the same transaction. It reports
	// whether anything was written.
	RecordManifest(ctx context.Context, v *ManifestVersion) (changed bool, err error)
	ManifestVersions(ctx context.Context, site string) ([]*ManifestVersion, error)
}
