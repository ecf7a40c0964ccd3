package dsr

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/custos-privacy/custos/internal/consent"
	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/disclosure"
	"github.com/custos-privacy/custos/internal/manifest"
)

// Result is what approving a request did to Custos's own data. It holds
// counts and manifest ids only, never personal data, and is shown to staff
// and summarised to the person.
type Result struct {
	Consents  int              `json:"consents"`            // consent records found for the person
	Requests  int              `json:"requests"`            // requests held about the person, this one included
	Subjects  int              `json:"subjects"`            // consent ids linked to the address
	Answer    string           `json:"answer,omitempty"`    // file name of the package prepared
	Size      int              `json:"size,omitempty"`      // its size in bytes
	Erased    map[string]int64 `json:"erased,omitempty"`    // rows removed or cleared, per kind
	Kept      []Kept           `json:"kept,omitempty"`      // data left alone, and why
	Withdrawn int              `json:"withdrawn,omitempty"` // new consent records refusing what was asked
	Marked    string           `json:"marked,omitempty"`    // restricted or objected
	Steps     int              `json:"steps,omitempty"`     // steps queued in the site's other systems
	Note      string           `json:"note,omitempty"`
}

// awaitComplete is how long a prepared answer waits for Complete.
const awaitComplete = 365 * 24 * time.Hour

// Kept is data an erasure left alone for a legal obligation.
type Kept struct {
	DataCategory string `json:"data_category"`
	Reason       string `json:"reason"`
}

// subjectData is everything Custos holds about one person on one site.
type subjectData struct {
	subjects []string
	consents []*custos.Consent
	requests []*custos.Request
	events   map[string][]*custos.RequestEvent
	marks    []*custos.SubjectMark
}

// gather collects what Custos holds about r's person: the consent records
// of every consent id linked to the address (and of the one given with
// the request), and every request and mark filed under the address.
func (s *Service) gather(ctx context.Context, r *custos.Request) (*subjectData, error) {
	links, err := s.Store.SubjectLinks(ctx, r.Site, r.EmailHash)
	if err != nil {
		return nil, err
	}
	if r.ConsentSubject != "" && !slices.Contains(links, r.ConsentSubject) {
		links = append(links, r.ConsentSubject)
	}
	sort.Strings(links)
	d := &subjectData{subjects: links, events: map[string][]*custos.RequestEvent{}}
	for _, sub := range links {
		cs, err := s.Consents.ConsentHistory(ctx, r.Site, sub)
		if err != nil {
			return nil, err
		}
		d.consents = append(d.consents, cs...)
	}
	all, err := s.Store.Requests(ctx, custos.RequestQuery{Site: r.Site, EmailHash: r.EmailHash, Limit: 1000})
	if err != nil {
		return nil, err
	}
	for _, q := range all {
		// An unverified request may be anyone's, filed under the address.
		if q.State != custos.StateUnverified {
			d.requests = append(d.requests, q)
		}
	}
	for _, q := range d.requests {
		if d.events[q.ID], err = s.Store.RequestEvents(ctx, q.ID); err != nil {
			return nil, err
		}
	}
	if d.marks, err = s.Store.SubjectMarks(ctx, r.Site, r.EmailHash); err != nil {
		return nil, err
	}
	return d, nil
}

// fulfil carries r out on Custos's own data, adding what it writes to
// change, and reports what it did. Consent withdrawals are recorded
// through the consent service first, each with an idempotency key of the
// request, so that approving again after a crash records nothing twice.
func (s *Service) fulfil(ctx context.Context, site *manifest.Site, r *custos.Request, change *custos.RequestChange, now time.Time) (*Result, error) {
	d, err := s.gather(ctx, r)
	if err != nil {
		return nil, err
	}
	res := &Result{Consents: len(d.consents), Requests: len(d.requests), Subjects: len(d.subjects)}
	answer := func(name, contentType string, data []byte) {
		// The download window opens when the person is told (Complete);
		// until then the package waits, up to the longest a request may
		// take.
		change.Answer = &custos.Answer{RequestID: r.ID, ContentType: contentType, FileName: name, Data: data,
			CreatedAt: now, ExpiresAt: now.Add(awaitComplete)}
		res.Answer, res.Size = name, len(data)
	}
	switch r.Type {
	case custos.RequestInformation:
		b, err := disclosure.Information(site, r.Locale, r.Region, now)
		if err != nil {
			return nil, &custos.Error{Code: custos.EINTERNAL, Message: "could not write the information", Err: err}
		}
		answer("information-"+r.ID+".html", "text/html; charset=utf-8", b)

	case custos.RequestAccess, custos.RequestPortability:
		b, err := s.accessPackage(site, r, d, nil, now)
		if err != nil {
			return nil, err
		}
		answer(packageName(site, r), "application/zip", b)

	case custos.RequestErasure:
		e := &custos.Erasure{Site: site.ID, EmailHash: r.EmailHash, Subjects: d.subjects,
			Consents: true, Suppression: s.mac("suppress", site.ID, r.Email)}
		if dc := site.DataCategory(custos.ConsentDataCategory); dc != nil && dc.LegalHold != "" {
			e.Consents = false
			res.Kept = append(res.Kept, Kept{DataCategory: dc.ID, Reason: dc.LegalHold})
		}
		// The request itself is kept: the controller must be able to show
		// it was answered (GDPR Art. 5(2)); its retention deletes it.
		res.Kept = append(res.Kept, Kept{DataCategory: custos.RequestDataCategory,
			Reason: "this request, kept to show it was answered (GDPR Art. 5(2))"})
		change.Erasure = e

	case custos.RequestRectification:
		res.Note = "Custos holds no data of the person that the correction applies to besides the address the request came from; the systems that hold their data are corrected by the connectors."

	case custos.RequestRestriction:
		change.Marks = append(change.Marks, &custos.SubjectMark{Site: site.ID, EmailHash: r.EmailHash,
			Kind: custos.MarkRestricted, RequestID: r.ID, Since: now})
		res.Marked = custos.MarkRestricted

	case custos.RequestObjection:
		change.Marks = append(change.Marks, &custos.SubjectMark{Site: site.ID, EmailHash: r.EmailHash,
			Kind: custos.MarkObjected, Detail: r.Objection, RequestID: r.ID, Since: now})
		res.Marked = custos.MarkObjected
		if res.Withdrawn, err = s.withdraw(ctx, site, r, d.subjects, objectionRefuses(site, r.Objection)); err != nil {
			return nil, err
		}

	case custos.RequestConsentWithdrawal:
		all := func(c *manifest.Category) bool { return !c.Required }
		if res.Withdrawn, err = s.withdraw(ctx, site, r, d.subjects, all); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func packageName(site *manifest.Site, r *custos.Request) string {
	return "custos-" + site.ID + "-" + r.ID + ".zip"
}

// accessPackage builds the ZIP answering access or portability request r
// from d and what the steps found in the site's other systems.
func (s *Service) accessPackage(site *manifest.Site, r *custos.Request, d *subjectData, systems []disclosure.SystemData, now time.Time) ([]byte, error) {
	var buf bytes.Buffer
	err := disclosure.Package(&buf, disclosure.Input{
		Site: site, Locale: r.Locale, Region: r.Region, Request: r,
		Consents: d.consents, Requests: d.requests, Events: d.events, Marks: d.marks,
		Generated: now, Issuer: s.PublicURL, Systems: systems,
	})
	if err != nil {
		return nil, &custos.Error{Code: custos.EINTERNAL, Message: "could not build the package", Err: err}
	}
	return buf.Bytes(), nil
}

// addSystemData rebuilds the package of an access or portability request
// with what its steps found in the site's other systems, once they are all
// done; a request with no such steps keeps the package of its approval.
func (s *Service) addSystemData(ctx context.Context, site *manifest.Site, r *custos.Request, steps []Step) error {
	if r.Type != custos.RequestAccess && r.Type != custos.RequestPortability {
		return nil
	}
	results, err := stepResults(steps)
	if err != nil || len(results) == 0 {
		return err
	}
	var systems []disclosure.SystemData
	for _, sys := range site.Systems {
		res, ok := results[sys.ID]
		if !ok {
			continue
		}
		sd := disclosure.SystemData{ID: sys.ID, Name: sys.Name, Data: res}
		var hand handResult
		if json.Unmarshal(res, &hand) == nil && hand.DoneBy != "" {
			// Done by hand: the note (which the person reads on the
			// timeline too) and the files, without who did it.
			sd.Data, _ = json.Marshal(map[string]string{"note": hand.Note})
			for _, f := range hand.Files {
				sd.Files = append(sd.Files, disclosure.File{Name: f.Name, MediaType: f.MediaType, Data: f.Data})
			}
		}
		systems = append(systems, sd)
	}
	d, err := s.gather(ctx, r)
	if err != nil {
		return err
	}
	now := s.now()
	b, err := s.accessPackage(site, r, d, systems, now)
	if err != nil {
		return err
	}
	return s.apply(ctx, &custos.RequestChange{Answer: &custos.Answer{RequestID: r.ID, ContentType: "application/zip",
		FileName: packageName(site, r), Data: b, CreatedAt: now, ExpiresAt: now.Add(awaitComplete)}})
}

// objectionRefuses returns which consent categories an objection refuses:
// for sale or sharing, the categories marked so; for direct marketing,
// those of purposes marked direct_marketing; for legitimate interests,
// those of purposes on that basis.
func objectionRefuses(site *manifest.Site, scope string) func(*manifest.Category) bool {
	cats := map[string]bool{}
	for _, p := range site.Purposes {
		if scope == custos.ObjectDirectMarketing && p.DirectMarketing ||
			scope == custos.ObjectLegitimateInterests && p.LegalBasis == manifest.BasisLegitimateInterest {
			for _, c := range p.Categories {
				cats[c] = true
			}
		}
	}
	return func(c *manifest.Category) bool {
		if c.Required {
			return false
		}
		return cats[c.ID] || scope == custos.ObjectSaleSharing && c.SaleSharing
	}
}

// withdraw records, for each consent id of the person, a new choice that
// refuses the categories refuse selects and keeps the others as they
// were; it returns how many records it wrote. A consent id whose current
// choice already refuses them all gets none.
func (s *Service) withdraw(ctx context.Context, site *manifest.Site, r *custos.Request, subjects []string, refuse func(*manifest.Category) bool) (int, error) {
	n := 0
	for _, sub := range subjects {
		cur, err := s.Consents.ConsentState(ctx, site.ID, sub)
		if custos.ErrorCode(err) == custos.ENOTFOUND {
			continue
		}
		if err != nil {
			return n, err
		}
		// A record is written only when something the request refuses was
		// granted. The other choices stand as they were, unless they were
		// made under an earlier manifest: the new record is made under the
		// current one, which the person never agreed to, so they are
		// refused too (the banner's preference centre can grant them).
		stale := cur.ManifestFingerprint != site.Fingerprint()
		choices := map[string]bool{}
		changed := false
		for _, c := range site.Categories {
			v := cur.Choices[c.ID]
			switch {
			case c.Required:
				v = true
			case refuse(c):
				changed = changed || v
				v = false
			case stale:
				v = false
			}
			choices[c.ID] = v
		}
		if !changed {
			continue
		}
		in := custos.ConsentInput{Site: site.ID, Subject: sub, Choices: choices, Method: custos.MethodWithdraw,
			ManifestFingerprint: site.Fingerprint(), Locale: cur.Locale, Region: cur.Region}
		if !site.HasLocale(in.Locale) {
			in.Locale = site.Locales[0]
		}
		idem := &custos.Idempotency{Key: "request-" + r.ID + "-" + sub, Scope: "requests:" + site.ID, RequestHash: choicesHash(choices)}
		if _, _, err := s.Recorder.Record(ctx, in, consent.Meta{Region: cur.Region}, idem); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func choicesHash(c map[string]bool) string {
	h := sha256.New()
	for _, k := range slices.Sorted(maps.Keys(c)) {
		v := "0"
		if c[k] {
			v = "1"
		}
		h.Write([]byte(k + "=" + v + ";"))
	}
	return hex.EncodeToString(h.Sum(nil))
}
