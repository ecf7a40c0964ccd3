package manifest

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema()))
	if err != nil {
		t.Fatalf("schema.json is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	// Compiling checks the schema against the draft 2020-12 meta-schema.
	s, err := c.Compile("schema.json")
	if err != nil {
		t.Fatalf("compiling schema.json: %v", err)
	}
	return s
}

// yamlToJSON converts a manifest to the JSON an editor's YAML language
// server checks against the schema: YAML 1.2 core types, so an unquoted
// 2024-09-16 is a string.
func yamlToJSON(t *testing.T, src []byte) any {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(nodeValue(t, doc.Content[0]))
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func nodeValue(t *testing.T, n *yaml.Node) any {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i < len(n.Content); i += 2 {
			m[n.Content[i].Value] = nodeValue(t, n.Content[i+1])
		}
		return m
	case yaml.SequenceNode:
		l := []any{}
		for _, e := range n.Content {
			l = append(l, nodeValue(t, e))
		}
		return l
	}
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		return n.Value == "true"
	case "!!int", "!!float":
		f, err := strconv.ParseFloat(n.Value, 64)
		if err != nil {
			t.Fatalf("line %d: %v", n.Line, err)
		}
		return f
	}
	return n.Value
}

func TestSchemaAcceptsDemo(t *testing.T) {
	if err := compileSchema(t).Validate(yamlToJSON(t, DemoYAML())); err != nil {
		t.Fatalf("the demo manifest does not match schema.json:\n%v", err)
	}
}

func TestSchemaRejects(t *testing.T) {
	s := compileSchema(t)
	if err := s.Validate(yamlToJSON(t, []byte(base))); err != nil {
		t.Fatalf("the test base manifest does not match schema.json:\n%v", err)
	}
	if err := s.Validate(yamlToJSON(t, []byte(apply(t, base, withSystems()...)))); err != nil {
		t.Fatalf("the test base manifest with systems does not match schema.json:\n%v", err)
	}
	tests := []struct {
		name  string
		edits []edit
		want  string // in the error
	}{
		{"version", []edit{{"version: 1", "version: 2"}}, "/version"},
		{"unknown key", []edit{{"        cookies:\n", "        cokies: []\n        cookies:\n"}}, "cokies"},
		{"site id", []edit{{"id: www", "id: WWW"}}, "/sites/0/id"},
		{"origin path", []edit{{"[https://www.example.com]", "[https://www.example.com/en]"}}, "/sites/0/origins/0"},
		{"duration", []edit{{"duration: 13mo", "duration: 13 months"}}, "/sites/0/vendors/0/cookies/0/duration"},
		{"party", []edit{{"party: first", "party: both"}}, "/sites/0/vendors/0/cookies/0/party"},
		{"legal basis", []edit{{"legal_basis: consent", "legal_basis: consented"}}, "/sites/0/purposes/0/legal_basis"},
		{"consent without categories", []edit{{"        categories: [analytics]\n", ""}}, "/sites/0/purposes/0"},
		{"retention session", []edit{{"retention: 25mo", "retention: session"}}, "/sites/0/data_categories/0/retention"},
		{"country", []edit{{"country: DE", "country: de"}}, "/sites/0/processors/0/country"},
		{"safeguard", []edit{{"safeguard: none", "safeguard: sccs"}}, "/sites/0/processors/0/safeguard"},
		{"region", []edit{{"[EU, EEA]", "[EU, Europe]"}}, "/sites/0/jurisdictions/0/regions/1"},
		{"mode", []edit{{"mode: opt_in", "mode: opt-in"}}, "/sites/0/jurisdictions/0/mode"},
		{"published", []edit{{`published: "2024-06-01"`, `published: "01/06/2024"`}}, "/sites/0/notices/2/published"},
		{"privacy policy", []edit{{"https://matomo.org/privacy-policy/", "http://matomo.org/privacy-policy/"}}, "/sites/0/vendors/0/privacy_policy"},
		{"no sites", []edit{{"sites:\n", "sitez:\n"}}, "sites"},
		{"system kind", withSystems(edit{"kind: postgres", "kind: oracle"}), "/sites/0/systems/0/kind"},
		{"system without connection", withSystems(edit{"        connection: {env: SHOP_DSN}\n", ""}), "/sites/0/systems/0"},
		{"connection env and file", withSystems(edit{"{env: SHOP_DSN}", "{env: SHOP_DSN, file: /run/shop}"}), "/sites/0/systems/0/connection"},
		{"information request", withSystems(edit{"requests: [access]", "requests: [information]"}), "/sites/0/systems/2/requests/0"},
		{"dataset on a webhook", withSystems(edit{"        after: [shop]\n", "        after: [shop]\n        dataset: {tables: [{name: c, primary_key: [id]}]}\n"}), "/sites/0/systems/1"},
		{"webhook http", withSystems(edit{"url: https://crm.example.com/custos", "url: http://crm.example.com/custos"}), "/sites/0/systems/1/webhook/url"},
		{"webhook timeout", withSystems(edit{"          secret: {file: /run/secrets/crm}\n", "          secret: {file: /run/secrets/crm}\n          timeout: 1h\n"}), "/sites/0/systems/1/webhook/timeout"},
		{"table name", withSystems(edit{"- name: order_lines", "- name: order-lines"}), "/sites/0/systems/0/dataset/tables/2/name"},
		{"identity kind", withSystems(edit{"{email: email, customer_id: id}", "{mail: email}"}), "mail"},
		{"erase value without fixed", withSystems(edit{"{action: fixed, value: erased}", "{action: hash, value: erased}"}), "/sites/0/systems/0/dataset/tables/3/columns/2/erase"},
		{"table erase", withSystems(edit{"erase: mask", "erase: hash"}), "/sites/0/systems/0/dataset/tables/3/erase"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Validate(yamlToJSON(t, []byte(apply(t, base, tt.edits...))))
			if err == nil {
				t.Fatal("the schema accepts it")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error does not mention %q:\n%v", tt.want, err)
			}
		})
	}
}

// TestSchemaMatchesTypes checks that the schema and the Go types name the
// same keys, so that neither the editor nor the program accepts a key the
// other rejects.
func TestSchemaMatchesTypes(t *testing.T) {
	var schema struct {
		Properties map[string]json.RawMessage
		Defs       map[string]struct {
			Properties map[string]json.RawMessage
		} `json:"$defs"`
	}
	if err := json.Unmarshal(Schema(), &schema); err != nil {
		t.Fatal(err)
	}
	types := map[string]reflect.Type{
		"":               reflect.TypeFor[Manifest](),
		"site":           reflect.TypeFor[Site](),
		"controller":     reflect.TypeFor[Controller](),
		"consentCookie":  reflect.TypeFor[ConsentCookie](),
		"text":           reflect.TypeFor[Text](),
		"category":       reflect.TypeFor[Category](),
		"vendor":         reflect.TypeFor[Vendor](),
		"cookie":         reflect.TypeFor[Cookie](),
		"purpose":        reflect.TypeFor[Purpose](),
		"dataCategory":   reflect.TypeFor[DataCategory](),
		"processor":      reflect.TypeFor[Processor](),
		"jurisdiction":   reflect.TypeFor[Jurisdiction](),
		"requests":       reflect.TypeFor[Requests](),
		"extension":      reflect.TypeFor[Extension](),
		"optOutRequests": reflect.TypeFor[OptOutRequests](),
		"notice":         reflect.TypeFor[Notice](),
		"system":         reflect.TypeFor[System](),
		"secret":         reflect.TypeFor[Secret](),
		"webhook":        reflect.TypeFor[Webhook](),
		"dataset":        reflect.TypeFor[Dataset](),
		"table":          reflect.TypeFor[Table](),
		"reference":      reflect.TypeFor[Reference](),
		"column":         reflect.TypeFor[Column](),
		"erase":          reflect.TypeFor[Erase](),
	}
	for def, typ := range types {
		props := schema.Properties
		if def != "" {
			d, ok := schema.Defs[def]
			if !ok {
				t.Errorf("schema.json has no $defs/%s for %s", def, typ)
				continue
			}
			props = d.Properties
		}
		var inSchema, inGo []string
		for k := range props {
			inSchema = append(inSchema, k)
		}
		for k := range yamlFields(typ) {
			inGo = append(inGo, k)
		}
		slices.Sort(inSchema)
		slices.Sort(inGo)
		if diff := cmp.Diff(inGo, inSchema); diff != "" {
			t.Errorf("keys of %s (-Go +schema):\n%s", typ, diff)
		}
	}
}

// TestSchemaDescriptions checks that every property has a description, which
// editors show as help.
func TestSchemaDescriptions(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(Schema(), &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		// The if/then/else of a conditional refine properties described
		// already.
		conditional := strings.Contains(path, "/if") || strings.Contains(path, "/then") || strings.Contains(path, "/else")
		if props, ok := m["properties"].(map[string]any); ok {
			for name, p := range props {
				pm, _ := p.(map[string]any)
				if d, _ := pm["description"].(string); d == "" && !conditional {
					t.Errorf("%s/properties/%s has no description", path, name)
				}
				walk(path+"/properties/"+name, p)
			}
		}
		for k, sub := range m {
			if k != "properties" {
				walk(path+"/"+k, sub)
			}
		}
	}
	walk("#", doc)
}
