package custos

import "time"

// Audit actions.
const (
	AuditConsentRecorded = "consent.recorded"
	AuditManifestLoaded  = "manifest.loaded"  // a site's first manifest version
	AuditManifestChanged = "manifest.changed" // anything in a site's definition differs from its last version
)

// AuditEntry is one link of the hash-chained audit trail. It holds ids and
// hashes only, never personal data, so that erasing a person never breaks
// the chain.
type AuditEntry struct {
	Seq         int64     `json:"seq"`
	Time        time.Time `json:"time"`
	Actor       string    `json:"actor"`        // "system", "api", "banner", or a staff id
	Action      string    `json:"action"`       // one of the Audit* constants
	ObjectType  string    `json:"object_type"`  // "consent", "manifest", ...
	ObjectID    string    `json:"object_id"`    // id of the object, never a name or e-mail
	DetailsHash string    `json:"details_hash"` // hex SHA-256 of the object's canonical content
	PrevHash    string    `json:"prev_hash"`    // hex; 64 zeros for the first entry
	Hash        string    `json:"hash"`         // hex SHA-256 over the fields above
}

// ManifestVersion records a manifest as it was loaded for one site.
type ManifestVersion struct {
	ID          int64     `json:"id"`
	Site        string    `json:"site"`
	Fingerprint string    `json:"fingerprint"`  // what matters to consent; a change asks visitors again
	ContentHash string    `json:"content_hash"` // hex SHA-256 over the site's whole definition; a change is a new version
	Source      string    `json:"source"`       // file path or "demo"
	Content     []byte    `json:"-"`            // the YAML as loaded
	LoadedAt    time.Time `json:"loaded_at"`
}
