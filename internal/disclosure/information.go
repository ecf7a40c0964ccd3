// Package disclosure builds what a data subject receives in answer to a
// request, in their language: the information of GDPR Art. 15(1)(a)–(h)
// as a standalone HTML document (Information), and, for access and
// portability requests, a ZIP holding a copy of their data in readable and
// machine-readable forms (Package).
//
// Everything comes from the privacy manifest and the records Custos keeps;
// the fixed words exist in English, French and German (labels.go), and
// other languages get English words around the site's own texts. The HTML
// is self-contained: one inline style sheet, no script, nothing loaded
// from elsewhere, every manifest or record string escaped by html/template.
package disclosure

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"html/template"
	"io"
	"net/url"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/custos-privacy/custos/internal/manifest"
)

//go:embed information.tmpl index.tmpl common.tmpl style.css
var files embed.FS

var pageCSS = func() string {
	b, err := files.ReadFile("style.css")
	if err != nil {
		panic(err)
	}
	return string(b)
}()

var pages = template.Must(template.ParseFS(files, "common.tmpl", "information.tmpl", "index.tmpl"))

// ContentSecurityPolicy is the policy to serve the HTML documents with:
// nothing but their own <style> element, allowed by hash. They run no
// script and load nothing.
var ContentSecurityPolicy = func() string {
	sum := sha256.Sum256([]byte(pageCSS))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}()

// Information returns the information of GDPR Art. 15(1) about site's
// processing as a standalone HTML document, in the language of locale (a
// BCP 47 tag; the site's texts fall back as manifest.Localized does, the
// fixed words to English). region is the person's ISO 3166 region as
// manifest.Site.Jurisdiction takes it, "" if unknown: it decides the time
// limits stated for answering requests, the US opt-out right and the
// supervisory authority named. now dates the document.
func Information(site *manifest.Site, locale, region string, now time.Time) ([]byte, error) {
	var b bytes.Buffer
	if err := writeInformation(&b, site, locale, region, now); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func writeInformation(w io.Writer, site *manifest.Site, locale, region string, now time.Time) error {
	if site == nil {
		return errors.New("disclosure: no site")
	}
	return pages.ExecuteTemplate(w, "information.tmpl", buildInformation(site, resolve(site, locale), region, now))
}

// lang is the language a document is written in.
type lang struct {
	l    *labels
	text string // the site locale its manifest texts are taken in
	doc  string // the lang attribute of the document
	// textAttr is the lang attribute of elements holding manifest texts
	// when they are in another language than the document's, else "".
	textAttr template.HTMLAttr
	loc      *time.Location // the controller's time zone
}

// resolve picks the labels for locale and the site locale of its texts.
func resolve(site *manifest.Site, locale string) lang {
	if locale == "" && len(site.Locales) > 0 {
		locale = site.Locales[0]
	}
	if locale == "" {
		locale = "en"
	}
	g := lang{l: labelsFor(locale), loc: time.UTC}
	g.text = site.BestLocale(locale, "")
	if g.text == "" {
		g.text = locale
	}
	g.doc = g.l.lang
	if baseOf(g.text) == g.l.lang {
		g.doc = g.text
	} else {
		g.textAttr = template.HTMLAttr(` lang="` + html.EscapeString(g.text) + `"`)
	}
	if tz := site.Controller.Timezone; tz != "" {
		if l, err := time.LoadLocation(tz); err == nil {
			g.loc = l
		}
	}
	return g
}

func baseOf(locale string) string {
	tag, err := language.Parse(locale)
	if err != nil {
		return locale
	}
	base, _ := tag.Base()
	return base.String()
}

// direction is the writing direction of a locale, for the dir attribute.
func direction(locale string) string {
	switch baseOf(locale) {
	case "ar", "he", "fa", "ur", "ps", "yi", "dv", "ckb", "sd", "ug":
		return "rtl"
	}
	return "ltr"
}

// link is an anchor; without URL it is plain text.
type link struct{ Text, URL string }

// sentence is a sentence around a link, from a pattern with one %s.
type sentence struct {
	Before, After string
	Link          link
}

func around(pattern string, l link) *sentence {
	before, after, _ := strings.Cut(pattern, "%s")
	return &sentence{Before: before, After: after, Link: l}
}

// contact links an e-mail address, a web address, or neither.
func contact(s string) link {
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, "https://"), strings.HasPrefix(s, "http://"):
		return link{Text: s, URL: s}
	case strings.Count(s, "@") == 1 && !strings.ContainsAny(s, " \t\r\n<>\"'/:;,") && !strings.HasPrefix(s, "@") && !strings.HasSuffix(s, "@"):
		return link{Text: s, URL: "mailto:" + s}
	}
	return link{Text: s}
}

type infoPage struct {
	Lang, Dir string
	TL        template.HTMLAttr // lang of manifest texts, when not Lang
	L         *labels
	Style     template.CSS
	SiteName  string
	Intro     string

	Controller controllerView
	Purposes   []purposeView
	Data       []dataView
	Recipients []recipientView
	Copy       *sentence // how to get a copy of the transfer safeguards; nil without transfers
	Rights     []rightView
	Exercise   *sentence
	DPO        *sentence
	Deadline   string
	Extension  string
	Withdraw   bool
	Authority  *sentence
	EDPB       *sentence
	Notice     *sentence
	Prepared   string
	Generated  string
}

type controllerView struct {
	Name, Address string
	Email, DPO    link
}

type purposeView struct {
	ID, Name, Description, Basis string
	Through                      string // the consent categories, when the basis is consent
	DirectMarketing              bool
}

type dataView struct {
	ID, Name, Description, Purposes, Retention, Source string
	Hold                                               string // why it is kept despite an erasure request
}

type recipientView struct {
	Name, URL, Role, Country, Safeguard, Purposes string
}

type rightView struct{ Name, Text string }

func buildInformation(site *manifest.Site, g lang, region string, now time.Time) *infoPage {
	l := g.l
	p := &infoPage{
		Lang: g.doc, Dir: direction(g.doc), TL: g.textAttr, L: l,
		Style:    template.CSS(pageCSS),
		SiteName: site.Name,
		Intro:    fmt.Sprintf(l.InfoIntro, site.Name),
		Controller: controllerView{
			Name: site.Controller.Name, Address: site.Controller.Address,
			Email: contact(site.Controller.Email), DPO: contact(site.Controller.DPO),
		},
		Prepared:  fmt.Sprintf(l.Prepared, l.date(now.In(g.loc))),
		Generated: fmt.Sprintf(l.Fingerprint, site.Fingerprint()),
	}

	purposeName := func(id string) string {
		if pu := site.Purpose(id); pu != nil {
			if n := site.TextIn(pu.Text, g.text).Name; n != "" {
				return n
			}
		}
		return humanize(id)
	}
	purposeNames := func(ids []string) string {
		names := make([]string, len(ids))
		for i, id := range ids {
			names[i] = purposeName(id)
		}
		return l.join(names)
	}

	for _, pu := range site.Purposes {
		t := site.TextIn(pu.Text, g.text)
		v := purposeView{ID: pu.ID, Name: purposeName(pu.ID), Description: t.Description, Basis: l.basis(pu.LegalBasis),
			DirectMarketing: pu.DirectMarketing}
		if pu.LegalBasis == manifest.BasisConsent && len(pu.Categories) > 0 {
			var cats []string
			for _, id := range pu.Categories {
				name := humanize(id)
				if c := site.Category(id); c != nil {
					if n := site.TextIn(c.Text, g.text).Name; n != "" {
						name = n
					}
				}
				cats = append(cats, name)
			}
			v.Through = fmt.Sprintf(l.ThroughCategory, l.join(cats))
		}
		p.Purposes = append(p.Purposes, v)
	}

	for _, dc := range site.DataCategories {
		t := site.TextIn(dc.Text, g.text)
		name := t.Name
		if name == "" {
			name = l.dataName(dc.ID)
		}
		p.Data = append(p.Data, dataView{
			ID: dc.ID, Name: name, Description: t.Description, Purposes: purposeNames(dc.Purposes),
			Retention: l.duration(dc.Retention), Source: l.source(dc.Source),
		})
		if dc.LegalHold != "" {
			p.Data[len(p.Data)-1].Hold = fmt.Sprintf(l.LegalHold, dc.LegalHold)
		}
	}

	transfers := false
	for _, pr := range site.Processors {
		p.Recipients = append(p.Recipients, recipientView{
			Name: pr.Name, URL: pr.URL, Role: l.role(pr.Role), Country: l.country(pr.Country),
			Safeguard: l.safeguard(pr.Safeguard), Purposes: purposeNames(pr.Purposes),
		})
		transfers = transfers || pr.Safeguard != "none"
	}

	// Where to write: the privacy contact, else the DPO, else the
	// controller by name.
	to := p.Controller.Email
	if to.URL == "" && p.Controller.DPO.URL != "" {
		to = p.Controller.DPO
	}
	if to.URL != "" {
		p.Exercise = around(l.Exercise, to)
	} else {
		p.Exercise = around(l.ExerciseNoMail, link{Text: site.Controller.Name})
	}
	if transfers {
		p.Copy = around(l.SafeguardCopy, to)
		if to.URL == "" {
			p.Copy.Link = link{Text: site.Controller.Name}
		}
	}
	if dpo := p.Controller.DPO; dpo.Text != "" && dpo != to {
		p.DPO = around(l.ExerciseDPO, dpo)
	}

	j := site.Jurisdiction(region)
	for _, r := range rights {
		if r == "opt_out" && (j == nil || j.Mode != manifest.ModeOptOut) {
			continue
		}
		p.Rights = append(p.Rights, rightView{Name: l.RightNames[r], Text: l.RightTexts[r]})
	}
	deadlines := j.RequestDeadlinesFor(region)
	switch {
	case deadlines.WithoutDelay:
		p.Deadline = l.AnswerNoDelay
	case !deadlines.Answer.IsZero():
		p.Deadline = fmt.Sprintf(l.AnswerWithin, l.period(deadlines.Answer))
	}
	if e := deadlines.Extension; e != nil && !e.Period.IsZero() {
		pattern := l.Extension
		if e.Reason {
			pattern = l.ExtensionReason
		}
		p.Extension = fmt.Sprintf(pattern, l.period(e.Period))
	}
	for _, c := range site.Categories {
		if !c.Required {
			p.Withdraw = true
		}
	}

	if a, ok := authorityFor(region); ok {
		p.Authority = around(l.AuthorityFor, link{Text: a.Name, URL: a.URL})
	}
	p.EDPB = around(l.AuthorityList, link{Text: l.AuthorityListLk, URL: edpbMembers})

	if n := site.Notice(g.text, region); n != nil {
		if u := absolute(site, n.URL); u != "" {
			p.Notice = around(l.NoticeMore, link{Text: l.NoticeLink, URL: u})
		}
	}
	return p
}

// absolute resolves a notice URL, which the manifest may give relative to
// the site, against the site's first https origin (else its first): the
// document is read away from the site.
func absolute(site *manifest.Site, ref string) string {
	r, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if r.IsAbs() {
		return ref
	}
	base := ""
	for _, o := range site.Origins {
		if strings.HasPrefix(o, "https://") {
			base = o
			break
		}
	}
	if base == "" && len(site.Origins) > 0 {
		base = site.Origins[0]
	}
	b, err := url.Parse(base)
	if err != nil || base == "" {
		return ""
	}
	return b.ResolveReference(r).String()
}

// authority is a supervisory authority a person may complain to.
type authority struct{ Name, URL string }

// edpbMembers lists the supervisory authorities of the EEA.
const edpbMembers = "https://www.edpb.europa.eu/about-edpb/about-edpb/members_en"

// authorities are the supervisory authorities of some regions, by ISO
// 3166 code; the EDPB's list covers the rest of the EEA.
var authorities = map[string]authority{
	"AT":    {"Österreichische Datenschutzbehörde", "https://www.dsb.gv.at"},
	"BE":    {"Autorité de protection des données / Gegevensbeschermingsautoriteit", "https://www.autoriteprotectiondonnees.be"},
	"BR":    {"Autoridade Nacional de Proteção de Dados (ANPD)", "https://www.gov.br/anpd"},
	"CH":    {"Eidgenössischer Datenschutz- und Öffentlichkeitsbeauftragter (EDÖB)", "https://www.edoeb.admin.ch"},
	"DE":    {"Bundesbeauftragte für den Datenschutz und die Informationsfreiheit (BfDI)", "https://www.bfdi.bund.de"},
	"ES":    {"Agencia Española de Protección de Datos (AEPD)", "https://www.aepd.es"},
	"FR":    {"Commission nationale de l'informatique et des libertés (CNIL)", "https://www.cnil.fr"},
	"GB":    {"Information Commissioner's Office (ICO)", "https://ico.org.uk"},
	"IE":    {"Data Protection Commission", "https://www.dataprotection.ie"},
	"IT":    {"Garante per la protezione dei dati personali", "https://www.garanteprivacy.it"},
	"LU":    {"Commission nationale pour la protection des données (CNPD)", "https://cnpd.public.lu"},
	"NL":    {"Autoriteit Persoonsgegevens", "https://autoriteitpersoonsgegevens.nl"},
	"PT":    {"Comissão Nacional de Proteção de Dados (CNPD)", "https://www.cnpd.pt"},
	"US-CA": {"California Privacy Protection Agency", "https://cppa.ca.gov"},
}

func authorityFor(region string) (authority, bool) {
	r := strings.ToUpper(strings.TrimSpace(region))
	if a, ok := authorities[r]; ok {
		return a, true
	}
	country, _, _ := strings.Cut(r, "-")
	a, ok := authorities[country]
	return a, ok
}
