package manifest

import (
	"cmp"
	"fmt"
	"maps"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// The checks of a site's systems (issue 6). What custos check --connect
// adds (the connection works, the tables and columns exist) needs the
// systems themselves and is not done here.

// requestTypes are the strings of custos.RequestType, in its order; the
// package does not import internal/custos (TestRequestTypesMatchCustos
// keeps the two lists equal). Information requests are answered from the
// manifest, so systems take part in the others.
var requestTypes = []string{"information", "access", "portability", "erasure",
	"rectification", "restriction", "objection", "consent_withdrawal"}

const (
	requestInformation   = "information"
	requestRectification = "rectification"
	requestRestriction   = "restriction"
)

var (
	systemRequestTypes = slices.DeleteFunc(slices.Clone(requestTypes), func(r string) bool { return r == requestInformation })
	systemRoles        = []string{RoleController, RoleProcessor}
	tableErasures      = []string{EraseDelete, EraseMask}
	columnErasures     = []string{EraseNull, EraseFixed, EraseRandom, EraseHash, EraseKeep}

	envNameRE  = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*$`)
	sqlIdentRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)
)

// maxWebhookTimeout is the longest a webhook delivery may take: a
// processor that needs longer answers later through the callback.
const maxWebhookTimeout = 2 * time.Minute

func (l *loader) checkSystems(sc *siteScope, systems []*System) {
	path := field(sc.path, "systems")
	ids := map[string]string{} // system id → path of its id
	for i, sys := range systems {
		p := index(path, i)
		l.checkID(field(p, "id"), sys.ID, "system", ids)
		l.checkSystem(sc, p, sys)
	}
	l.checkAfter(path, systems)
}

func (l *loader) checkSystem(sc *siteScope, path string, sys *System) {
	if sys.Name == "" {
		l.errorf(field(path, "name"), "missing; name the system as staff know it, such as Shop database")
	}
	kindOK := false
	switch {
	case sys.Kind == "":
		l.errorf(field(path, "kind"), "missing; use %s", list(SystemKinds))
	case !slices.Contains(SystemKinds, sys.Kind):
		l.errorf(field(path, "kind"), "unknown kind %q%s; use %s", sys.Kind, suggest(sys.Kind, SystemKinds), list(SystemKinds))
	default:
		kindOK = true
	}
	switch {
	case sys.Role == "":
		l.errorf(field(path, "role"), "missing; use controller (the site's own system) or processor (one that processes the data for the site)")
	case !slices.Contains(systemRoles, sys.Role):
		l.errorf(field(path, "role"), "unknown role %q%s; use controller or processor", sys.Role, suggest(sys.Role, systemRoles))
	}
	l.checkSystemRequests(field(path, "requests"), sys.Requests)

	// The parts that depend on the kind. With an unknown kind, each part
	// given is checked as far as it goes, and none is asked for.
	sql, webhook, manual := isSQLKind(sys.Kind), sys.Kind == SystemWebhook, sys.Kind == SystemManual
	switch {
	case !kindOK:
		l.checkSecret(field(path, "connection"), sys.Connection, "the DSN")
	case sql && sys.Connection == nil:
		l.errorf(field(path, "connection"), "missing; a %s system reads its DSN from an environment variable or a file, such as connection: {env: SHOP_DSN}", sys.Kind)
	case sql:
		l.checkSecret(field(path, "connection"), sys.Connection, "the DSN")
	case sys.Connection != nil && webhook:
		l.errorf(field(path, "connection"), "a webhook system has no connection; the secret that signs its requests is webhook.secret")
	case sys.Connection != nil:
		l.errorf(field(path, "connection"), "a %s system has no connection; remove it", sys.Kind)
	}
	switch {
	case sql && sys.Dataset == nil:
		l.errorf(field(path, "dataset"), "missing; describe the tables that hold personal data")
	case kindOK && !sql && sys.Dataset != nil:
		l.errorf(field(path, "dataset"), "only a SQL system (postgres, mysql or sqlite) has a dataset, not a %s system", sys.Kind)
	case sys.Dataset != nil:
		l.checkDataset(sc, field(path, "dataset"), sys.Dataset)
		if sql && len(sys.Dataset.Tables) > 0 {
			l.checkSQLRequests(path, sys)
		}
	}
	switch {
	case webhook && sys.Webhook == nil:
		l.errorf(field(path, "webhook"), "missing; give the processor's endpoint: url and secret")
	case kindOK && !webhook && sys.Webhook != nil:
		l.errorf(field(path, "webhook"), "only a webhook system has a webhook, not a %s system", sys.Kind)
	case sys.Webhook != nil:
		l.checkWebhook(field(path, "webhook"), sys.Webhook)
	}
	switch {
	case kindOK && !manual && len(sys.Instructions) > 0:
		l.errorf(field(path, "instructions"), "only a manual system has instructions, not a %s system", sys.Kind)
	case manual || len(sys.Instructions) > 0:
		ip := field(path, "instructions")
		for _, loc := range checkLocaleKeys(l, sc, ip, sys.Instructions, manual, "instructions for staff") {
			if strings.TrimSpace(sys.Instructions[loc]) == "" {
				l.errorf(field(ip, loc), "empty instructions")
			}
		}
	}
}

func (l *loader) checkSystemRequests(path string, requests []string) {
	if len(requests) == 0 {
		l.errorf(path, "missing; list the request types the system takes part in: %s", list(systemRequestTypes))
		return
	}
	seen := map[string]string{}
	for i, r := range requests {
		p := index(path, i)
		switch {
		case r == requestInformation:
			l.errorf(p, "information requests are answered from the manifest, not by systems; remove it")
		case !slices.Contains(requestTypes, r):
			l.errorf(p, "unknown request type %q%s; use %s", r, suggest(r, systemRequestTypes), list(systemRequestTypes))
		case seen[r] != "":
			l.errorf(p, "%s is already listed at line %d", r, l.line(seen[r]))
		default:
			seen[r] = p
		}
	}
}

// checkSQLRequests checks that a SQL system can do the requests it takes
// part in that need more than its tables: a restriction sets a table's
// restrict_column, a rectification sets columns marked rectify.
func (l *loader) checkSQLRequests(path string, sys *System) {
	restrict, rectify := false, false
	for _, t := range sys.Dataset.Tables {
		restrict = restrict || t.RestrictColumn != ""
		for _, c := range t.Columns {
			rectify = rectify || c.Rectify
		}
	}
	for i, r := range sys.Requests {
		p := index(field(path, "requests"), i)
		switch {
		case r == requestRestriction && !restrict:
			l.errorf(p, "no table of the dataset has a restrict_column for a restriction to set")
		case r == requestRectification && !rectify:
			l.errorf(p, "no column of the dataset has rectify: true for a rectification to set")
		}
	}
}

// checkSecret checks where a secret is read from: exactly one of an
// environment variable and an absolute file path.
func (l *loader) checkSecret(path string, s *Secret, what string) {
	if s == nil {
		return
	}
	switch {
	case s.Env == "" && s.File == "":
		l.errorf(path, "empty; give env (an environment variable) or file (the path of a file) that holds %s", what)
		return
	case s.Env != "" && s.File != "":
		l.errorf(field(path, "file"), "give env or file, not both")
		return
	}
	switch {
	case s.Env == "":
	case strings.Contains(s.Env, "://") || strings.ContainsAny(s.Env, "=@"):
		l.errorf(field(path, "env"), "env is the name of an environment variable that holds %s, such as SHOP_DSN, not %s itself: secrets stay out of the manifest", what, what)
	case !envNameRE.MatchString(s.Env):
		l.errorf(field(path, "env"), "%q is not an environment variable name; use upper-case letters, digits and underscores, such as SHOP_DSN", s.Env)
	}
	if s.File != "" && !strings.HasPrefix(s.File, "/") {
		l.errorf(field(path, "file"), "%q is not an absolute path, such as /run/secrets/shop-dsn", s.File)
	}
}

func (l *loader) checkWebhook(path string, w *Webhook) {
	if msg := checkWebhookURL(w.URL); msg != "" {
		l.errorf(field(path, "url"), "%s", msg)
	}
	if w.Secret == nil {
		l.errorf(field(path, "secret"), "missing; give env or file that holds the secret the requests are signed with, such as secret: {env: CRM_WEBHOOK_SECRET}")
	} else {
		l.checkSecret(field(path, "secret"), w.Secret, "the secret")
	}
	switch t := w.Timeout; {
	case t.IsZero():
	case t.Session:
		l.errorf(field(path, "timeout"), `a timeout is a period such as 30s, not "session"`)
	case t.Approx() > maxWebhookTimeout:
		l.errorf(field(path, "timeout"), "%s is longer than 2m; a processor that needs longer answers later, through the callback", t)
	}
}

// checkWebhookURL returns "" if s is an https URL, or an http one on a
// loopback host (a processor's bridge on the same machine), or why not.
func checkWebhookURL(s string) string {
	if s == "" {
		return "missing; give the https URL Custos posts requests to"
	}
	u, err := url.Parse(s)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
		return fmt.Sprintf("%q is not an absolute https URL", s)
	case u.User != nil:
		return fmt.Sprintf("%q must not contain a user name or password; the secret is webhook.secret", s)
	case u.Fragment != "":
		return fmt.Sprintf("%q: a webhook URL has no fragment (#...)", s)
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return fmt.Sprintf("%q must use https (http is accepted only on localhost, 127.0.0.1 or ::1)", s)
	}
	return ""
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

// checkAfter checks the order between systems: after names other systems
// of the site, and does not go round in a circle.
func (l *loader) checkAfter(path string, systems []*System) {
	byID := map[string]int{}
	for i, sys := range systems {
		if _, ok := byID[sys.ID]; !ok && sys.ID != "" {
			byID[sys.ID] = i
		}
	}
	known := slices.Sorted(maps.Keys(byID))
	var arcs []arc // system → system it comes after
	for i, sys := range systems {
		ap := field(index(path, i), "after")
		seen := map[string]string{}
		for j, a := range sys.After {
			p := index(ap, j)
			k, ok := byID[a]
			switch {
			case a == "":
				l.errorf(p, "empty; name a system of the site")
			case a == sys.ID:
				l.errorf(p, "a system cannot come after itself")
			case !ok:
				l.errorf(p, "unknown system %q%s", a, suggest(a, known))
			case seen[a] != "":
				l.errorf(p, "%s is already listed at line %d", a, l.line(seen[a]))
			default:
				seen[a] = p
				arcs = append(arcs, arc{i, k, p})
			}
		}
	}
	for _, c := range cycles(len(systems), arcs) {
		var b strings.Builder
		fmt.Fprintf(&b, "%s comes after %s", systems[arcs[c[0]].from].ID, systems[arcs[c[0]].to].ID)
		for _, a := range c[1:] {
			fmt.Fprintf(&b, ", which comes after %s", systems[arcs[a].to].ID)
		}
		l.errorf(arcs[slices.Max(c)].path, "after makes a cycle: %s; one of them must go first", b.String())
	}
}

// arc is an edge of a graph of systems or tables, with the path of what
// declares it.
type arc struct {
	from, to int
	path     string
}

// cycles returns a cycle of each strongly connected part of the graph of
// n nodes that has one, as indexes in arcs, in order along the cycle from
// the part's smallest node. Arcs from a node to itself are cycles.
func cycles(n int, arcs []arc) [][]int {
	out := make([][]int, n)
	for i, a := range arcs {
		out[a.from] = append(out[a.from], i)
	}
	// Tarjan's algorithm for the strongly connected parts.
	num := make([]int, n) // order of discovery, from 1; 0: not yet
	low := make([]int, n)
	part := make([]int, n) // strongly connected part, from 1
	onStack := make([]bool, n)
	var stack []int
	counter, parts := 0, 0
	var visit func(v int)
	visit = func(v int) {
		counter++
		num[v], low[v] = counter, counter
		stack = append(stack, v)
		onStack[v] = true
		for _, ai := range out[v] {
			w := arcs[ai].to
			if num[w] == 0 {
				visit(w)
				low[v] = min(low[v], low[w])
			} else if onStack[w] {
				low[v] = min(low[v], num[w])
			}
		}
		if low[v] == num[v] {
			parts++
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[w] = false
				part[w] = parts
				if w == v {
					break
				}
			}
		}
	}
	for v := range n {
		if num[v] == 0 {
			visit(v)
		}
	}
	// In each part, the shortest cycle through its smallest node, found
	// breadth first.
	var found [][]int
	done := map[int]bool{}
	for start := range n {
		if done[part[start]] {
			continue
		}
		done[part[start]] = true
		via := map[int]int{start: -1} // node → arc it was reached by
		queue := []int{start}
		var cycle []int
	search:
		for len(queue) > 0 {
			v := queue[0]
			queue = queue[1:]
			for _, ai := range out[v] {
				w := arcs[ai].to
				if part[w] != part[start] {
					continue
				}
				if w == start {
					cycle = []int{ai}
					for u := v; u != start; u = arcs[via[u]].from {
						cycle = append(cycle, via[u])
					}
					slices.Reverse(cycle)
					break search
				}
				if _, ok := via[w]; !ok {
					via[w] = ai
					queue = append(queue, w)
				}
			}
		}
		if cycle != nil {
			found = append(found, cycle)
		}
	}
	return found
}

// checkDataset checks the tables of a SQL system, then, when the tables
// and references are right, that they make a plan: every table reached
// from a table with identities, and no cycle of ownership.
func (l *loader) checkDataset(sc *siteScope, path string, d *Dataset) {
	tp := field(path, "tables")
	if len(d.Tables) == 0 {
		l.errorf(tp, "missing; list the tables that hold personal data, with their columns")
		return
	}
	graphOK := !l.bad[tp]
	byName := map[string]int{}
	for i, t := range d.Tables {
		np := field(index(tp, i), "name")
		switch {
		case t.Name == "":
			l.errorf(np, "missing; give the table's name")
			graphOK = false
		case !sqlIdentRE.MatchString(t.Name):
			l.errorf(np, "%q is not a table name; use up to 63 letters, digits and underscores, not starting with a digit", t.Name)
			graphOK = false
		default:
			if first, ok := byName[t.Name]; ok {
				l.errorf(np, "table %s is already described at line %d", t.Name, l.line(field(index(tp, first), "name")))
				graphOK = false
			} else {
				byName[t.Name] = i
			}
		}
	}
	for i, t := range d.Tables {
		if !l.checkTable(sc, index(tp, i), t, d, byName) {
			graphOK = false
		}
	}
	if !graphOK {
		return
	}

	// The walk from the person: from a table to the tables it owns. A
	// reference makes the table pointed at own the table that declares
	// it, or, with owns, the other way round.
	var arcs []arc
	for i, t := range d.Tables {
		for j, r := range t.References {
			k := byName[r.Table]
			p := index(field(index(tp, i), "references"), j)
			if r.Owns {
				arcs = append(arcs, arc{i, k, p})
			} else {
				arcs = append(arcs, arc{k, i, p})
			}
		}
	}
	var starts []int
	for i, t := range d.Tables {
		if len(t.Identities) > 0 {
			starts = append(starts, i)
		}
	}
	if len(starts) == 0 {
		l.errorf(tp, "no table has identities; give the table where a person is found (such as customers) identities: {email: email}")
	} else {
		reached := make([]bool, len(d.Tables))
		for _, s := range starts {
			reached[s] = true
		}
		queue := slices.Clone(starts)
		for len(queue) > 0 {
			v := queue[0]
			queue = queue[1:]
			for _, a := range arcs {
				if a.from == v && !reached[a.to] {
					reached[a.to] = true
					queue = append(queue, a.to)
				}
			}
		}
		for i, t := range d.Tables {
			if !reached[i] {
				l.errorf(field(index(tp, i), "name"), "table %s cannot be reached from a table with identities: give it a reference to the table that owns its rows, or identities", t.Name)
			}
		}
	}
	for _, c := range cycles(len(d.Tables), arcs) {
		var b strings.Builder
		fmt.Fprintf(&b, "%s owns %s", d.Tables[arcs[c[0]].from].Name, d.Tables[arcs[c[0]].to].Name)
		for _, a := range c[1:] {
			fmt.Fprintf(&b, ", which owns %s", d.Tables[arcs[a].to].Name)
		}
		l.errorf(arcs[slices.Max(c)].path, "the references make a cycle: %s; a row cannot own itself: "+
			"a reference points from the row it belongs to to its owner, or, with owns: true, from the owner to the row it owns", b.String())
	}
}

// checkTable checks one table; it returns false when its references
// cannot be followed.
func (l *loader) checkTable(sc *siteScope, path string, t *Table, d *Dataset, byName map[string]int) bool {
	refsOK := true
	// Primary key.
	pkp := field(path, "primary_key")
	if len(t.PrimaryKey) == 0 {
		l.errorf(pkp, "missing; list the primary key's columns, such as [id]")
	}
	seenPK := map[string]bool{}
	for i, c := range t.PrimaryKey {
		p := index(pkp, i)
		switch {
		case !sqlIdentRE.MatchString(c):
			l.errorf(p, "%q is not a column name; use up to 63 letters, digits and underscores, not starting with a digit", c)
		case seenPK[c]:
			l.errorf(p, "column %s is already in the primary key", c)
		}
		seenPK[c] = true
	}

	// Columns.
	cp := field(path, "columns")
	listed := map[string]string{} // column → path
	masked := t.Erase == EraseMask
	for i, c := range t.Columns {
		p := index(cp, i)
		switch {
		case c.Name == "":
			l.errorf(field(p, "name"), "missing; give the column's name")
		case !sqlIdentRE.MatchString(c.Name):
			l.errorf(field(p, "name"), "%q is not a column name; use up to 63 letters, digits and underscores, not starting with a digit", c.Name)
		case listed[c.Name] != "":
			l.errorf(field(p, "name"), "column %s is already listed at line %d", c.Name, l.line(listed[c.Name]))
		default:
			listed[c.Name] = field(p, "name")
		}
		var dc *DataCategory
		switch {
		case c.Category == "":
			l.errorf(field(p, "category"), "missing; give the data category of what the column holds, such as user.contact.email")
		case l.bad[field(sc.path, "data_categories")]:
		default:
			if dc = sc.site.DataCategory(c.Category); dc == nil {
				ids := make([]string, len(sc.site.DataCategories))
				for k, cat := range sc.site.DataCategories {
					ids[k] = cat.ID
				}
				l.errorf(field(p, "category"), "unknown data category %q%s; declare it in the site's data_categories", c.Category, suggest(c.Category, ids))
			}
		}
		hold := dc != nil && dc.LegalHold != ""
		inPK := seenPK[c.Name]
		if c.Erase != nil {
			ep := field(p, "erase")
			// YAML reads a bare null as no value; here it is the action.
			if n := l.nodes[field(ep, "action")]; c.Erase.Action == "" && n != nil && strings.EqualFold(n.Value, EraseNull) {
				c.Erase.Action = EraseNull
			}
			switch a := c.Erase.Action; {
			case !l.has(ep):
				l.errorf(ep, "empty; give action: %s", list(columnErasures))
			case a == "":
				l.errorf(field(ep, "action"), "missing; use %s", list(columnErasures))
			case a == EraseDelete || a == EraseMask:
				l.errorf(field(ep, "action"), "%s applies to a table's rows (the table's erase); a column's action is %s", a, list(columnErasures))
			case !slices.Contains(columnErasures, a):
				l.errorf(field(ep, "action"), "unknown action %q%s; use %s", a, suggest(a, columnErasures), list(columnErasures))
			case a == EraseFixed && !l.has(field(ep, "value")):
				l.errorf(field(ep, "value"), `missing; give the value that replaces the person's, such as value: "erased"`)
			case a != EraseFixed && l.has(field(ep, "value")):
				l.errorf(field(ep, "value"), "a value goes with action: fixed only")
			case a != EraseKeep && inPK && masked:
				l.errorf(field(ep, "action"), "a primary key column is kept when the rows are masked: other rows refer to it; use keep or leave erase out")
			case a != EraseKeep && hold:
				l.errorf(field(ep, "action"), "%s is kept for a legal obligation, so an erasure leaves this column alone; use keep or leave erase out", c.Category)
			}
		}
		if c.Rectify && inPK {
			l.errorf(field(p, "rectify"), "a primary key column cannot be rectified: other rows refer to it")
		}
	}
	known := func(col string) bool { return seenPK[col] || listed[col] != "" }
	knownNames := func() []string { return append(slices.Clone(t.PrimaryKey), slices.Collect(maps.Keys(listed))...) }

	// Identities.
	ip := field(path, "identities")
	for _, kind := range slices.Sorted(maps.Keys(t.Identities)) {
		col, p := t.Identities[kind], field(ip, kind)
		switch {
		case !slices.Contains(IdentityKinds, kind):
			l.errorf(p, "unknown identity %q%s; use %s", kind, suggest(kind, IdentityKinds), list(IdentityKinds))
		case col == "":
			l.errorf(p, "missing; name the column that holds the %s", identityWords[kind])
		case listed[col] == "":
			l.errorf(p, "%s is not one of the table's columns; list it in columns, with its data category", col)
		}
	}

	// Table erasure and restriction.
	if t.Erase != "" && !slices.Contains(tableErasures, t.Erase) {
		msg := fmt.Sprintf("unknown erasure %q%s; use delete (the rows) or mask (each column as its erase says)", t.Erase, suggest(t.Erase, tableErasures))
		if slices.Contains(columnErasures, t.Erase) {
			msg = fmt.Sprintf("%s is a column's erase action; a table's is delete (the rows) or mask (each column as its erase says)", t.Erase)
		}
		l.errorf(field(path, "erase"), "%s", msg)
	}
	if r := t.RestrictColumn; r != "" && listed[r] == "" {
		l.errorf(field(path, "restrict_column"), "%s is not one of the table's columns; list it in columns, with its data category", r)
	}

	// References.
	rp := field(path, "references")
	if l.bad[rp] {
		refsOK = false
	}
	for i, r := range t.References {
		p := index(rp, i)
		if l.bad[p] {
			refsOK = false
			continue
		}
		var target *Table
		switch k, ok := byName[r.Table]; {
		case r.Table == "":
			l.errorf(field(p, "table"), "missing; name the table the reference points at")
		case !ok:
			l.errorf(field(p, "table"), "unknown table %q%s; a reference points at a table of the dataset", r.Table, suggest(r.Table, slices.Sorted(maps.Keys(byName))))
		default:
			target = d.Tables[k]
		}
		if target == nil {
			refsOK = false
		}
		switch {
		case len(r.Columns) == 0:
			l.errorf(field(p, "columns"), "missing; list the columns of %s that point at %s", t.Name, cmp.Or(r.Table, "the other table"))
			refsOK = false
		case len(r.To) == 0:
			l.errorf(field(p, "to"), "missing; list the columns of %s that the reference points at, such as [id]", cmp.Or(r.Table, "the other table"))
			refsOK = false
		case len(r.Columns) != len(r.To):
			l.errorf(field(p, "to"), "%d columns for the %d of columns; a reference pairs them in order", len(r.To), len(r.Columns))
			refsOK = false
		}
		for j, c := range r.Columns {
			if !known(c) {
				l.errorf(index(field(p, "columns"), j), "%s is not a column of %s: name a primary key column or a listed one%s", c, t.Name, suggest(c, knownNames()))
				refsOK = false
			}
		}
		if target == nil {
			continue
		}
		for j, c := range r.To {
			if !target.InPrimaryKey(c) && target.Column(c) == nil {
				var names []string
				for _, col := range target.Columns {
					names = append(names, col.Name)
				}
				l.errorf(index(field(p, "to"), j), "%s is not a column of %s: name a primary key column or a listed one%s", c, r.Table, suggest(c, append(slices.Clone(target.PrimaryKey), names...)))
				refsOK = false
			}
		}
	}
	return refsOK
}

var identityWords = map[string]string{
	IdentityEmail:      "e-mail address",
	IdentityPhone:      "phone number",
	IdentityCustomerID: "customer id",
	IdentityConsentID:  "consent id (the id in the consent cookie)",
}

// setSystemDefaults fills in the defaults of a valid site's systems.
func setSystemDefaults(s *Site) {
	for _, sys := range s.Systems {
		if w := sys.Webhook; w != nil && w.Timeout.IsZero() {
			w.Timeout = DefaultWebhookTimeout
		}
		if sys.Dataset == nil {
			continue
		}
		for _, t := range sys.Dataset.Tables {
			if t.Erase == "" {
				t.Erase = EraseDelete
			}
			for _, c := range t.Columns {
				if c.Erase != nil {
					continue
				}
				if dc := s.DataCategory(c.Category); t.InPrimaryKey(c.Name) || dc != nil && dc.LegalHold != "" {
					c.Erase = &Erase{Action: EraseKeep}
				} else {
					c.Erase = &Erase{Action: EraseNull}
				}
			}
		}
	}
}
