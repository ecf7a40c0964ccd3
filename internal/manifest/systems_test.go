package manifest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// systemsYAML is a valid systems block for base: a shop database, a CRM
// reached by webhook and a paper archive. Tests edit it through
// withSystems, so every line they target is unique in the result.
const systemsYAML = `    systems:
      - id: shop
        name: Shop database
        kind: postgres
        role: controller
        requests: [access, erasure, rectification, restriction]
        connection: {env: SHOP_DSN}
        dataset:
          tables:
            - name: customers
              primary_key: [id]
              identities: {email: email, customer_id: id}
              restrict_column: restricted
              columns:
                - {name: id, category: user.unique_id}
                - {name: email, category: user.contact.email, rectify: true}
                - {name: full_name, category: user.name, rectify: true}
                - {name: restricted, category: user.privacy_preferences, erase: {action: keep}}
            - name: orders
              primary_key: [id]
              references:
                - {columns: [customer_id], table: customers, to: [id]}
              columns:
                - {name: customer_id, category: user.unique_id}
                - {name: ship_to, category: user.name}
            - name: order_lines
              primary_key: [order_id, line_no]
              references:
                - {columns: [order_id], table: orders, to: [id]}
            - name: payments
              primary_key: [id]
              erase: mask
              references:
                - {table: orders, columns: [order_id], to: [id]}
              columns:
                - {name: order_id, category: user.unique_id}
                - {name: amount, category: user.financial}
                - {name: card_holder, category: user.name, erase: {action: fixed, value: erased}}
                - {name: card_hash, category: user.name, erase: {action: null}}
      - id: crm
        name: CRM
        kind: webhook
        role: processor
        requests: [access, erasure]
        after: [shop]
        webhook:
          url: https://crm.example.com/custos
          secret: {file: /run/secrets/crm}
      - id: paper
        name: Paper archive
        kind: manual
        role: controller
        requests: [access]
        instructions:
          en: Look in the archive.
          fr: Chercher dans les archives.
`

// withSystems returns the edits that add systemsYAML to base, with the
// purposes and data categories it uses, followed by edits.
func withSystems(edits ...edit) []edit {
	return append([]edit{
		{"          fr: {name: Audience du site}\n", "          fr: {name: Audience du site}\n" +
			"      - {id: orders, legal_basis: contract, text: {en: {name: Orders}, fr: {name: Commandes}}}\n" +
			"      - {id: accounting, legal_basis: legal_obligation, text: {en: {name: Accounting}, fr: {name: Comptabilité}}}\n"},
		{"        purposes: [audience]\n", "        purposes: [audience]\n" +
			"      - {id: user.unique_id, retention: 3y, purposes: [orders]}\n" +
			"      - {id: user.contact.email, retention: 3y, purposes: [orders]}\n" +
			"      - {id: user.name, retention: 3y, purposes: [orders]}\n" +
			"      - {id: user.privacy_preferences, retention: 3y, purposes: [orders]}\n" +
			"      - {id: user.financial, retention: 10y, purposes: [accounting], legal_hold: Commercial code}\n"},
		{`published: "2024-06-01"}` + "\n", `published: "2024-06-01"}` + "\n" + systemsYAML},
	}, edits...)
}

func TestSystemsLoad(t *testing.T) {
	m := mustParse(t, apply(t, base, withSystems()...))
	s := m.Sites[0]
	if got := len(s.Systems); got != 3 {
		t.Fatalf("%d systems, want 3", got)
	}
	shop := s.System("shop")
	if shop == nil || !shop.IsSQL() || shop.Kind != SystemPostgres || shop.Role != RoleController || shop.Name != "Shop database" {
		t.Fatalf("shop = %+v", shop)
	}
	if diff := cmp.Diff([]string{"access", "erasure", "rectification", "restriction"}, shop.Requests); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(&Secret{Env: "SHOP_DSN"}, shop.Connection); diff != "" {
		t.Errorf("connection (-want +got):\n%s", diff)
	}
	customers := shop.Dataset.Table("customers")
	want := &Table{
		Name:           "customers",
		PrimaryKey:     []string{"id"},
		Identities:     map[string]string{IdentityEmail: "email", IdentityCustomerID: "id"},
		Erase:          EraseDelete, // the default
		RestrictColumn: "restricted",
		Columns: []*Column{
			{Name: "id", Category: "user.unique_id", Erase: &Erase{Action: EraseKeep}}, // a primary key column is kept
			{Name: "email", Category: "user.contact.email", Erase: &Erase{Action: EraseNull}, Rectify: true},
			{Name: "full_name", Category: "user.name", Erase: &Erase{Action: EraseNull}, Rectify: true},
			{Name: "restricted", Category: "user.privacy_preferences", Erase: &Erase{Action: EraseKeep}},
		},
	}
	if diff := cmp.Diff(want, customers); diff != "" {
		t.Errorf("customers (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]*Reference{{Columns: []string{"customer_id"}, Table: "customers", To: []string{"id"}}},
		shop.Dataset.Table("orders").References); diff != "" {
		t.Errorf("orders references (-want +got):\n%s", diff)
	}
	payments := shop.Dataset.Table("payments")
	if payments.Erase != EraseMask {
		t.Errorf("payments erase %q", payments.Erase)
	}
	erases := map[string]Erase{}
	for _, c := range payments.Columns {
		erases[c.Name] = *c.Erase
	}
	if diff := cmp.Diff(map[string]Erase{
		"order_id":    {Action: EraseNull},
		"amount":      {Action: EraseKeep}, // under a legal hold
		"card_holder": {Action: EraseFixed, Value: "erased"},
		"card_hash":   {Action: EraseNull}, // a bare null is the action
	}, erases); diff != "" {
		t.Errorf("payments erase (-want +got):\n%s", diff)
	}
	if pk := shop.Dataset.Table("order_lines").PrimaryKey; !cmp.Equal(pk, []string{"order_id", "line_no"}) {
		t.Errorf("order_lines primary key %v", pk)
	}

	crm := s.System("crm")
	if crm.IsSQL() || crm.Webhook == nil || crm.Webhook.URL != "https://crm.example.com/custos" ||
		crm.Webhook.Secret.File != "/run/secrets/crm" || !cmp.Equal(crm.After, []string{"shop"}) {
		t.Errorf("crm = %+v, webhook %+v", crm, crm.Webhook)
	}
	if got := crm.Webhook.Timeout.Approx(); got != 10*time.Second {
		t.Errorf("default webhook timeout %v, want 10s", got)
	}
	paper := s.System("paper")
	if diff := cmp.Diff(map[string]string{"en": "Look in the archive.", "fr": "Chercher dans les archives."}, paper.Instructions); diff != "" {
		t.Errorf("instructions (-want +got):\n%s", diff)
	}
	if s.System("nope") != nil || shop.Dataset.Table("nope") != nil || customers.Column("nope") != nil {
		t.Error("lookups of unknown names return something")
	}

	// Systems do not change what a visitor consents to.
	withoutSystems := mustParse(t, apply(t, base, withSystems()[:2]...)).Sites[0]
	if withoutSystems.Fingerprint() != s.Fingerprint() {
		t.Error("systems change the fingerprint")
	}
	if withoutSystems.ContentHash() == s.ContentHash() {
		t.Error("systems do not change the content hash")
	}
}

func TestSystemsMore(t *testing.T) {
	// Accepted variations.
	ok := [][]edit{
		withSystems(edit{"https://crm.example.com/custos", "http://127.0.0.1:9000/custos"}),
		withSystems(edit{"https://crm.example.com/custos", "http://localhost:9000/custos"}),
		withSystems(edit{"https://crm.example.com/custos", "http://[::1]:9000/custos"}),
		withSystems(edit{"          secret: {file: /run/secrets/crm}\n", "          secret: {file: /run/secrets/crm}\n          timeout: 2m\n"}),
		withSystems(edit{"kind: postgres", "kind: sqlite"}, edit{"{env: SHOP_DSN}", "{file: /etc/custos/shop.dsn}"}),
		// A cycle of foreign keys with a reference marked owns: the
		// customer's default address, and the address's customer.
		withSystems(edit{"            - name: orders\n", "            - name: addresses\n              primary_key: [id]\n" +
			"              references: [{columns: [customer_id], table: customers, to: [id]}]\n" +
			"              columns: [{name: customer_id, category: user.unique_id}, {name: street, category: user.name}]\n" +
			"            - name: orders\n"},
			edit{"              restrict_column: restricted\n", "              restrict_column: restricted\n" +
				"              references: [{columns: [default_address], table: addresses, to: [id], owns: true}]\n"},
			edit{"                - {name: id, category: user.unique_id}\n", "                - {name: id, category: user.unique_id}\n" +
				"                - {name: default_address, category: user.unique_id}\n"}),
	}
	for i, edits := range ok {
		if ps := problems(t, "test.yaml", apply(t, base, edits...)); ps != nil {
			t.Errorf("variation %d has problems:\n%v", i, ps)
		}
	}
}
