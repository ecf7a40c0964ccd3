// Package shop is the example web shop the connectors are tested and
// benchmarked against: the manifest's description of its tables
// (customers with their addresses, orders and their lines, payments under
// a legal hold, newsletter subscriptions, support tickets and their
// messages), shared by the tests of package sqlds and by
// cmd/custos-connectorbench so that both measure the same thing.
//
// The dataset is complete, as a manifest must describe it (see
// Manifest): besides the columns that hold personal data, each table lists
// the columns its identities, its references and its restriction flag
// name. Those were left out once, as the engine reads them anyway; listed,
// they are part of what an access request returns, and each says
// erase: keep, so that an erasure leaves them as it did when they were not
// listed (a masked order keeps its customer, a kept payment its order).
package shop

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/custos-privacy/custos/internal/manifest"
)

// Dataset is the manifest's description of the shop. Each call returns a
// new copy, which the caller may change.
func Dataset() *manifest.Dataset {
	col := func(name, category string, erase *manifest.Erase, rectify bool) *manifest.Column {
		return &manifest.Column{Name: name, Category: category, Erase: erase, Rectify: rectify}
	}
	act := func(action, value string) *manifest.Erase { return &manifest.Erase{Action: action, Value: value} }
	// keep is a new Erase for each column: a caller may change one.
	keep := func() *manifest.Erase { return act(manifest.EraseKeep, "") }
	// id is a key column listed because a reference or an identity names
	// it: an identifier, left alone by an erasure (a primary key column is
	// anyway). restricted is a restrict_column: a restriction sets it, an
	// erasure leaves it (it is NOT NULL).
	id := func(name string) *manifest.Column { return col(name, "user.unique_id", keep(), false) }
	restricted := func() *manifest.Column { return col("restricted", "user.privacy_preferences", keep(), false) }
	return &manifest.Dataset{Tables: []*manifest.Table{
		{
			Name:       "customers",
			PrimaryKey: []string{"id"},
			Identities: map[string]string{"email": "email", "phone": "phone", "customer_id": "id"},
			References: []*manifest.Reference{{Columns: []string{"address_id"}, Table: "addresses", To: []string{"id"}, Owns: true}},
			Columns: []*manifest.Column{
				col("email", "user.contact.email", act(manifest.EraseHash, ""), true),
				col("phone", "user.contact.phone", nil, true),
				col("name", "user.name", act(manifest.EraseFixed, "Erased"), true),
				col("address_id", "user.contact.address", nil, false),
				col("created_at", "system.operations", keep(), false),
				id("id"), // the customer_id identity
				restricted(),
			},
			RestrictColumn: "restricted",
		},
		{
			Name:       "addresses",
			PrimaryKey: []string{"id"},
			Columns: []*manifest.Column{
				col("street", "user.contact.address", nil, true),
				col("city", "user.contact.address", nil, true),
				col("postcode", "user.contact.address", nil, true),
				col("country", "user.contact.address", keep(), true),
			},
		},
		{
			Name:       "orders",
			PrimaryKey: []string{"id"},
			References: []*manifest.Reference{
				{Columns: []string{"customer_id"}, Table: "customers", To: []string{"id"}},
				{Columns: []string{"shipping_address_id"}, Table: "addresses", To: []string{"id"}, Owns: true},
			},
			Columns: []*manifest.Column{
				col("shipping_name", "user.name", nil, false),
				col("shipping_address_id", "user.contact.address", nil, false),
				col("note", "user.content", act(manifest.EraseRandom, ""), false),
				col("total", "user.purchase", keep(), false),
				col("placed_at", "user.purchase", keep(), false),
				id("customer_id"),
			},
		},
		{
			Name:       "order_lines",
			PrimaryKey: []string{"order_id", "line_no"},
			References: []*manifest.Reference{{Columns: []string{"order_id"}, Table: "orders", To: []string{"id"}}},
			Columns: []*manifest.Column{
				col("product", "user.purchase", nil, false),
				col("quantity", "user.purchase", nil, false),
				col("price", "user.purchase", nil, false),
				col("gift_message", "user.content", nil, false),
			},
		},
		{
			Name:       "payments",
			PrimaryKey: []string{"id"},
			References: []*manifest.Reference{{Columns: []string{"order_id"}, Table: "orders", To: []string{"id"}}},
			Columns: []*manifest.Column{
				col("amount", "user.financial", nil, false),
				col("paid_at", "user.financial", nil, false),
				col("card_holder", "user.name", nil, false),
				col("card_last4", "user.financial", nil, false),
				id("order_id"),
			},
		},
		{
			Name:       "newsletter_subscriptions",
			PrimaryKey: []string{"id"},
			Identities: map[string]string{"email": "email", "consent_id": "consent_id"},
			Columns: []*manifest.Column{
				col("email", "user.contact.email", nil, false),
				col("consent_id", "user.unique_id", nil, false),
				col("subscribed_at", "user.consent", nil, false),
			},
		},
		{
			Name:       "support_tickets",
			PrimaryKey: []string{"id"},
			Identities: map[string]string{"email": "contact_email"},
			References: []*manifest.Reference{{Columns: []string{"customer_id"}, Table: "customers", To: []string{"id"}}},
			Erase:      "mask",
			Columns: []*manifest.Column{
				col("customer_id", "user.unique_id", nil, false),
				col("contact_email", "user.contact.email", act(manifest.EraseHash, ""), false),
				col("subject", "user.content", act(manifest.EraseFixed, "[erased]"), false),
				col("status", "system.operations", keep(), false),
				col("opened_at", "system.operations", keep(), false),
				restricted(),
			},
			RestrictColumn: "restricted",
		},
		{
			Name:       "ticket_messages",
			PrimaryKey: []string{"id"},
			References: []*manifest.Reference{{Columns: []string{"ticket_id"}, Table: "support_tickets", To: []string{"id"}}},
			Columns: []*manifest.Column{
				col("author", "system.operations", nil, false),
				col("body", "user.content", nil, false),
				col("sent_at", "system.operations", nil, false),
				id("ticket_id"),
			},
		},
	}}
}

// TaxLaw is why payments are kept: the user.financial category is under a
// legal hold, so an erasure masks a payment's card holder and keeps the
// amount, the date and the last four digits (and the order they belong
// to, masked).
const TaxLaw = "kept 10 years for the tax law (AO §147)"

// Hold is the shop's legal hold, as sqlds.HoldFunc: user.financial and
// the categories below it.
func Hold(category string) (string, bool) {
	if category == "user.financial" || strings.HasPrefix(category, "user.financial.") {
		return TaxLaw, true
	}
	return "", false
}

// System is one SQL system of the demo site that holds the shop, for
// Manifest.
type System struct {
	ID, Name string
	Kind     string   // manifest.SystemPostgres, SystemMySQL or SystemSQLite
	Env      string   // the environment variable that holds the DSN
	Requests []string // the request types it takes part in; none: access
}

// Manifest returns the demo manifest (manifest.DemoYAMLWithSystems) with
// systems added to the demo site, each a controller holding the shop
// (Dataset), parsed: the shop through the manifest's whole validation. The
// data categories the shop uses that the demo site lacks are declared,
// under no legal hold: the shop's hold is Hold, which the engines are
// given. Parse fills in the datasets' defaults, which are what the engine
// does where Dataset() says nothing: a table's rows deleted, a column
// kept if in the primary key, set to null otherwise (Hold aside).
func Manifest(systems ...System) (*manifest.Manifest, error) {
	return manifestOf(Dataset(), systems)
}

// manifestOf is Manifest with d as the systems' dataset.
func manifestOf(d *manifest.Dataset, systems []System) (*manifest.Manifest, error) {
	ds, err := json.Marshal(d) // JSON is YAML
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString("    systems:\n")
	for _, s := range systems {
		reqs := s.Requests
		if len(reqs) == 0 {
			reqs = []string{"access"}
		}
		fmt.Fprintf(&b, "      - id: %s\n        name: %q\n        kind: %s\n        role: controller\n        requests: [%s]\n        connection: {env: %s}\n        dataset: %s\n",
			s.ID, s.Name, s.Kind, strings.Join(reqs, ", "), s.Env, ds)
	}
	return manifest.Parse("shop.yaml", manifest.DemoYAMLWithSystems(b.String(), categories(d, manifest.Demo().Site("demo"))...))
}

// categories lists the data categories of d's columns that site does not
// declare, each once, in the order d first uses them.
func categories(d *manifest.Dataset, site *manifest.Site) []string {
	var out []string
	for _, t := range d.Tables {
		for _, c := range t.Columns {
			if site.DataCategory(c.Category) == nil && !slices.Contains(out, c.Category) {
				out = append(out, c.Category)
			}
		}
	}
	return out
}
