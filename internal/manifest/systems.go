package manifest

import (
	"slices"
	"time"
)

// Systems: where a site's personal data lives besides Custos itself, and
// how a data subject request reaches it (issue 6). A SQL system carries a
// Dataset that describes its tables; a webhook system is a processor's
// endpoint; a manual system is a checklist item for staff.

// System kinds.
const (
	SystemPostgres = "postgres"
	SystemMySQL    = "mysql" // MySQL and MariaDB
	SystemSQLite   = "sqlite"
	SystemWebhook  = "webhook"
	SystemManual   = "manual"
)

// SystemKinds lists the kinds of system.
var SystemKinds = []string{SystemPostgres, SystemMySQL, SystemSQLite, SystemWebhook, SystemManual}

// System roles.
const (
	RoleController = "controller"
	RoleProcessor  = "processor"
)

// System is one place that holds personal data of a site's visitors.
type System struct {
	ID   string `yaml:"id" json:"id"` // like other ids: [a-z0-9][a-z0-9_-]{0,63}, unique in the site
	Name string `yaml:"name" json:"name"`
	Kind string `yaml:"kind" json:"kind"` // one of SystemKinds
	Role string `yaml:"role" json:"role"` // controller or processor
	// Requests lists the request types the system takes part in (access,
	// portability, erasure, rectification, restriction, objection,
	// consent_withdrawal); information is answered from the manifest.
	Requests []string `yaml:"requests" json:"requests"`
	// Connection says where the DSN of a SQL system is read from; never
	// the DSN itself. Required for SQL kinds, refused for the others (a
	// webhook's secret is Webhook.Secret).
	Connection *Secret `yaml:"connection" json:"connection,omitempty"`
	// After names systems whose steps must finish before this one's: the
	// ordering hint across systems (an erasure in a CRM before the shop's).
	After []string `yaml:"after" json:"after,omitempty"`

	Dataset *Dataset `yaml:"dataset" json:"dataset,omitempty"` // SQL kinds
	Webhook *Webhook `yaml:"webhook" json:"webhook,omitempty"` // webhook kind
	// Instructions tell staff, per locale, what to do in a manual system.
	Instructions map[string]string `yaml:"instructions" json:"instructions,omitempty"`
}

// Secret is where a secret is read from at run time: an environment
// variable or a file. Exactly one is set.
type Secret struct {
	Env  string `yaml:"env" json:"env,omitempty"`
	File string `yaml:"file" json:"file,omitempty"`
}

// Webhook is a processor's endpoint for requests.
type Webhook struct {
	URL string `yaml:"url" json:"url"` // https, or http on loopback
	// Secret keys the HMAC-SHA256 signature of each delivery.
	Secret *Secret `yaml:"secret" json:"secret"`
	// Timeout of one delivery, at most 2m; Parse fills in the default,
	// DefaultWebhookTimeout.
	Timeout Duration `yaml:"timeout" json:"timeout,omitzero"`
}

// DefaultWebhookTimeout is the timeout of a webhook delivery when the
// manifest gives none.
var DefaultWebhookTimeout = Duration{Clock: 10 * time.Second}

// Dataset describes the tables of a SQL system that hold personal data.
type Dataset struct {
	Tables []*Table `yaml:"tables" json:"tables"`
}

// Identity kinds: what a request knows about the person to look them up.
const (
	IdentityEmail      = "email"
	IdentityPhone      = "phone"
	IdentityCustomerID = "customer_id"
	IdentityConsentID  = "consent_id"
)

// IdentityKinds lists the identity kinds.
var IdentityKinds = []string{IdentityEmail, IdentityPhone, IdentityCustomerID, IdentityConsentID}

// Erasure actions on a column or a row.
const (
	EraseDelete = "delete" // the row (table level only)
	EraseMask   = "mask"   // the row is kept, its columns erased as each says (table level only)
	EraseNull   = "null"
	EraseFixed  = "fixed"  // Erase.Value
	EraseRandom = "random" // a random value of the column's kind
	EraseHash   = "hash"   // keyed hash of the value: still joins, no longer readable
	EraseKeep   = "keep"   // not personal data, or kept (see DataCategory.LegalHold)
)

// Table is one table of a dataset.
type Table struct {
	Name       string   `yaml:"name" json:"name"`
	PrimaryKey []string `yaml:"primary_key" json:"primary_key"`
	// Identities maps an identity kind to the column that holds it: the
	// tables a walk starts from.
	Identities map[string]string `yaml:"identities" json:"identities,omitempty"`
	References []*Reference      `yaml:"references" json:"references,omitempty"`
	Columns    []*Column         `yaml:"columns" json:"columns"`
	// Erase is what an erasure does to the person's rows: delete them
	// (EraseDelete, the default, which Parse fills in) or mask their
	// columns as each says (EraseMask). A table with a column under a legal
	// hold is masked even when it says delete (internal/connector/sqlds).
	Erase string `yaml:"erase" json:"erase,omitempty"`
	// RestrictColumn, if set, is a boolean column a restriction sets; one
	// of Columns.
	RestrictColumn string `yaml:"restrict_column" json:"restrict_column,omitempty"`
}

// The columns of a table that the dataset names are those of its primary
// key and those it lists in Columns: Identities and RestrictColumn name
// listed columns (they hold personal data, so they have a data category);
// References' Columns and To name either. Primary key columns need not be
// listed: a surrogate key such as id is not personal data.

// Reference is a foreign key of the table: Columns point at To in Table.
// By default the row pointed at owns this row (an order belongs to its
// customer), so a walk goes from the referenced table to this one. With
// Owns, this row owns the row it points at (a customer's address row), and
// the walk goes the other way.
//
// Parse refuses a cycle of ownership (a table that owns itself, directly
// or through others), and a table no walk from a table with Identities
// reaches. The foreign keys may still make a cycle when Owns makes
// ownership go one way (customers.default_address_id with Owns, and
// addresses.customer_id): Owns is then the ordering hint, and an erasure
// clears the columns of the cycle's Owns references (sets them null)
// before it deletes rows.
type Reference struct {
	Columns []string `yaml:"columns" json:"columns"`
	Table   string   `yaml:"table" json:"table"`
	To      []string `yaml:"to" json:"to"`
	Owns    bool     `yaml:"owns" json:"owns,omitempty"`
}

// Column is one column of a table that matters to requests.
type Column struct {
	Name string `yaml:"name" json:"name"`
	// Category is the data category (DataCategory.ID) of what the column
	// holds; a category under a legal hold is left alone by erasures.
	Category string `yaml:"category" json:"category"`
	// Erase is what masking the table does to the column. Parse fills in
	// the default: keep for a primary key column and for a category under a
	// legal hold (which an erasure leaves alone), null otherwise.
	Erase *Erase `yaml:"erase" json:"erase,omitempty"`
	// Rectify: a rectification may set this column (not a primary key
	// column).
	Rectify bool `yaml:"rectify" json:"rectify,omitempty"`
}

// Erase is what masking does to a column.
type Erase struct {
	Action string `yaml:"action" json:"action"`         // null, fixed, random, hash, keep
	Value  string `yaml:"value" json:"value,omitempty"` // with fixed only
}

// System returns the system with id, or nil.
func (s *Site) System(id string) *System {
	for _, sys := range s.Systems {
		if sys.ID == id {
			return sys
		}
	}
	return nil
}

// IsSQL reports whether the system is a SQL database, described by a
// Dataset.
func (sys *System) IsSQL() bool { return isSQLKind(sys.Kind) }

func isSQLKind(kind string) bool {
	return kind == SystemPostgres || kind == SystemMySQL || kind == SystemSQLite
}

// Table returns the table with name, or nil.
func (d *Dataset) Table(name string) *Table {
	for _, t := range d.Tables {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// Column returns the listed column with name, or nil.
func (t *Table) Column(name string) *Column {
	for _, c := range t.Columns {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// InPrimaryKey reports whether column is part of the table's primary key.
func (t *Table) InPrimaryKey(column string) bool { return slices.Contains(t.PrimaryKey, column) }
