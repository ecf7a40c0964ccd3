package disclosure

import (
	"archive/zip"
	"bufio"
	"bytes"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"maps"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/manifest"
)

// Input is what a package is made of: the records Custos holds about one
// person, and the request being answered.
type Input struct {
	Site *manifest.Site
	// Locale and Region are the person's; "" takes the request's.
	Locale, Region string
	// Request is the request being answered; nil packages the records
	// without naming one.
	Request *custos.Request
	// Consents are the person's consent records, receipts included.
	Consents []*custos.Consent
	// Requests are every request held about the person; Request is added
	// if missing.
	Requests []*custos.Request
	// Events are the timelines of the requests, by request id, staff notes
	// included.
	Events map[string][]*custos.RequestEvent
	// Marks are the restrictions and objections recorded against the
	// person.
	Marks []*custos.SubjectMark
	// Generated dates the package and is the modification time of its
	// files.
	Generated time.Time
	// Issuer names who prepared the package; "" is the controller.
	Issuer string
	// Systems are the person's data found in the site's other systems
	// (the steps of the request's plan), in the manifest's order.
	Systems []SystemData
}

// SystemData is what one system holds about the person: for a database,
// the rows of each table (primary key and personal columns); for a
// processor, what it answered.
type SystemData struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Data is the system's answer as JSON: for a database
	// {"tables": [{"table": ..., "rows": [...]}]}.
	Data json.RawMessage `json:"data"`
	// Files are files the system gave for the person (an export staff
	// uploaded for a system with no API), written to the ZIP under
	// systems/<id>/ and listed in data.json without their bytes.
	Files []File `json:"files,omitempty"`
}

// File is a file of a system's answer.
type File struct {
	Name      string `json:"name"`
	Path      string `json:"path"` // in the ZIP; set by Package
	MediaType string `json:"media_type"`
	Size      int    `json:"size"` // set by Package
	Data      []byte `json:"-"`
}

// Names of the files of a package, in the order the ZIP holds them.
const (
	fileReadme      = "README.txt"
	fileIndex       = "index.html"
	fileInformation = "information.html"
	fileData        = "data.json"
	fileConsents    = "consents.csv"
	fileRequests    = "requests.csv"
	fileEvents      = "events.csv"
)

// DataFormat and DataFormatVersion identify the layout of data.json, which
// README.txt documents; a change that removes or renames a field takes a
// new version.
const (
	DataFormat        = "custos-disclosure"
	DataFormatVersion = 1
)

// Package writes the answer to an access or portability request as a ZIP:
// README.txt, index.html (a readable summary in the person's language),
// information.html (the information of GDPR Art. 15(1), as Information
// returns it), data.json (everything, machine-readable), and consents.csv,
// requests.csv and events.csv. The same Input gives the same bytes: the
// files come in a fixed order, dated Generated, and records are sorted by
// time then id. Consent records are streamed to the JSON and CSV files one
// at a time.
func Package(w io.Writer, in Input) error {
	if in.Site == nil {
		return errors.New("disclosure: no site")
	}
	p := prepare(in)
	zw := zip.NewWriter(w)
	for _, f := range []struct {
		name  string
		write func(io.Writer) error
	}{
		{fileReadme, p.writeReadme},
		{fileIndex, p.writeIndex},
		{fileInformation, func(w io.Writer) error { return writeInformation(w, p.site, p.locale, p.region, p.generated) }},
		{fileData, p.writeData},
		{fileConsents, p.writeConsentsCSV},
		{fileRequests, p.writeRequestsCSV},
		{fileEvents, p.writeEventsCSV},
	} {
		h := &zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: p.generated}
		h.SetMode(0o644)
		fw, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		bw := bufio.NewWriterSize(fw, 32<<10)
		if err := f.write(bw); err != nil {
			return fmt.Errorf("disclosure: %s: %w", f.name, err)
		}
		if err := bw.Flush(); err != nil {
			return err
		}
	}
	for _, sys := range p.systems {
		for _, f := range sys.Files {
			h := &zip.FileHeader{Name: f.Path, Method: zip.Deflate, Modified: p.generated}
			h.SetMode(0o644)
			fw, err := zw.CreateHeader(h)
			if err != nil {
				return err
			}
			if _, err := fw.Write(f.Data); err != nil {
				return fmt.Errorf("disclosure: %s: %w", f.Path, err)
			}
		}
	}
	return zw.Close()
}

// systemFiles gives each file of systems its path in the ZIP,
// systems/<system>/<name>, with both made safe to unpack (no directory,
// no control character) and distinct, and its size. It copies what it
// changes.
func systemFiles(systems []SystemData) []SystemData {
	out := slices.Clone(systems)
	seen := map[string]bool{}
	for i := range out {
		if len(out[i].Files) == 0 {
			continue
		}
		dir := "systems/" + safeName(out[i].ID, "system")
		files := slices.Clone(out[i].Files)
		for j := range files {
			name := safeName(files[j].Name, fmt.Sprintf("file-%d", j+1))
			p := dir + "/" + name
			for n := 2; seen[p]; n++ {
				ext := path.Ext(name)
				p = fmt.Sprintf("%s/%s-%d%s", dir, strings.TrimSuffix(name, ext), n, ext)
			}
			seen[p] = true
			files[j].Path, files[j].Size = p, len(files[j].Data)
		}
		out[i].Files = files
	}
	return out
}

// safeName is s without path separators, control characters or leading
// dots; or, if nothing is left, def.
func safeName(s, def string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '/' || r == '\\' || r == utf8.RuneError {
			return -1
		}
		return r
	}, s)
	s = strings.TrimLeft(strings.TrimSpace(s), ".")
	if s == "" {
		return def
	}
	return s
}

// prepared is an Input sorted and resolved.
type prepared struct {
	site           *manifest.Site
	locale, region string
	g              lang
	generated      time.Time // in UTC
	issuer         string
	request        *custos.Request
	consents       []*custos.Consent
	requests       []*custos.Request
	events         []*custos.RequestEvent // by request (in requests' order, then unknown ids), then time
	marks          []*custos.SubjectMark
	email          string
	subjects       []string // consent ids, sorted
	categories     []string // the choice keys: the manifest's categories first, then others, sorted
	systems        []SystemData
}

func prepare(in Input) *prepared {
	p := &prepared{
		systems: systemFiles(in.Systems),
		site:    in.Site, locale: in.Locale, region: in.Region,
		generated: in.Generated.UTC(), issuer: in.Issuer, request: in.Request,
	}
	if r := in.Request; r != nil {
		if p.locale == "" {
			p.locale = r.Locale
		}
		if p.region == "" {
			p.region = r.Region
		}
	}
	p.g = resolve(in.Site, p.locale)
	if p.issuer == "" {
		p.issuer = cmp.Or(in.Site.Controller.Name, in.Site.Name)
	}

	p.consents = nonNil(in.Consents)
	slices.SortStableFunc(p.consents, func(a, b *custos.Consent) int {
		return cmp.Or(a.IssuedAt.Compare(b.IssuedAt), strings.Compare(a.ID, b.ID))
	})

	p.requests = nonNil(in.Requests)
	if r := in.Request; r != nil && !slices.ContainsFunc(p.requests, func(x *custos.Request) bool { return x.ID == r.ID }) {
		p.requests = append(p.requests, r)
	}
	slices.SortStableFunc(p.requests, func(a, b *custos.Request) int {
		return cmp.Or(a.ReceivedAt.Compare(b.ReceivedAt), strings.Compare(a.ID, b.ID))
	})

	byTime := func(a, b *custos.RequestEvent) int {
		return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.ID, b.ID))
	}
	seen := map[string]bool{}
	for _, r := range p.requests {
		if seen[r.ID] {
			continue
		}
		seen[r.ID] = true
		evs := nonNil(in.Events[r.ID])
		slices.SortStableFunc(evs, byTime)
		p.events = append(p.events, evs...)
	}
	for _, id := range slices.Sorted(maps.Keys(in.Events)) {
		if !seen[id] {
			evs := nonNil(in.Events[id])
			slices.SortStableFunc(evs, byTime)
			p.events = append(p.events, evs...)
		}
	}

	p.marks = nonNil(in.Marks)
	slices.SortStableFunc(p.marks, func(a, b *custos.SubjectMark) int {
		return cmp.Or(a.Since.Compare(b.Since), cmp.Compare(a.ID, b.ID))
	})

	if in.Request != nil && in.Request.Email != "" {
		p.email = in.Request.Email
	} else {
		for _, r := range p.requests {
			if r.Email != "" {
				p.email = r.Email
				break
			}
		}
	}

	subjects := map[string]bool{}
	keys := map[string]bool{}
	for _, c := range p.consents {
		if c.Subject != "" {
			subjects[c.Subject] = true
		}
		for k := range c.Choices {
			keys[k] = true
		}
	}
	for _, r := range p.requests {
		if r.ConsentSubject != "" {
			subjects[r.ConsentSubject] = true
		}
	}
	p.subjects = append([]string{}, slices.Sorted(maps.Keys(subjects))...) // [] in JSON, not null
	for _, c := range in.Site.Categories {
		if keys[c.ID] {
			p.categories = append(p.categories, c.ID)
			delete(keys, c.ID)
		}
	}
	p.categories = append(p.categories, slices.Sorted(maps.Keys(keys))...)
	return p
}

// nonNil returns a copy of s without its nil elements, so that sorting
// never changes the caller's slice.
func nonNil[T any](s []*T) []*T {
	out := make([]*T, 0, len(s))
	for _, x := range s {
		if x != nil {
			out = append(out, x)
		}
	}
	return out
}

// data.json

type dataHead struct {
	Format        string      `json:"format"`
	FormatVersion int         `json:"format_version"`
	Generated     time.Time   `json:"generated"`
	Issuer        string      `json:"issuer"`
	Locale        string      `json:"locale"`
	Site          dataSite    `json:"site"`
	Request       *dataRef    `json:"request,omitempty"`
	Subject       dataSubject `json:"subject"`
}

type dataSite struct {
	ID                  string              `json:"id"`
	Name                string              `json:"name"`
	ManifestFingerprint string              `json:"manifest_fingerprint"`
	Controller          manifest.Controller `json:"controller"`
}

type dataRef struct {
	ID   string             `json:"id"`
	Type custos.RequestType `json:"type"`
}

type dataSubject struct {
	Email      string   `json:"email"`
	ConsentIDs []string `json:"consent_ids"`
}

// dataMark is a custos.SubjectMark without the keyed hash of the address,
// which is Custos's lookup key and tells the person nothing.
type dataMark struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	Detail    string    `json:"detail,omitempty"`
	RequestID string    `json:"request_id,omitempty"`
	Since     time.Time `json:"since"`
	LiftedAt  time.Time `json:"lifted_at,omitzero"`
}

// writeData writes data.json: a head, then the records one per line, so
// that a thousand receipts are never held as one string.
func (p *prepared) writeData(w io.Writer) error {
	head := dataHead{
		Format: DataFormat, FormatVersion: DataFormatVersion,
		Generated: p.generated, Issuer: p.issuer, Locale: p.g.doc,
		Site: dataSite{
			ID: p.site.ID, Name: p.site.Name, ManifestFingerprint: p.site.Fingerprint(),
			Controller: p.site.Controller,
		},
		Subject: dataSubject{Email: p.email, ConsentIDs: p.subjects},
	}
	if r := p.request; r != nil {
		head.Request = &dataRef{ID: r.ID, Type: r.Type}
	}
	b, err := json.MarshalIndent(head, "", "  ")
	if err != nil {
		return err
	}
	// The head without its closing brace; the arrays follow.
	b = bytes.TrimSuffix(b, []byte("\n}"))
	if _, err := w.Write(b); err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	array := func(name string, n int, item func(i int) any) error {
		if _, err := fmt.Fprintf(w, ",\n  %q: [", name); err != nil {
			return err
		}
		for i := range n {
			buf.Reset()
			if err := enc.Encode(item(i)); err != nil {
				return err
			}
			sep := ",\n    "
			if i == 0 {
				sep = "\n    "
			}
			if _, err := io.WriteString(w, sep); err != nil {
				return err
			}
			if _, err := w.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))); err != nil {
				return err
			}
		}
		end := "\n  ]"
		if n == 0 {
			end = "]"
		}
		_, err := io.WriteString(w, end)
		return err
	}
	if err := array("consents", len(p.consents), func(i int) any { return p.consents[i] }); err != nil {
		return err
	}
	if err := array("requests", len(p.requests), func(i int) any { return p.requests[i] }); err != nil {
		return err
	}
	if err := array("events", len(p.events), func(i int) any { return p.events[i] }); err != nil {
		return err
	}
	if err := array("systems", len(p.systems), func(i int) any { return p.systems[i] }); err != nil {
		return err
	}
	if err := array("marks", len(p.marks), func(i int) any {
		m := p.marks[i]
		return dataMark{ID: m.ID, Kind: m.Kind, Detail: m.Detail, RequestID: m.RequestID, Since: m.Since, LiftedAt: m.LiftedAt}
	}); err != nil {
		return err
	}
	_, err = io.WriteString(w, "\n}\n")
	return err
}

// CSV

// csvWriter writes CSV for spreadsheets: a byte order mark (without which
// Excel reads UTF-8 as Windows-1252), CRLF line ends, and every cell that
// a spreadsheet would take for a formula neutralised.
type csvWriter struct {
	cw  *csv.Writer
	row []string
}

func newCSV(w io.Writer, header ...string) (*csvWriter, error) {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return nil, err
	}
	c := &csvWriter{cw: csv.NewWriter(w)}
	c.cw.UseCRLF = true
	return c, c.cw.Write(header)
}

func (c *csvWriter) write(cells ...string) error {
	c.row = c.row[:0]
	for _, s := range cells {
		c.row = append(c.row, neutralize(s))
	}
	return c.cw.Write(c.row)
}

func (c *csvWriter) close() error {
	c.cw.Flush()
	return c.cw.Error()
}

// neutralize prefixes with an apostrophe a cell that a spreadsheet would
// read as a formula or a command (CSV injection): one starting with =, +,
// -, @, a tab or a carriage return. Spreadsheets show the rest as text.
func neutralize(s string) string {
	if s != "" && strings.IndexByte("=+-@\t\r", s[0]) >= 0 {
		return "'" + s
	}
	return s
}

// stamp writes a time in RFC 3339, in UTC; the zero time is "".
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// choices writes a consent's choices as category=true;other=false, sorted.
func choices(b *strings.Builder, m map[string]bool) string {
	b.Reset()
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(strconv.FormatBool(m[k]))
	}
	return b.String()
}

// consentColumns are the columns of consents.csv.
var consentColumns = []string{"id", "subject", "issued_at", "expires_at", "method", "mode", "choices", "jurisdiction",
	"region", "locale", "notice_version", "manifest_fingerprint", "gpc", "ip_prefix", "receipt"}

func (p *prepared) writeConsentsCSV(w io.Writer) error {
	c, err := newCSV(w, consentColumns...)
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, x := range p.consents {
		if err := c.write(x.ID, x.Subject, stamp(x.IssuedAt), stamp(x.ExpiresAt), string(x.Method), x.Mode,
			choices(&b, x.Choices), x.Jurisdiction, x.Region, x.Locale, x.NoticeVersion, x.ManifestFingerprint,
			strconv.FormatBool(x.GPC), x.IPPrefix, x.Receipt); err != nil {
			return err
		}
	}
	return c.close()
}

// requestColumns are the columns of requests.csv.
var requestColumns = []string{"id", "type", "state", "email", "consent_subject", "locale", "region", "jurisdiction", "law",
	"details", "objection", "received_at", "verified_at", "acknowledge_by", "due_at", "extended", "extension_reason",
	"closed_at", "deny_reason", "deny_note", "result", "updated_at"}

func (p *prepared) writeRequestsCSV(w io.Writer) error {
	c, err := newCSV(w, requestColumns...)
	if err != nil {
		return err
	}
	for _, r := range p.requests {
		if err := c.write(r.ID, string(r.Type), string(r.State), r.Email, r.ConsentSubject, r.Locale, r.Region,
			r.Jurisdiction, r.Law, r.Details, r.Objection, stamp(r.ReceivedAt), stamp(r.VerifiedAt),
			stamp(r.AcknowledgeBy), stamp(r.DueAt), strconv.FormatBool(r.Extended), r.ExtensionReason,
			stamp(r.ClosedAt), r.DenyReason, r.DenyNote, r.Result, stamp(r.UpdatedAt)); err != nil {
			return err
		}
	}
	return c.close()
}

// eventColumns are the columns of events.csv.
var eventColumns = []string{"id", "request_id", "time", "actor", "kind", "note"}

func (p *prepared) writeEventsCSV(w io.Writer) error {
	c, err := newCSV(w, eventColumns...)
	if err != nil {
		return err
	}
	for _, e := range p.events {
		if err := c.write(strconv.FormatInt(e.ID, 10), e.RequestID, stamp(e.Time), e.Actor, e.Kind, e.Note); err != nil {
			return err
		}
	}
	return c.close()
}

// index.html

type indexPage struct {
	Lang, Dir string
	TL        template.HTMLAttr
	L         *labels
	Style     template.CSS
	SiteName  string
	Intro     string
	Files     []fileView
	Email     string
	Subjects  []string
	Counts    []countView
	Info      *sentence

	ConsentsIntro string
	Legend        string
	Categories    []string // column headers
	ShowBrowser   bool
	Consents      []consentRow

	Requests []requestRow
	Events   []eventRow
	Marks    []markRow
	IssuedBy string
}

type fileView struct{ Name, Content string }

// Href is the link to the file from index.html: its path, each element
// escaped (a name may hold '#', '%' or '?').
func (f fileView) Href() string {
	parts := strings.Split(f.Name, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

type countView struct{ Label, Value string }

type consentRow struct {
	Time, Method string
	Browser      int
	Cells        template.HTML // the choices, built from constants only
}

type requestRow struct {
	ID, Received, Type, State, Due, Closed, Reason, Note string
	Current                                              bool
}

type eventRow struct{ Time, Request, Kind, Note string }

type markRow struct{ Kind, Detail, Since, Lifted string }

// The cells of the consent table.
const (
	symYes = "✓"
	symNo  = "✗"
	symNA  = "–"
)

var (
	cellYes = `<td class="y">` + symYes + `</td>`
	cellNo  = `<td class="n">` + symNo + `</td>`
	cellNA  = `<td class="u">` + symNA + `</td>`
)

func (p *prepared) writeIndex(w io.Writer) error {
	g, l, site := p.g, p.g.l, p.site
	local := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(g.loc).Format("2006-01-02 15:04")
	}
	day := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return l.date(t.In(g.loc))
	}
	x := &indexPage{
		Lang: g.doc, Dir: direction(g.doc), TL: g.textAttr, L: l,
		Style: template.CSS(pageCSS), SiteName: site.Name,
		Intro: fmt.Sprintf(l.PackageIntroAny, site.Name),
		Files: []fileView{
			{fileIndex, l.FileIndex}, {fileInformation, l.FileInformation}, {fileData, l.FileData},
			{fileConsents, l.FileConsents}, {fileRequests, l.FileRequests}, {fileEvents, l.FileEvents},
			{fileReadme, l.FileReadme},
		},
		Email:    p.email,
		Subjects: p.subjects,
		Counts: []countView{
			{l.CountConsents, l.count(len(p.consents))}, {l.CountRequests, l.count(len(p.requests))},
			{l.CountEvents, l.count(len(p.events))}, {l.CountMarks, l.count(len(p.marks))},
		},
		Info:          around(l.InformationLink, link{Text: l.InformationText, URL: fileInformation}),
		ConsentsIntro: fmt.Sprintf(l.ConsentsIntro, g.loc.String()),
		Legend:        fmt.Sprintf(l.Legend, symYes, symNo, symNA),
		IssuedBy:      fmt.Sprintf(l.IssuedBy, p.issuer, l.date(p.generated.In(g.loc))),
	}
	for _, sys := range p.systems {
		for _, f := range sys.Files {
			x.Files = append(x.Files, fileView{f.Path, fmt.Sprintf(l.FileSystem, sys.Name)})
		}
	}
	if r := p.request; r != nil {
		x.Intro = fmt.Sprintf(l.PackageIntro, l.reqType(string(r.Type)), day(r.ReceivedAt), r.ID)
	}

	for _, id := range p.categories {
		name := humanize(id)
		if c := site.Category(id); c != nil {
			if n := site.TextIn(c.Text, g.text).Name; n != "" {
				name = n
			}
		}
		x.Categories = append(x.Categories, name)
	}
	browser := map[string]int{}
	for _, c := range p.consents {
		if _, ok := browser[c.Subject]; !ok {
			browser[c.Subject] = len(browser) + 1
		}
	}
	x.ShowBrowser = len(browser) > 1
	x.Consents = make([]consentRow, len(p.consents))
	var cells strings.Builder
	for i, c := range p.consents {
		cells.Reset()
		for _, k := range p.categories {
			v, ok := c.Choices[k]
			switch {
			case !ok:
				cells.WriteString(cellNA)
			case v:
				cells.WriteString(cellYes)
			default:
				cells.WriteString(cellNo)
			}
		}
		x.Consents[i] = consentRow{
			Time: local(c.IssuedAt), Method: l.method(string(c.Method)), Browser: browser[c.Subject],
			Cells: template.HTML(cells.String()),
		}
	}

	typeOf := map[string]string{}
	for _, r := range p.requests {
		row := requestRow{
			ID: r.ID, Received: day(r.ReceivedAt), Type: capital(l.reqType(string(r.Type))), State: l.state(string(r.State)),
			Due: day(r.DueAt), Closed: day(r.ClosedAt), Note: r.DenyNote,
			Current: p.request != nil && r.ID == p.request.ID,
		}
		if r.State == custos.StateDenied && r.DenyReason != "" {
			row.Reason = fmt.Sprintf(l.DeniedBecause, l.denial(r.DenyReason))
		}
		if r.State.Closed() || r.State == custos.StateUnverified {
			row.Due = ""
		}
		x.Requests = append(x.Requests, row)
		typeOf[r.ID] = row.Type
	}
	for _, e := range p.events {
		x.Events = append(x.Events, eventRow{
			Time: local(e.Time), Request: cmp.Or(typeOf[e.RequestID], e.RequestID), Kind: l.event(e.Kind), Note: e.Note,
		})
	}
	for _, m := range p.marks {
		row := markRow{Kind: l.mark(m.Kind), Detail: m.Detail, Since: day(m.Since), Lifted: day(m.LiftedAt)}
		if m.Kind == custos.MarkObjected && m.Detail != "" {
			row.Detail = l.scope(m.Detail)
		}
		if row.Lifted == "" {
			row.Lifted = l.InForce
		}
		x.Marks = append(x.Marks, row)
	}
	return pages.ExecuteTemplate(w, "index.tmpl", x)
}

// capital writes s with a capital initial, for a label that starts a cell.
func capital(s string) string {
	for i, r := range s {
		if i == 0 {
			return strings.ToUpper(string(r)) + s[len(string(r)):]
		}
	}
	return s
}
