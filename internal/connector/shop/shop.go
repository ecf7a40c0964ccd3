// Package shop is the example web shop the connectors are tested and
// benchmarked against: the manifest's description of its tables
// (customers with their addresses, orders and their lines, payments under
// a legal hold, newsletter subscriptions, support tickets and their
// messages), shared by the tests of package sqlds and by
// cmd/custos-connectorbench so that both measure the same thing.
package shop

import (
	"strings"

	"github.com/custos-privacy/custos/internal/manifest"
)

// Dataset is the manifest's description of the shop.
func Dataset() *manifest.Dataset {
	col := func(name, category string, erase *manifest.Erase, rectify bool) *manifest.Column {
		return &manifest.Column{Name: name, Category: category, Erase: erase, Rectify: rectify}
	}
	act := func(action, value string) *manifest.Erase { return &manifest.Erase{Action: action, Value: value} }
	keep := act(manifest.EraseKeep, "")
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
				col("created_at", "system.operations", keep, false),
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
				col("country", "user.contact.address", keep, true),
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
				col("total", "user.purchase", keep, false),
				col("placed_at", "user.purchase", keep, false),
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
				col("status", "system.operations", keep, false),
				col("opened_at", "system.operations", keep, false),
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
