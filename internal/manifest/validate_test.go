package manifest

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBaseIsValid(t *testing.T) {
	if ps := problems(t, "test.yaml", base); ps != nil {
		t.Fatalf("the test base manifest has problems:\n%s", strings.Join(ps, "\n"))
	}
}

// TestProblems checks each rule: an edit of base that breaks it must give
// exactly one problem, with this message, at the marker.
func TestProblems(t *testing.T) {
	tests := []struct {
		name  string
		edits []edit
		want  string
	}{
		// Decoding.
		{"unknown top-level key", []edit{{"sites:\n", "‸extra: 1\nsites:\n"}},
			`unknown key "extra"`},
		{"unknown key with suggestion", []edit{{"        cookies:\n", "        ‸cokies: []\n        cookies:\n"}},
			`sites[0].vendors[0]: unknown key "cokies" (did you mean "cookies"?)`},
		{"duplicate key", []edit{{"    name: Example\n", "    name: Example\n    ‸name: Again\n"}},
			`sites[0]: key "name" is already given at line 4`},
		{"not a list", []edit{{"locales: [en, fr]", "locales: ‸en"}},
			`sites[0].locales: expected a list, got "en"`},
		{"not a mapping", []edit{{"    controller:\n      name: Example SA\n", "    controller: ‸Example SA\n"}},
			`sites[0].controller: expected key: value pairs, got "Example SA"`},
		{"not a bool", []edit{{"required: true", "required: ‸maybe"}},
			`sites[0].categories[0].required: expected true or false, got "maybe"`},
		{"not a number", []edit{{"version: 1", "version: ‸one"}},
			`version: expected a whole number, got "one"`},
		{"text expected", []edit{{"    name: Example\n", "    name: ‸[Example]\n"}},
			`sites[0].name: expected text, got a list`},

		// Manifest and site.
		{"version", []edit{{"version: 1", "version: ‸2"}},
			`version: unsupported version 2; this program reads version 1`},
		{"version missing", []edit{{"version: 1\nsites:", "‸sites:"}},
			`version: missing; write version: 1 at the top of the file`},
		{"no sites", []edit{{"sites:\n  - id: www", "sites: ‸[]\nx:\n  - id: www"}, {"x:\n", "xs:\n"}},
			""}, // replaced below: unknown key and no sites
		{"site id", []edit{{"id: www", "id: ‸WWW"}},
			`sites[0].id: "WWW" is not a valid site id; use 1 to 64 lowercase letters, digits and hyphens, starting with a letter or digit`},
		{"site name missing", []edit{{"    name: Example\n", ""}, {"  - id: www", "  - ‸id: www"}},
			`sites[0].name: missing; give the site's name as visitors know it`},
		{"origin with path", []edit{{"[https://www.example.com]", "[‸https://www.example.com/en]"}},
			`sites[0].origins[0]: "https://www.example.com/en": an origin has no path, query or fragment; write https://www.example.com`},
		{"origin scheme", []edit{{"[https://www.example.com]", "[‸ftp://www.example.com]"}},
			`sites[0].origins[0]: "ftp://www.example.com": the scheme must be http or https`},
		{"origin not a URL", []edit{{"[https://www.example.com]", "[‸www.example.com]"}},
			`sites[0].origins[0]: "www.example.com" is not an origin; an origin is scheme://host[:port], such as https://www.example.com`},
		{"origin port", []edit{{"[https://www.example.com]", "[‸https://www.example.com:0]"}},
			`sites[0].origins[0]: "https://www.example.com:0": invalid port "0"`},
		{"origins missing", []edit{{"    origins: [https://www.example.com]\n", "    origins: ‸[]\n"}},
			`sites[0].origins: missing; list the origins the site is served from, such as https://www.example.com`},
		{"locale invalid", []edit{{"[en, fr]", "[en, ‸f!]"}},
			`sites[0].locales[1]: "f!" is not a BCP 47 language tag, such as en, fr or pt-BR`},
		{"locale not canonical", []edit{{"[en, fr]", "[en, ‸fr_ca]"}},
			`sites[0].locales[1]: write "fr_ca" as "fr-CA"`},
		{"locale twice", []edit{{"[en, fr]", "[en, fr, ‸en]"}},
			`sites[0].locales[2]: locale "en" is already listed at line 6`},
		{"controller name", []edit{{"      name: Example SA\n", "      ‸email: privacy@example.com\n"}},
			`sites[0].controller.name: missing; name the organisation responsible for the site's personal data`},
		{"controller email", []edit{{"      name: Example SA\n", "      name: Example SA\n      email: ‸privacy at example.com\n"}},
			`sites[0].controller.email: "privacy at example.com" is not an e-mail address`},

		// Categories and texts.
		{"missing translation", []edit{{"          en: {name: Analytics cookies}\n          fr: {name: Cookies statistiques}\n", "          ‸en: {name: Analytics cookies}\n"}},
			`sites[0].categories[1].text: missing translation for locale "fr"`},
		{"text in another locale", []edit{{"          fr: {name: Cookies statistiques}\n", "          fr: {name: Cookies statistiques}\n          de: ‸{name: Statistik-Cookies}\n"}},
			`sites[0].categories[1].text.de: locale "de" is not one of the site's locales (en, fr)`},
		{"empty name", []edit{{"fr: {name: Cookies statistiques}", "fr: {name: ‸\"\"}"}},
			`sites[0].categories[1].text.fr.name: missing`},
		{"texts missing", []edit{{"        text:\n          en: {name: Necessary}\n          fr: {name: Nécessaires}\n", ""}, {"      - id: necessary", "      - ‸id: necessary"}},
			`sites[0].categories[0].text: missing; give the name in each of the site's locales`},
		{"category id", []edit{{"id: necessary", "id: ‸Necessary"}},
			`sites[0].categories[0].id: "Necessary" is not a valid category id; use lowercase letters, digits and underscores`},
		{"category id twice", []edit{{"      - id: analytics\n", "      - id: ‸necessary\n"}, {"category: analytics", "category: necessary"}, {"categories: [analytics]", "categories: [necessary]"}, {"legal_basis: consent", "legal_basis: contract"}, {"        categories: [necessary]\n", ""}},
			`sites[0].categories[1].id: category "necessary" is already declared at line 10`},
		{"no required category", []edit{{"        required: true\n", ""}, {"      - id: necessary", "      ‸- id: necessary"}},
			`sites[0].categories: no category is required; mark the strictly necessary one with required: true`},
		{"required sale_sharing", []edit{{"        required: true\n", "        required: true\n        sale_sharing: ‸true\n"}},
			`sites[0].categories[0].sale_sharing: a required category cannot be a sale or sharing of data: visitors must be able to refuse it`},
		{"consent mode type", []edit{{"[analytics_storage]", "[‸analytic_storage]"}},
			`sites[0].categories[1].consent_mode[0]: unknown consent mode type "analytic_storage" (did you mean "analytics_storage"?); use ad_storage, ad_user_data, ad_personalization, analytics_storage, functionality_storage, personalization_storage or security_storage`},
		{"consent mode type twice", []edit{{"        required: true\n", "        required: true\n        consent_mode: [analytics_storage]\n"}, {"[analytics_storage]\n        text:\n          en: {name: Analytics", "[‸analytics_storage]\n        text:\n          en: {name: Analytics"}},
			`sites[0].categories[1].consent_mode[0]: consent mode type "analytics_storage" is already granted by the category at line 10; each type follows one category`},

		// Vendors and cookies.
		{"vendor category", []edit{{"category: analytics", "category: ‸analytic"}},
			`sites[0].vendors[0].category: unknown category "analytic" (did you mean "analytics"?)`},
		{"vendor category missing", []edit{{"        category: analytics\n", ""}, {"      - id: matomo", "      - ‸id: matomo"}},
			`sites[0].vendors[0].category: missing; name the consent category that governs this vendor`},
		{"vendor name missing", []edit{{"        name: Matomo\n", ""}, {"      - id: matomo", "      - ‸id: matomo"}},
			`sites[0].vendors[0].name: missing; give the vendor's name as visitors know it`},
		{"vendor id", []edit{{"id: matomo", "id: ‸Matomo!"}},
			`sites[0].vendors[0].id: "Matomo!" is not a valid vendor id; use up to 64 lowercase letters, digits, hyphens and underscores`},
		{"privacy policy http", []edit{{"https://matomo.org/privacy-policy/", "‸http://matomo.org/privacy-policy/"}},
			`sites[0].vendors[0].privacy_policy: "http://matomo.org/privacy-policy/" must use https`},
		{"privacy policy relative", []edit{{"https://matomo.org/privacy-policy/", "‸/privacy"}},
			`sites[0].vendors[0].privacy_policy: "/privacy" is not an absolute https URL`},
		{"cookie pattern not set", []edit{{"            pattern: true\n", ""}, {"name: _pk_id.*", "name: ‸_pk_id.*"}},
			`sites[0].vendors[0].cookies[0].name: "_pk_id.*" contains * but pattern is not set; add pattern: true`},
		{"cookie pattern without star", []edit{{"name: _pk_id.*", "name: _pk_id"}, {"pattern: true", "pattern: ‸true"}},
			`sites[0].vendors[0].cookies[0].pattern: pattern is set but the name "_pk_id" has no *`},
		{"cookie name character", []edit{{"name: _pk_id.*", "name: ‸\"_pk id.*\""}},
			`sites[0].vendors[0].cookies[0].name: "_pk id.*" cannot be a cookie name: it contains the character ' '`},
		{"cookie duration", []edit{{"duration: 13mo", "duration: ‸13 months"}},
			`sites[0].vendors[0].cookies[0].duration: invalid duration "13 months": write 13mo`},
		{"cookie duration missing", []edit{{"            duration: 13mo\n", ""}, {"          - name: _pk_id.*", "          - ‸name: _pk_id.*"}},
			`sites[0].vendors[0].cookies[0].duration: missing; write session or how long the cookie lives, such as 13mo`},
		{"cookie party", []edit{{"party: first", "party: ‸1st"}},
			`sites[0].vendors[0].cookies[0].party: "1st" is neither first nor third`},
		{"cookie domain", []edit{{"            party: first\n", "            party: first\n            domain: ‸linkedin..com\n"}},
			`sites[0].vendors[0].cookies[0].domain: "linkedin..com" is not a domain name, such as .linkedin.com`},
		{"cookie path", []edit{{"            party: first\n", "            party: first\n            path: ‸app\n"}},
			`sites[0].vendors[0].cookies[0].path: "app": a cookie path starts with /`},
		{"cookie purpose translation", []edit{{"              fr: Compte les visiteurs.\n", ""}, {"              en: Counts visitors.", "              ‸en: Counts visitors."}},
			`sites[0].vendors[0].cookies[0].purpose: missing translation for locale "fr"`},
		{"cookie twice", []edit{{"              fr: Compte les visiteurs.\n", "              fr: Compte les visiteurs.\n          - {name: ‸_pk_id.*, pattern: true, duration: 1y, party: first, purpose: {en: a, fr: b}}\n"}},
			`sites[0].vendors[0].cookies[1].name: cookie "_pk_id.*" is already declared at line 26`},

		// Purposes.
		{"legal basis", []edit{{"legal_basis: consent", "legal_basis: ‸consented"}},
			`sites[0].purposes[0].legal_basis: unknown legal basis "consented" (did you mean "consent"?); use consent, contract, legal_obligation, vital_interests, public_task or legitimate_interests`},
		{"consent without categories", []edit{{"        categories: [analytics]\n", ""}, {"      - id: audience", "      - ‸id: audience"}},
			`sites[0].purposes[0].categories: missing; a purpose based on consent names the consent categories that carry it`},
		{"categories without consent", []edit{{"legal_basis: consent", "legal_basis: legitimate_interests"}, {"categories: [analytics]", "categories: ‸[analytics]"}},
			`sites[0].purposes[0].categories: only a purpose based on consent names consent categories; this one is based on legitimate_interests`},
		{"consent through a required category", []edit{{"categories: [analytics]", "categories: [‸necessary]"}},
			`sites[0].purposes[0].categories[0]: category "necessary" is required, so it cannot carry consent: visitors could not refuse`},
		{"purpose category unknown", []edit{{"categories: [analytics]", "categories: [‸marketing]"}},
			`sites[0].purposes[0].categories[0]: unknown category "marketing"`},
		{"purpose id twice", []edit{{"    data_categories:\n", "      - {id: ‸audience, legal_basis: contract, text: {en: {name: a}, fr: {name: b}}}\n    data_categories:\n"}},
			`sites[0].purposes[1].id: purpose id "audience" is already used at line 34`},

		// Data categories.
		{"data category name", []edit{{"id: user.device.cookie_id", "id: ‸User.Cookie"}},
			`sites[0].data_categories[0].id: "User.Cookie" is not a data category name; use dotted lowercase names such as user.contact.email`},
		{"retention missing", []edit{{"        retention: 25mo\n", ""}, {"      - id: user.device.cookie_id", "      - ‸id: user.device.cookie_id"}},
			`sites[0].data_categories[0].retention: missing; say how long this data is kept, such as 2y`},
		{"legal hold without a legal obligation", []edit{{"        retention: 25mo\n", "        retention: 25mo\n        legal_hold: ‸tax law\n"}},
			`sites[0].data_categories[0].legal_hold: data is only kept from erasure for a legal obligation: give the data category a purpose whose legal_basis is legal_obligation`},
		{"retention session", []edit{{"retention: 25mo", "retention: ‸session"}},
			`sites[0].data_categories[0].retention: a retention is a period such as 2y, not "session"`},
		{"retention zero", []edit{{"retention: 25mo", "retention: ‸0d"}},
			`sites[0].data_categories[0].retention: invalid duration "0d": a period must be longer than zero`},
		{"data purposes missing", []edit{{"        purposes: [audience]\n", ""}, {"      - id: user.device.cookie_id", "      - ‸id: user.device.cookie_id"}},
			`sites[0].data_categories[0].purposes: missing; name the purposes this data is processed for`},
		{"data purpose unknown", []edit{{"purposes: [audience]", "purposes: [‸audiense]"}},
			`sites[0].data_categories[0].purposes[0]: unknown purpose "audiense" (did you mean "audience"?)`},
		{"data category twice", []edit{{"        purposes: [audience]\n", "        purposes: [audience]\n      - {id: ‸user.device.cookie_id, retention: 1y, purposes: [audience]}\n"}},
			`sites[0].data_categories[1].id: data category "user.device.cookie_id" is already declared at line 41`},

		// Processors.
		{"role", []edit{{"role: processor", "role: ‸subprocessor"}},
			`sites[0].processors[0].role: unknown role "subprocessor" (did you mean "processor"?); use processor, controller, joint_controller or recipient`},
		{"country lower case", []edit{{"country: DE", "country: ‸de"}},
			`sites[0].processors[0].country: country codes are upper case; write "DE"`},
		{"country UK", []edit{{"country: DE", "country: ‸UK"}},
			`sites[0].processors[0].country: "UK" is not an ISO 3166-1 code; write "GB"`},
		{"country unknown", []edit{{"country: DE", "country: ‸XX"}},
			`sites[0].processors[0].country: "XX" is not an ISO 3166-1 alpha-2 country code, such as DE or US`},
		{"safeguard unknown", []edit{{"safeguard: none", "safeguard: ‸sccs"}},
			`sites[0].processors[0].safeguard: unknown safeguard "sccs" (did you mean "scc"?); use adequacy, scc, bcr, dpf, derogation or none`},
		{"no safeguard outside the EEA", []edit{{"country: DE", "country: IN"}, {"safeguard: none", "safeguard: ‸none"}},
			`sites[0].processors[0].safeguard: data sent to IN leaves the EEA and needs a transfer safeguard: adequacy, scc, bcr, dpf or derogation`},
		{"dpf outside the US", []edit{{"safeguard: none", "safeguard: ‸dpf"}},
			`sites[0].processors[0].safeguard: the EU-US Data Privacy Framework covers recipients in the US only, not DE`},
		{"processor purpose", []edit{{"        safeguard: none\n", "        safeguard: none\n        purposes: [‸hosting]\n"}},
			`sites[0].processors[0].purposes[0]: unknown purpose "hosting"`},
		{"processor url", []edit{{"        safeguard: none\n", "        safeguard: none\n        url: ‸hosting.example\n"}},
			`sites[0].processors[0].url: "hosting.example" is not an absolute http or https URL`},

		// Jurisdictions.
		{"mode", []edit{{"mode: opt_in", "mode: ‸opt-in"}},
			`sites[0].jurisdictions[0].mode: unknown mode "opt-in" (did you mean "opt_in"?); use opt_in, opt_out or notice`},
		{"region lower case", []edit{{"[EU, EEA]", "[EU, ‸eea]"}},
			`sites[0].jurisdictions[0].regions[1]: region codes are upper case; write "EEA"`},
		{"region unknown", []edit{{"[EU, EEA]", "[EU, ‸Europe]"}},
			`sites[0].jurisdictions[0].regions[1]: unknown region "Europe"; use an ISO 3166 code such as DE or US-CA, a group (EU, EEA), or "*" for the rest of the world`},
		{"region not a US state", []edit{{"[US-CA]", "[‸US-XY]"}},
			`sites[0].jurisdictions[1].regions[0]: "US-XY" is not a US state or territory`},
		{"subdivision of an unknown country", []edit{{"[US-CA]", "[‸QQ-CA]"}},
			`sites[0].jurisdictions[1].regions[0]: unknown country "QQ" in region "QQ-CA"`},
		{"region in two jurisdictions", []edit{{"[US-CA]", "[US-CA, ‸EEA]"}},
			`sites[0].jurisdictions[1].regions[1]: region "EEA" is already in jurisdiction "eu" at line 52; a region belongs to one jurisdiction`},
		{"two rest-of-world jurisdictions", []edit{{`regions: ["*"]`, `regions: [‸"*"]`}, {"[US-CA]", `["*"]`}},
			`sites[0].jurisdictions[2].regions[0]: region "*" is already in jurisdiction "us" at line 55; a region belongs to one jurisdiction`},
		{"no rest-of-world jurisdiction", []edit{{`regions: ["*"]`, "regions: [JP]"}, {"      - id: eu\n", "      ‸- id: eu\n"}},
			`sites[0].jurisdictions: no jurisdiction covers the rest of the world; add "*" to the regions of one`},
		{"consent lifetime session", []edit{{"        mode: opt_in\n", "        mode: opt_in\n        consent_lifetime: ‸session\n"}},
			`sites[0].jurisdictions[0].consent_lifetime: a consent lifetime is a period such as 182d, not "session"`},
		{"jurisdiction id twice", []edit{{"id: rest", "id: ‸eu"}},
			`sites[0].jurisdictions[2].id: jurisdiction id "eu" is already used at line 51`},

		// Notices.
		{"notice locale", []edit{{`locale: fr, region: "*"`, `locale: ‸de, region: "*"`}},
			`sites[0].notices[1].locale: locale "de" is not one of the site's locales (en, fr)`},
		{"notice region", []edit{{"region: us,", "region: ‸usa,"}},
			`sites[0].notices[2].region: "usa" is neither a jurisdiction id (eu, rest, us) nor a region code; write "*" for the global notice`},
		{"notice region code", []edit{{"region: us,", "region: ‸US-CA,"}},
			""},
		{"notice url", []edit{{`url: "https://www.example.com/us"`, `url: ‸"us.html"`}},
			`sites[0].notices[2].url: "us.html" is not an absolute http or https URL, or a path on the site such as /en/privacy`},
		{"notice url scheme-relative", []edit{{`url: "https://www.example.com/us"`, `url: ‸"//evil.example/us"`}},
			`sites[0].notices[2].url: "//evil.example/us" is not a path such as /en/privacy`},
		{"notice date", []edit{{`published: "2024-06-01"`, `published: ‸"2024-06-31"`}},
			`sites[0].notices[2].published: "2024-06-31" is not a date written YYYY-MM-DD`},
		{"notice version missing", []edit{{`{version: "1-us", `, `‸{`}},
			`sites[0].notices[2].version: missing; give the notice's version as it is printed on it`},
		{"notice version twice", []edit{{`{version: "1-us", locale: en, region: us, url: "https://www.example.com/us", published: "2024-06-01"}`, `{version: "1-us", locale: en, region: us, url: "https://www.example.com/us", published: "2024-06-01"}` + "\n      - {version: ‸\"1-us\", locale: en, region: us, url: \"https://www.example.com/us\", published: \"2024-07-01\"}"}},
			`sites[0].notices[3].version: version "1-us" of the en notice for region "us" is already declared at line 63`},
		{"two versions on one day", []edit{{`{version: "1-us", locale: en, region: us, url: "https://www.example.com/us", published: "2024-06-01"}`, `{version: "1-us", locale: en, region: us, url: "https://www.example.com/us", published: "2024-06-01"}` + "\n      - {version: \"2-us\", locale: en, region: us, url: \"https://www.example.com/us\", published: ‸\"2024-06-01\"}"}},
			`sites[0].notices[3].published: another version of the en notice for region "us" is published on 2024-06-01 (line 63); which one is in force?`},

		// The consent cookie.
		{"consent cookie name", []edit{{"    notices:\n", "    cookie:\n      name: ‸\"consent;x\"\n    notices:\n"}},
			`sites[0].cookie.name: "consent;x" cannot be a cookie name: it contains ";"`},
		{"consent cookie domain", []edit{{"    notices:\n", "    cookie:\n      domain: ‸\"example.com/\"\n    notices:\n"}},
			`sites[0].cookie.domain: "example.com/" is not a domain name, such as .example.com`},

		// Systems (see systemsYAML).
		{"system kind", withSystems(edit{"kind: postgres", "kind: ‸postgress"}),
			`sites[0].systems[0].kind: unknown kind "postgress" (did you mean "postgres"?); use postgres, mysql, sqlite, webhook or manual`},
		{"system id twice", withSystems(edit{"id: paper", "id: ‸crm"}),
			`sites[0].systems[2].id: system id "crm" is already used at line 110`},
		{"system name missing", withSystems(edit{"        name: CRM\n", ""}, edit{"      - id: crm", "      - ‸id: crm"}),
			`sites[0].systems[1].name: missing; name the system as staff know it, such as Shop database`},
		{"system role", withSystems(edit{"        kind: manual\n        role: controller", "        kind: manual\n        role: ‸owner"}),
			`sites[0].systems[2].role: unknown role "owner"; use controller or processor`},
		{"system request type", withSystems(edit{"requests: [access, erasure]", "requests: [access, ‸erasures]"}),
			`sites[0].systems[1].requests[1]: unknown request type "erasures" (did you mean "erasure"?); use access, portability, erasure, rectification, restriction, objection or consent_withdrawal`},
		{"system information request", withSystems(edit{"requests: [access]", "requests: [‸information]"}),
			`sites[0].systems[2].requests[0]: information requests are answered from the manifest, not by systems; remove it`},
		{"connection missing", withSystems(edit{"        connection: {env: SHOP_DSN}\n", ""}, edit{"      - id: shop", "      - ‸id: shop"}),
			`sites[0].systems[0].connection: missing; a postgres system reads its DSN from an environment variable or a file, such as connection: {env: SHOP_DSN}`},
		{"connection env name", withSystems(edit{"{env: SHOP_DSN}", "{env: ‸shop-dsn}"}),
			`sites[0].systems[0].connection.env: "shop-dsn" is not an environment variable name; use upper-case letters, digits and underscores, such as SHOP_DSN`},
		{"connection is a DSN", withSystems(edit{"{env: SHOP_DSN}", `{env: ‸"postgres://shop:secret@db/shop"}`}),
			`sites[0].systems[0].connection.env: env is the name of an environment variable that holds the DSN, such as SHOP_DSN, not the DSN itself: secrets stay out of the manifest`},
		{"connection env and file", withSystems(edit{"{env: SHOP_DSN}", "{env: SHOP_DSN, file: ‸/run/secrets/shop}"}),
			`sites[0].systems[0].connection.file: give env or file, not both`},
		{"connection file relative", withSystems(edit{"{env: SHOP_DSN}", "{file: ‸secrets/shop}"}),
			`sites[0].systems[0].connection.file: "secrets/shop" is not an absolute path, such as /run/secrets/shop-dsn`},
		{"connection of a manual system", withSystems(edit{"        requests: [access]\n", "        requests: [access]\n        connection: ‸{env: PAPER}\n"}),
			`sites[0].systems[2].connection: a manual system has no connection; remove it`},
		{"after unknown system", withSystems(edit{"after: [shop]", "after: [‸shopp]"}),
			`sites[0].systems[1].after[0]: unknown system "shopp" (did you mean "shop"?)`},
		{"after itself", withSystems(edit{"after: [shop]", "after: [shop, ‸crm]"}),
			`sites[0].systems[1].after[1]: a system cannot come after itself`},
		{"after cycle", withSystems(edit{"        connection: {env: SHOP_DSN}\n", "        connection: {env: SHOP_DSN}\n        after: [paper]\n"},
			edit{"        requests: [access]\n", "        requests: [access]\n        after: [‸crm]\n"}),
			`sites[0].systems[2].after[0]: after makes a cycle: shop comes after paper, which comes after crm, which comes after shop; one of them must go first`},
		{"dataset on a webhook", withSystems(edit{"        after: [shop]\n", "        after: [shop]\n        dataset: ‸{tables: [{name: contacts, primary_key: [id]}]}\n"}),
			`sites[0].systems[1].dataset: only a SQL system (postgres, mysql or sqlite) has a dataset, not a webhook system`},
		{"dataset missing", withSystems(edit{"    systems:\n", "    systems:\n      - ‸{id: db, name: Other, kind: sqlite, role: controller, requests: [access], connection: {env: DB}}\n"}),
			`sites[0].systems[0].dataset: missing; describe the tables that hold personal data`},
		{"webhook missing", withSystems(edit{"        webhook:\n          url: https://crm.example.com/custos\n          secret: {file: /run/secrets/crm}\n", ""}, edit{"      - id: crm", "      - ‸id: crm"}),
			`sites[0].systems[1].webhook: missing; give the processor's endpoint: url and secret`},
		{"webhook on a manual system", withSystems(edit{"        requests: [access]\n", "        requests: [access]\n        webhook: ‸{url: https://paper.example.com, secret: {env: PAPER}}\n"}),
			`sites[0].systems[2].webhook: only a webhook system has a webhook, not a manual system`},
		{"webhook http", withSystems(edit{"url: https://crm.example.com/custos", "url: ‸http://crm.example.com/custos"}),
			`sites[0].systems[1].webhook.url: "http://crm.example.com/custos" must use https (http is accepted only on localhost, 127.0.0.1 or ::1)`},
		{"webhook secret missing", withSystems(edit{"          secret: {file: /run/secrets/crm}\n", ""}, edit{"          url: https", "          ‸url: https"}),
			`sites[0].systems[1].webhook.secret: missing; give env or file that holds the secret the requests are signed with, such as secret: {env: CRM_WEBHOOK_SECRET}`},
		{"webhook timeout", withSystems(edit{"          secret: {file: /run/secrets/crm}\n", "          secret: {file: /run/secrets/crm}\n          timeout: ‸5m\n"}),
			`sites[0].systems[1].webhook.timeout: 5m is longer than 2m; a processor that needs longer answers later, through the callback`},
		{"instructions translation", withSystems(edit{"          fr: Chercher dans les archives.\n", ""}, edit{"          en: Look in the archive.", "          ‸en: Look in the archive."}),
			`sites[0].systems[2].instructions: missing translation for locale "fr"`},
		{"instructions of a SQL system", withSystems(edit{"        connection: {env: SHOP_DSN}\n", "        connection: {env: SHOP_DSN}\n        instructions: ‸{en: a, fr: b}\n"}),
			`sites[0].systems[0].instructions: only a manual system has instructions, not a postgres system`},
		{"restriction without a column", withSystems(edit{"              restrict_column: restricted\n", ""}, edit{"rectification, restriction]", "rectification, ‸restriction]"}),
			`sites[0].systems[0].requests[3]: no table of the dataset has a restrict_column for a restriction to set`},
		{"table name", withSystems(edit{"- name: order_lines", "- name: ‸order-lines"}),
			`sites[0].systems[0].dataset.tables[2].name: "order-lines" is not a table name; use up to 63 letters, digits and underscores, not starting with a digit`},
		{"table twice", withSystems(edit{"- name: order_lines", "- name: ‸orders"}),
			`sites[0].systems[0].dataset.tables[2].name: table orders is already described at line 89`},
		{"primary key missing", withSystems(edit{"              primary_key: [id]\n", ""}, edit{"- name: customers", "- ‸name: customers"}),
			`sites[0].systems[0].dataset.tables[0].primary_key: missing; list the primary key's columns, such as [id]`},
		{"reference to an unknown table", withSystems(edit{"table: customers, to: [id]", "table: ‸customer, to: [id]"}),
			`sites[0].systems[0].dataset.tables[1].references[0].table: unknown table "customer" (did you mean "customers"?); a reference points at a table of the dataset`},
		{"reference to a missing column", withSystems(edit{"table: customers, to: [id]", "table: customers, to: [‸uid]"}),
			`sites[0].systems[0].dataset.tables[1].references[0].to[0]: uid is not a column of customers: name a primary key column or a listed one (did you mean "id"?)`},
		{"reference from a missing column", withSystems(edit{"{columns: [customer_id], table: customers", "{columns: [‸customer], table: customers"}),
			`sites[0].systems[0].dataset.tables[1].references[0].columns[0]: customer is not a column of orders: name a primary key column or a listed one`},
		{"reference lengths", withSystems(edit{"table: customers, to: [id]", "table: customers, to: ‸[id, email]"}),
			`sites[0].systems[0].dataset.tables[1].references[0].to: 2 columns for the 1 of columns; a reference pairs them in order`},
		{"unknown data category", withSystems(edit{"{name: full_name, category: user.name,", "{name: full_name, category: ‸user.nam,"}),
			`sites[0].systems[0].dataset.tables[0].columns[2].category: unknown data category "user.nam" (did you mean "user.name"?); declare it in the site's data_categories`},
		{"column twice", withSystems(edit{"{name: ship_to, ", "{name: ‸customer_id, "}),
			`sites[0].systems[0].dataset.tables[1].columns[1].name: column customer_id is already listed at line 94`},
		{"identity column missing", withSystems(edit{"{email: email, customer_id: id}", "{email: ‸mail, customer_id: id}"}),
			`sites[0].systems[0].dataset.tables[0].identities.email: mail is not one of the table's columns; list it in columns, with its data category`},
		{"identity kind", withSystems(edit{"{email: email, customer_id: id}", "{email: email, customer: ‸id}"}),
			`sites[0].systems[0].dataset.tables[0].identities.customer: unknown identity "customer"; use email, phone, customer_id or consent_id`},
		{"no identities", withSystems(edit{"              identities: {email: email, customer_id: id}\n", ""}, edit{"- name: customers", "‸- name: customers"}),
			`sites[0].systems[0].dataset.tables: no table has identities; give the table where a person is found (such as customers) identities: {email: email}`},
		{"unreachable table", withSystems(edit{"              references:\n                - {table: orders, columns: [order_id], to: [id]}\n", ""}, edit{"- name: payments", "- name: ‸payments"}),
			`sites[0].systems[0].dataset.tables[3].name: table payments cannot be reached from a table with identities: give it a reference to the table that owns its rows, or identities`},
		{"reference cycle", withSystems(edit{"                - {columns: [customer_id], table: customers, to: [id]}\n", "                - {columns: [customer_id], table: customers, to: [id]}\n                - {columns: [id], table: order_lines, to: [order_id]}\n"},
			edit{"                - {columns: [order_id], table: orders, to: [id]}", "                - ‸{columns: [order_id], table: orders, to: [id]}"}),
			`sites[0].systems[0].dataset.tables[2].references[0]: the references make a cycle: orders owns order_lines, which owns orders; a row cannot own itself: a reference points from the row it belongs to to its owner, or, with owns: true, from the owner to the row it owns`},
		{"reference to itself", withSystems(edit{"                - {columns: [customer_id], table: customers, to: [id]}\n", "                - {columns: [customer_id], table: customers, to: [id]}\n                - ‸{columns: [id], table: orders, to: [id]}\n"}),
			`sites[0].systems[0].dataset.tables[1].references[1]: the references make a cycle: orders owns orders; a row cannot own itself: a reference points from the row it belongs to to its owner, or, with owns: true, from the owner to the row it owns`},
		{"table erase", withSystems(edit{"erase: mask", "erase: ‸hash"}),
			`sites[0].systems[0].dataset.tables[3].erase: hash is a column's erase action; a table's is delete (the rows) or mask (each column as its erase says)`},
		{"legal hold masked", withSystems(edit{"{name: amount, category: user.financial}", "{name: amount, category: user.financial, erase: {action: ‸random}}"}),
			`sites[0].systems[0].dataset.tables[3].columns[1].erase.action: user.financial is kept for a legal obligation, so an erasure leaves this column alone; use keep or leave erase out`},
		{"erase value without fixed", withSystems(edit{"{action: fixed, value: erased}", "{action: hash, value: ‸erased}"}),
			`sites[0].systems[0].dataset.tables[3].columns[2].erase.value: a value goes with action: fixed only`},
		{"erase fixed without value", withSystems(edit{"{action: fixed, value: erased}", "‸{action: fixed}"}),
			`sites[0].systems[0].dataset.tables[3].columns[2].erase.value: missing; give the value that replaces the person's, such as value: "erased"`},
		{"erase action", withSystems(edit{"{action: fixed, value: erased}", "{action: ‸delete}"}),
			`sites[0].systems[0].dataset.tables[3].columns[2].erase.action: delete applies to a table's rows (the table's erase); a column's action is null, fixed, random, hash or keep`},
		{"primary key masked", withSystems(edit{"primary_key: [id]\n              erase: mask\n", "primary_key: [id]\n              erase: mask\n              restrict_column: blocked\n"},
			edit{"                - {name: order_id, category: user.unique_id}\n", "                - {name: id, category: user.unique_id, erase: {action: ‸hash}}\n                - {name: blocked, category: user.privacy_preferences}\n                - {name: order_id, category: user.unique_id}\n"}),
			`sites[0].systems[0].dataset.tables[3].columns[0].erase.action: a primary key column is kept when the rows are masked: other rows refer to it; use keep or leave erase out`},
		{"restrict column", withSystems(edit{"restrict_column: restricted", "restrict_column: ‸restricted_at"}),
			`sites[0].systems[0].dataset.tables[0].restrict_column: restricted_at is not one of the table's columns; list it in columns, with its data category`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := apply(t, base, tt.edits...)
			line, col, src := position(t, src)
			got := problems(t, "test.yaml", src)
			var want []string
			switch tt.name {
			case "no sites":
				// The edit also leaves the site under an unknown key.
				want = []string{at(line, col, "sites: missing; a manifest describes at least one site"), at(line+1, 1, `unknown key "xs"`)}
			case "notice region code":
				want = nil // a region code is as good as a jurisdiction id
			default:
				want = []string{at(line, col, tt.want)}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSecondSite(t *testing.T) {
	// A second site: its id and origins must differ from the first's.
	site := base[strings.Index(base, "  - id: www"):]
	src := base + apply(t, site,
		edit{"id: www", "id: ‸www"},
		edit{"[https://www.example.com]", "[http://localhost:8080, ‸HTTPS://WWW.EXAMPLE.COM:443]"})
	pos, src := positions(t, src)
	want := []string{
		at(pos[0].line, pos[0].col, `sites[1].id: site id "www" is already used at line 3`),
		at(pos[1].line, pos[1].col, `sites[1].origins[1]: origin HTTPS://WWW.EXAMPLE.COM:443 is already declared at line 5`),
	}
	if diff := cmp.Diff(want, problems(t, "test.yaml", src)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func TestAllProblemsAreReported(t *testing.T) {
	src := apply(t, base,
		edit{"version: 1", "version: 3"},
		edit{"category: analytics", "category: nope"},
		edit{"party: first", "party: none"},
		edit{"mode: opt_in", "mode: maybe"})
	got := problems(t, "test.yaml", src)
	want := []string{
		"test.yaml:1:10: version: unsupported version 3; this program reads version 1",
		`test.yaml:23:19: sites[0].vendors[0].category: unknown category "nope"`,
		`test.yaml:29:20: sites[0].vendors[0].cookies[0].party: "none" is neither first nor third`,
		`test.yaml:53:15: sites[0].jurisdictions[0].mode: unknown mode "maybe"; use opt_in, opt_out or notice`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func TestSuggest(t *testing.T) {
	ids := []string{"marketing", "necessary", "performance"}
	tests := []struct{ in, want string }{
		{"marketting", ` (did you mean "marketing"?)`},
		{"Marketing", ` (did you mean "marketing"?)`},
		{"perf", ""},
		{"social", ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.in, ids); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCheckRegion(t *testing.T) {
	tests := []struct{ code, want string }{
		{"*", ""},
		{"EU", ""},
		{"EEA", ""},
		{"DE", ""},
		{"XK", ""},
		{"US-CA", ""},
		{"US-DC", ""},
		{"FR-75", ""},
		{"CA-QC", ""},
		{"de", `region codes are upper case; write "DE"`},
		{"us-ca", `region codes are upper case; write "US-CA"`},
		{"UK", `"UK" is not an ISO 3166-1 code; write "GB"`},
		{"EL", `"EL" is not an ISO 3166-1 code; write "GR"`},
		{"YU", `unknown region "YU"; use an ISO 3166 code such as DE or US-CA, a group (EU, EEA), or "*" for the rest of the world`},
		{"US-ZZ", `"US-ZZ" is not a US state or territory`},
		{"", `unknown region ""; use an ISO 3166 code such as DE or US-CA, a group (EU, EEA), or "*" for the rest of the world`},
	}
	for _, tt := range tests {
		if got := checkRegion(tt.code); got != tt.want {
			t.Errorf("checkRegion(%q) = %q, want %q", tt.code, got, tt.want)
		}
	}
}

func TestGroups(t *testing.T) {
	if n := len(euMembers); n != 27 {
		t.Errorf("the EU has %d members, want 27", n)
	}
	if n := len(eeaMembers); n != 30 {
		t.Errorf("the EEA has %d members, want 30", n)
	}
	if n := len(countries); n != 250 {
		t.Errorf("%d country codes, want the 249 assigned ones and XK", n)
	}
	for c := range eeaMembers {
		if !countries[c] {
			t.Errorf("EEA member %s is not a country code", c)
		}
	}
	for _, c := range []string{"IS", "LI", "NO"} {
		if inGroup(c, GroupEU) || !inGroup(c, GroupEEA) {
			t.Errorf("%s must be in the EEA and not in the EU", c)
		}
	}
	if inGroup("CH", GroupEEA) || inGroup("GB", GroupEU) {
		t.Error("CH and GB are in neither group")
	}
}
