package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// MaxSize is the largest manifest Parse and LoadFile accept. Real manifests
// are tens of kilobytes; the limit stops a wrong path (a log, a database
// file) from being read whole into memory.
const MaxSize = 4 << 20

// YAML aliases let a few lines stand for an exponential number of values
// ("billion laughs"). Decoding stops after twice as many values as the file
// writes out plus aliasAllowance: far more than reusing a few texts needs.
const aliasAllowance = 10_000

// LoadFile reads, parses and validates the manifest at path. A file that
// cannot be read gives the error from the os package; a manifest with
// problems gives a *ProblemsError listing all of them.
func LoadFile(path string) (*Manifest, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse parses and validates a manifest from data; name is used in problem
// positions and kept as the manifest's Source. On any problem it returns a
// *ProblemsError listing all of them.
func Parse(name string, data []byte) (*Manifest, error) {
	l := &loader{file: name, nodes: map[string]*yaml.Node{}, bad: map[string]bool{}}
	if len(data) > MaxSize {
		l.problems = append(l.problems, Problem{File: name,
			Message: fmt.Sprintf("the file is larger than %d MiB, the limit for a manifest", MaxSize>>20)})
		return nil, &ProblemsError{l.problems}
	}
	m := &Manifest{}
	if root := l.document(data); root != nil {
		l.nodes[""] = root
		l.maxValues = 2*countNodes(root) + aliasAllowance
		l.decode("", root, reflect.ValueOf(m).Elem())
		if l.values < l.maxValues {
			l.checkManifest(m)
		}
	}
	if len(l.problems) > 0 {
		sortProblems(l.problems)
		return nil, &ProblemsError{l.problems}
	}
	// Defaults are set after validation so that problems describe what the
	// file says, not what the program filled in.
	for _, s := range m.Sites {
		if s.Cookie.Name == "" {
			s.Cookie.Name = DefaultCookieName
		}
		setSystemDefaults(s)
		s.fingerprint = fingerprint(s)
		s.matcher = newMatcher(s.Locales)
	}
	m.Source = name
	m.Raw = bytes.Clone(data)
	return m, nil
}

// loader holds the state of one Parse: the positions of every value by its
// field path ("sites[0].vendors[2].category"), and the problems found.
type loader struct {
	file     string
	problems []Problem
	nodes    map[string]*yaml.Node // field path → value node
	bad      map[string]bool       // paths whose value could not be decoded

	values, maxValues int // decoded so far, and the limit
}

// countNodes counts the nodes written in a document, not following aliases.
func countNodes(n *yaml.Node) int {
	c := 1
	for _, e := range n.Content {
		c += countNodes(e)
	}
	return c
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// document parses data into a YAML node tree and returns the root mapping,
// or nil after recording a problem.
func (l *loader) document(data []byte) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			l.problems = append(l.problems, Problem{File: l.file, Message: "the manifest is empty"})
		} else {
			l.syntaxError(err)
		}
		return nil
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		n := &next
		if len(n.Content) > 0 {
			n = n.Content[0]
		}
		l.at(n, `a manifest is a single YAML document; remove the second "---" and what follows it`)
	case !errors.Is(err, io.EOF):
		l.syntaxError(err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if isNull(root) {
		l.at(root, "the manifest is empty")
		return nil
	}
	return root
}

// syntaxError records an error of the YAML parser. Its messages carry a line
// but no column.
func (l *loader) syntaxError(err error) {
	p := Problem{File: l.file, Message: strings.TrimPrefix(err.Error(), "yaml: ")}
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		p.Line, _ = strconv.Atoi(m[1])
		p.Message = "YAML syntax: " + m[2]
	}
	l.problems = append(l.problems, p)
}

// at records a problem at a node.
func (l *loader) at(n *yaml.Node, format string, args ...any) {
	l.problems = append(l.problems, Problem{File: l.file, Line: n.Line, Col: n.Column, Message: fmt.Sprintf(format, args...)})
}

// errorf records a problem with the value at path, positioned at that value
// or, when the file does not have it, at the nearest enclosing value. Nothing
// is recorded under a path that already failed to decode, so that one
// mistake gives one problem.
func (l *loader) errorf(path, format string, args ...any) {
	for p := path; ; p = parent(p) {
		if l.bad[p] {
			return
		}
		if p == "" {
			break
		}
	}
	l.at(l.node(path), "%s%s", prefix(path), fmt.Sprintf(format, args...))
}

// node returns the value node at path or at its nearest ancestor in the file.
func (l *loader) node(path string) *yaml.Node {
	for p := path; ; p = parent(p) {
		if n, ok := l.nodes[p]; ok {
			return n
		}
		if p == "" {
			return &yaml.Node{}
		}
	}
}

// has reports whether the file gives a value at path.
func (l *loader) has(path string) bool {
	n, ok := l.nodes[path]
	return ok && !isNull(n)
}

// line returns the line of the value at path, for problems that point back
// at an earlier declaration.
func (l *loader) line(path string) int { return l.node(path).Line }

func field(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

func parent(path string) string {
	if strings.HasSuffix(path, "]") {
		return path[:strings.LastIndexByte(path, '[')]
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i]
	}
	return ""
}

var unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()

// decode stores the value of n in v, recording the position of every value
// and a problem for every key the types do not have and every value of the
// wrong kind. It is a small reflection-based decoder rather than
// yaml.Node.Decode because that one stops at the first unknown key and
// reports neither columns nor field paths.
func (l *loader) decode(path string, n *yaml.Node, v reflect.Value) {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if v.Kind() == reflect.Pointer {
		// Allocated even for a null list element ("- "), so that the checks
		// see an empty element and report what it lacks.
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		l.decode(path, n, v.Elem())
		return
	}
	l.values++
	if l.values == l.maxValues {
		l.at(n, "aliases (*name) expand the manifest to more than %d values; reuse fewer, or nest them less", l.maxValues)
	}
	if l.values >= l.maxValues {
		return
	}
	l.nodes[path] = n
	if v.CanAddr() && v.Addr().Type().Implements(unmarshalerType) {
		if err := v.Addr().Interface().(yaml.Unmarshaler).UnmarshalYAML(n); err != nil {
			l.errorf(path, "%s", err)
			l.bad[path] = true
		}
		return
	}
	if isNull(n) {
		return // left zero; the checks report it if it was required
	}
	wrong := func(want string) {
		l.errorf(path, "expected %s, got %s", want, describe(n))
		l.bad[path] = true
	}
	switch v.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			wrong("key: value pairs")
			return
		}
		fields := yamlFields(v.Type())
		for _, kv := range l.pairs(path, n) {
			i, ok := fields[kv.key]
			if !ok {
				l.at(kv.keyNode, "%sunknown key %q%s", prefix(path), kv.key, suggest(kv.key, slices.Sorted(maps.Keys(fields))))
				continue
			}
			l.decode(field(path, kv.key), kv.value, v.Field(i))
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			wrong("key: value pairs")
			return
		}
		if v.IsNil() {
			v.Set(reflect.MakeMap(v.Type()))
		}
		for _, kv := range l.pairs(path, n) {
			e := reflect.New(v.Type().Elem()).Elem()
			l.decode(field(path, kv.key), kv.value, e)
			v.SetMapIndex(reflect.ValueOf(kv.key), e)
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			wrong("a list")
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, e := range n.Content {
			if l.values >= l.maxValues {
				break
			}
			l.decode(index(path, i), e, s.Index(i))
		}
		v.Set(s)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			wrong("text")
			return
		}
		// The text as written, whatever YAML would resolve it to: a notice
		// version 2 or a date 2024-09-16 is the text "2" or "2024-09-16".
		v.SetString(n.Value)
	case reflect.Bool:
		var b bool
		if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
			wrong("true or false")
			return
		}
		v.SetBool(b)
	case reflect.Int:
		// Atoi also takes a quoted number: version: "1" means version 1.
		i, err := strconv.Atoi(n.Value)
		if err != nil || n.Kind != yaml.ScalarNode {
			wrong("a whole number")
			return
		}
		v.SetInt(int64(i))
	default:
		panic("manifest: cannot decode into " + v.Type().String())
	}
}

type pair struct {
	key            string
	keyNode, value *yaml.Node
}

// pairs returns the entries of a mapping, with the entries of merge keys
// ("<<: *defaults") after the explicit ones they do not override. It records
// a problem for keys that are not plain text and for duplicate keys, which
// YAML forbids but the parser lets through into a node tree.
func (l *loader) pairs(path string, n *yaml.Node) []pair {
	var out []pair
	seen := map[string]*yaml.Node{}
	var merged []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merged = append(merged, val)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			l.at(k, "%skeys must be plain text, got %s", prefix(path), describe(k))
			continue
		}
		if first, ok := seen[k.Value]; ok {
			l.at(k, "%skey %q is already given at line %d", prefix(path), k.Value, first.Line)
			continue
		}
		seen[k.Value] = k
		out = append(out, pair{k.Value, k, val})
	}
	for _, m := range merged {
		for m.Kind == yaml.AliasNode {
			m = m.Alias
		}
		sources := []*yaml.Node{m}
		if m.Kind == yaml.SequenceNode {
			sources = m.Content
		}
		for _, src := range sources {
			for src.Kind == yaml.AliasNode {
				src = src.Alias
			}
			if src.Kind != yaml.MappingNode {
				l.at(src, "%sa merge (<<) takes key: value pairs or a list of them, got %s", prefix(path), describe(src))
				continue
			}
			for _, kv := range l.pairs(path, src) {
				if _, ok := seen[kv.key]; !ok {
					seen[kv.key] = kv.keyNode
					out = append(out, kv)
				}
			}
		}
	}
	return out
}

func prefix(path string) string {
	if path == "" {
		return ""
	}
	return path + ": "
}

var fieldCache sync.Map // reflect.Type → map[string]int

// yamlFields maps the YAML keys of a struct type to field indexes.
func yamlFields(t reflect.Type) map[string]int {
	if f, ok := fieldCache.Load(t); ok {
		return f.(map[string]int)
	}
	fields := map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "-" || name == "" {
			continue
		}
		fields[name] = i
	}
	fieldCache.Store(t, fields)
	return fields
}

func isNull(n *yaml.Node) bool {
	return n.Kind == 0 || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names what a node holds, for "expected X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "key: value pairs"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "nothing"
		}
		if r := []rune(n.Value); len(r) > 40 {
			return strconv.Quote(string(r[:37]) + "...")
		}
		return strconv.Quote(n.Value)
	}
	return "nothing"
}
