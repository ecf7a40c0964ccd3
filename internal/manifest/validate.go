package manifest

import (
	"fmt"
	"maps"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/language"
)

// DefaultCookieName is the name of the consent cookie when a site does not
// set cookie.name.
const DefaultCookieName = "custos_consent"

// Values of the enumerated fields.
var (
	legalBases       = []string{BasisConsent, BasisContract, BasisLegalObligation, BasisVitalInterests, BasisPublicTask, BasisLegitimateInterest}
	modes            = []string{ModeOptIn, ModeOptOut, ModeNotice}
	parties          = []string{"first", "third"}
	roles            = []string{"processor", "controller", "joint_controller", "recipient"}
	safeguards       = []string{"adequacy", "scc", "bcr", "dpf", "derogation", "none"}
	consentModeTypes = []string{
		"ad_storage", "ad_user_data", "ad_personalization", "analytics_storage",
		"functionality_storage", "personalization_storage", "security_storage",
	}
)

var (
	siteIDRE       = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
	categoryIDRE   = regexp.MustCompile(`^[a-z0-9_]{1,64}$`)
	idRE           = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)
	dataCategoryRE = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$`)
	domainLabelRE  = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)
)

// list writes values for a message: a, b or c.
func list(values []string) string {
	switch len(values) {
	case 0:
		return "(none)"
	case 1:
		return values[0]
	}
	return strings.Join(values[:len(values)-1], ", ") + " or " + values[len(values)-1]
}

func (l *loader) checkManifest(m *Manifest) {
	switch {
	case !l.has("version"):
		l.errorf("version", "missing; write version: 1 at the top of the file")
	case m.Version != 1:
		l.errorf("version", "unsupported version %d; this program reads version 1", m.Version)
	}
	if len(m.Sites) == 0 {
		l.errorf("sites", "missing; a manifest describes at least one site")
	}
	ids := map[string]string{}     // site id → path
	origins := map[string]string{} // normalised origin → path
	for i, s := range m.Sites {
		path := index("sites", i)
		l.checkSite(path, s)
		if s.ID != "" {
			if first, ok := ids[s.ID]; ok {
				l.errorf(field(path, "id"), "site id %q is already used at line %d", s.ID, l.line(first))
			} else {
				ids[s.ID] = field(path, "id")
			}
		}
		for j, o := range s.Origins {
			norm, ok := normalizeOrigin(o)
			if !ok {
				continue
			}
			p := index(field(path, "origins"), j)
			if first, ok := origins[norm]; ok {
				l.errorf(p, "origin %s is already declared at line %d", o, l.line(first))
			} else {
				origins[norm] = p
			}
		}
	}
}

// siteScope is what the checks of one site's parts need to know about the
// rest of it.
type siteScope struct {
	path       string
	locales    []string // the valid ones; nil when they could not be read
	categories map[string]*Category
	purposes   map[string]bool
	juris      map[string]bool
	site       *Site
}

func (l *loader) checkSite(path string, s *Site) {
	switch {
	case s.ID == "":
		l.errorf(field(path, "id"), "missing; give the site a short id such as www")
	case !siteIDRE.MatchString(s.ID):
		l.errorf(field(path, "id"), "%q is not a valid site id; use 1 to 64 lowercase letters, digits and hyphens, starting with a letter or digit", s.ID)
	}
	if s.Name == "" {
		l.errorf(field(path, "name"), "missing; give the site's name as visitors know it")
	}
	l.checkOrigins(field(path, "origins"), s.Origins)
	sc := &siteScope{path: path, site: s, locales: l.checkLocales(field(path, "locales"), s.Locales)}
	l.checkController(field(path, "controller"), &s.Controller)
	l.checkCategories(sc, s.Categories)
	l.checkVendors(sc, s.Vendors)
	l.checkPurposes(sc, s.Purposes)
	l.checkDataCategories(sc, s.DataCategories)
	l.checkProcessors(sc, s.Processors)
	l.checkJurisdictions(sc, s.Jurisdictions)
	l.checkNotices(sc, s.Notices)
	l.checkConsentCookie(field(path, "cookie"), &s.Cookie)
	l.checkSystems(sc, s.Systems)
}

func (l *loader) checkOrigins(path string, origins []string) {
	if len(origins) == 0 {
		l.errorf(path, "missing; list the origins the site is served from, such as https://www.example.com")
	}
	for i, o := range origins {
		if msg := checkOrigin(o); msg != "" {
			l.errorf(index(path, i), "%s", msg)
		}
	}
}

func checkOrigin(o string) string {
	const form = "an origin is scheme://host[:port], such as https://www.example.com"
	u, err := url.Parse(o)
	switch {
	case o == "":
		return "empty; " + form
	case err != nil || u.Host == "" || u.Opaque != "":
		return fmt.Sprintf("%q is not an origin; %s", o, form)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Sprintf("%q: the scheme must be http or https", o)
	case u.User != nil:
		return fmt.Sprintf("%q: an origin has no user name or password", o)
	case u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(o, "?") || strings.HasSuffix(o, "#"):
		return fmt.Sprintf("%q: an origin has no path, query or fragment; write %s://%s", o, u.Scheme, u.Host)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Sprintf("%q: invalid port %q", o, p)
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return fmt.Sprintf("%q: empty port", o)
	}
	return ""
}

// checkLocales returns the site's locales, or nil if they are not all
// valid, in which case the checks of translations are skipped: until the
// list is right, every text would be reported as incomplete.
func (l *loader) checkLocales(path string, locales []string) []string {
	if len(locales) == 0 {
		l.errorf(path, "missing; list the site's languages as BCP 47 tags such as en or fr-CA, the default first")
		return nil
	}
	ok := !l.bad[path]
	var valid []string
	seen := map[string]string{}
	for i, loc := range locales {
		p := index(path, i)
		tag, err := language.Parse(loc)
		switch {
		case loc == "":
			l.errorf(p, "empty locale")
			ok = false
		case err != nil || tag == language.Und:
			l.errorf(p, "%q is not a BCP 47 language tag, such as en, fr or pt-BR", loc)
			ok = false
		case tag.String() != loc:
			l.errorf(p, "write %q as %q", loc, tag.String())
			ok = false
		case seen[loc] != "":
			l.errorf(p, "locale %q is already listed at line %d", loc, l.line(seen[loc]))
		default:
			seen[loc] = p
			valid = append(valid, loc)
		}
	}
	if !ok {
		return nil
	}
	return valid
}

func (l *loader) checkController(path string, c *Controller) {
	if c.Name == "" {
		l.errorf(field(path, "name"), "missing; name the organisation responsible for the site's personal data")
	}
	if c.Email != "" {
		if a, err := mail.ParseAddress(c.Email); err != nil || a.Address != c.Email {
			l.errorf(field(path, "email"), "%q is not an e-mail address", c.Email)
		}
	}
	l.checkTimezone(field(path, "timezone"), c.Timezone)
}

// checkLocaleKeys checks the keys of a per-locale map: one for each of the
// site's locales and none for others. It returns the keys whose entries the
// caller should check further.
func checkLocaleKeys[T any](l *loader, sc *siteScope, path string, m map[string]T, required bool, what string) []string {
	if len(m) == 0 {
		if required {
			l.errorf(path, "missing; give the %s in each of the site's locales", what)
		}
		return nil
	}
	if sc.locales != nil {
		for _, loc := range sc.locales {
			if _, ok := m[loc]; !ok {
				l.errorf(path, "missing translation for locale %q", loc)
			}
		}
	}
	var ok []string
	for _, loc := range slices.Sorted(maps.Keys(m)) {
		if sc.locales != nil && !slices.Contains(sc.locales, loc) {
			l.errorf(field(path, loc), "locale %q is not one of the site's locales (%s)", loc, strings.Join(sc.locales, ", "))
			continue
		}
		ok = append(ok, loc)
	}
	return ok
}

// checkTextMap checks the texts of a category, purpose or data category.
func (l *loader) checkTextMap(sc *siteScope, path string, texts map[string]Text, required bool) {
	for _, loc := range checkLocaleKeys(l, sc, path, texts, required, "name") {
		if texts[loc].Name == "" {
			l.errorf(field(field(path, loc), "name"), "missing")
		}
	}
}

func (l *loader) checkCategories(sc *siteScope, cats []*Category) {
	path := field(sc.path, "categories")
	sc.categories = map[string]*Category{}
	if len(cats) == 0 {
		l.errorf(path, "missing; a site has at least one consent category, such as necessary")
		return
	}
	required := false
	ids := map[string]string{}       // category id → path
	modeOwner := map[string]string{} // consent mode type → category path
	for i, c := range cats {
		p := index(path, i)
		switch {
		case c.ID == "":
			l.errorf(field(p, "id"), "missing; give the category a short id such as analytics")
		case !categoryIDRE.MatchString(c.ID):
			l.errorf(field(p, "id"), "%q is not a valid category id; use lowercase letters, digits and underscores", c.ID)
		}
		if c.ID != "" {
			if first, ok := ids[c.ID]; ok {
				l.errorf(field(p, "id"), "category %q is already declared at line %d", c.ID, l.line(first))
			} else {
				ids[c.ID] = field(p, "id")
				sc.categories[c.ID] = c
			}
		}
		// A required flag that could not be read may well be true.
		required = required || c.Required || l.bad[field(p, "required")]
		if c.Required && c.SaleSharing {
			l.errorf(field(p, "sale_sharing"), "a required category cannot be a sale or sharing of data: visitors must be able to refuse it")
		}
		l.checkTextMap(sc, field(p, "text"), c.Text, true)
		for j, t := range c.ConsentMode {
			mp := index(field(p, "consent_mode"), j)
			switch {
			case !slices.Contains(consentModeTypes, t):
				l.errorf(mp, "unknown consent mode type %q%s; use %s", t, suggest(t, consentModeTypes), list(consentModeTypes))
			case modeOwner[t] != "":
				l.errorf(mp, "consent mode type %q is already granted by the category at line %d; each type follows one category", t, l.line(modeOwner[t]))
			default:
				modeOwner[t] = p
			}
		}
	}
	if !required && !l.bad[path] {
		l.errorf(path, "no category is required; mark the strictly necessary one with required: true")
	}
}

func (l *loader) checkVendors(sc *siteScope, vendors []*Vendor) {
	path := field(sc.path, "vendors")
	ids := map[string]string{}
	cookies := map[string]string{} // name and domain → path
	catIDs := slices.Sorted(maps.Keys(sc.categories))
	for i, v := range vendors {
		p := index(path, i)
		l.checkID(field(p, "id"), v.ID, "vendor", ids)
		if v.Name == "" {
			l.errorf(field(p, "name"), "missing; give the vendor's name as visitors know it")
		}
		switch {
		case v.Category == "":
			l.errorf(field(p, "category"), "missing; name the consent category that governs this vendor")
		case sc.categories[v.Category] == nil && !l.bad[field(sc.path, "categories")]:
			l.errorf(field(p, "category"), "unknown category %q%s", v.Category, suggest(v.Category, catIDs))
		}
		if msg := checkURL(v.PrivacyPolicy, true); msg != "" {
			l.errorf(field(p, "privacy_policy"), "%s", msg)
		}
		for j, c := range v.Cookies {
			cp := index(field(p, "cookies"), j)
			l.checkCookie(sc, cp, c)
			if c.Name == "" {
				continue
			}
			key := c.Name + "\x00" + strings.ToLower(strings.TrimPrefix(c.Domain, "."))
			if first, ok := cookies[key]; ok {
				l.errorf(field(cp, "name"), "cookie %q is already declared at line %d", c.Name, l.line(first))
			} else {
				cookies[key] = field(cp, "name")
			}
		}
	}
}

// checkID checks the id of a list element against the common id form and
// for uniqueness among seen (id → path).
func (l *loader) checkID(path, id, what string, seen map[string]string) {
	switch {
	case id == "":
		l.errorf(path, "missing; give the %s a short id in lowercase", what)
		return
	case !idRE.MatchString(id):
		l.errorf(path, "%q is not a valid %s id; use up to 64 lowercase letters, digits, hyphens and underscores", id, what)
	}
	if first, ok := seen[id]; ok {
		l.errorf(path, "%s id %q is already used at line %d", what, id, l.line(first))
		return
	}
	seen[id] = path
}

func (l *loader) checkCookie(sc *siteScope, path string, c *Cookie) {
	switch {
	case c.Name == "":
		l.errorf(field(path, "name"), "missing")
	case strings.Contains(c.Name, "*") && !c.Pattern:
		l.errorf(field(path, "name"), "%q contains * but pattern is not set; add pattern: true", c.Name)
	case !strings.Contains(c.Name, "*") && c.Pattern:
		l.errorf(field(path, "pattern"), "pattern is set but the name %q has no *", c.Name)
	default:
		if bad := badCookieChar(c.Name, c.Pattern); bad != "" {
			l.errorf(field(path, "name"), "%q cannot be a cookie name: it contains %s", c.Name, bad)
		}
	}
	if c.Domain != "" && !validDomain(c.Domain) {
		l.errorf(field(path, "domain"), "%q is not a domain name, such as .linkedin.com", c.Domain)
	}
	if c.Path != "" && !strings.HasPrefix(c.Path, "/") {
		l.errorf(field(path, "path"), "%q: a cookie path starts with /", c.Path)
	}
	if c.Duration.IsZero() {
		l.errorf(field(path, "duration"), "missing; write session or how long the cookie lives, such as 13mo")
	}
	switch {
	case c.Party == "":
		l.errorf(field(path, "party"), "missing; write first (set for the site's own domain) or third")
	case !slices.Contains(parties, c.Party):
		l.errorf(field(path, "party"), "%q is neither first nor third", c.Party)
	}
	for _, loc := range checkLocaleKeys(l, sc, field(path, "purpose"), c.Purpose, true, "purpose") {
		if c.Purpose[loc] == "" {
			l.errorf(field(field(path, "purpose"), loc), "empty purpose")
		}
	}
}

// badCookieChar returns the first character that RFC 6265 forbids in a
// cookie name, described, or "". A pattern may also use *.
func badCookieChar(name string, pattern bool) string {
	for _, r := range name {
		switch {
		case r == '*' && pattern:
		case r <= ' ' || r >= 0x7f:
			return fmt.Sprintf("the character %q", r)
		case strings.ContainsRune(`()<>@,;:\"/[]?={}*`, r):
			return fmt.Sprintf("%q", string(r))
		}
	}
	return ""
}

func validDomain(d string) bool {
	d = strings.TrimPrefix(d, ".")
	if d == "" || len(d) > 253 {
		return false
	}
	for label := range strings.SplitSeq(d, ".") {
		if !domainLabelRE.MatchString(label) {
			return false
		}
	}
	return true
}

// checkNoticeURL accepts an absolute URL, or a path from the root of the
// site's own origin (/en/privacy), which the banner resolves against the page.
func checkNoticeURL(s string) string {
	if strings.HasPrefix(s, "/") {
		if strings.HasPrefix(s, "//") || strings.ContainsAny(s, " \t\n\\") {
			return fmt.Sprintf("%q is not a path such as /en/privacy", s)
		}
		if _, err := url.Parse(s); err != nil {
			return fmt.Sprintf("%q is not a path such as /en/privacy", s)
		}
		return ""
	}
	if msg := checkURL(s, false); msg != "" {
		return msg + ", or a path on the site such as /en/privacy"
	}
	return ""
}

// checkURL returns "" if s is an absolute URL (https only when httpsOnly),
// or why not.
func checkURL(s string, httpsOnly bool) string {
	want := "an absolute http or https URL"
	if httpsOnly {
		want = "an absolute https URL"
	}
	if s == "" {
		return "missing; give " + want
	}
	u, err := url.Parse(s)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
		return fmt.Sprintf("%q is not %s", s, want)
	case httpsOnly && u.Scheme != "https":
		return fmt.Sprintf("%q must use https", s)
	case u.User != nil:
		return fmt.Sprintf("%q must not contain a user name or password", s)
	}
	return ""
}

func (l *loader) checkPurposes(sc *siteScope, purposes []*Purpose) {
	path := field(sc.path, "purposes")
	sc.purposes = map[string]bool{}
	ids := map[string]string{}
	catIDs := slices.Sorted(maps.Keys(sc.categories))
	for i, pu := range purposes {
		p := index(path, i)
		l.checkID(field(p, "id"), pu.ID, "purpose", ids)
		if pu.ID != "" {
			sc.purposes[pu.ID] = true
		}
		switch {
		case pu.LegalBasis == "":
			l.errorf(field(p, "legal_basis"), "missing; use %s", list(legalBases))
		case !slices.Contains(legalBases, pu.LegalBasis):
			l.errorf(field(p, "legal_basis"), "unknown legal basis %q%s; use %s", pu.LegalBasis, suggest(pu.LegalBasis, legalBases), list(legalBases))
		case pu.LegalBasis == BasisConsent && len(pu.Categories) == 0:
			l.errorf(field(p, "categories"), "missing; a purpose based on consent names the consent categories that carry it")
		case pu.LegalBasis != BasisConsent && len(pu.Categories) > 0:
			l.errorf(field(p, "categories"), "only a purpose based on consent names consent categories; this one is based on %s", pu.LegalBasis)
		}
		for j, c := range pu.Categories {
			cp := index(field(p, "categories"), j)
			cat := sc.categories[c]
			switch {
			case l.bad[field(sc.path, "categories")]:
			case cat == nil:
				l.errorf(cp, "unknown category %q%s", c, suggest(c, catIDs))
			case cat.Required && pu.LegalBasis == BasisConsent:
				l.errorf(cp, "category %q is required, so it cannot carry consent: visitors could not refuse", c)
			}
		}
		l.checkTextMap(sc, field(p, "text"), pu.Text, true)
	}
}

func (l *loader) checkDataCategories(sc *siteScope, dcs []*DataCategory) {
	path := field(sc.path, "data_categories")
	seen := map[string]string{}
	for i, dc := range dcs {
		p := index(path, i)
		switch {
		case dc.ID == "":
			l.errorf(field(p, "id"), "missing; name the data in fideslang style, such as user.contact.email")
		case !dataCategoryRE.MatchString(dc.ID):
			l.errorf(field(p, "id"), "%q is not a data category name; use dotted lowercase names such as user.contact.email", dc.ID)
		case seen[dc.ID] != "":
			l.errorf(field(p, "id"), "data category %q is already declared at line %d", dc.ID, l.line(seen[dc.ID]))
		default:
			seen[dc.ID] = field(p, "id")
		}
		switch {
		case dc.Retention.IsZero():
			l.errorf(field(p, "retention"), "missing; say how long this data is kept, such as 2y")
		case dc.Retention.Session:
			l.errorf(field(p, "retention"), `a retention is a period such as 2y, not "session"`)
		}
		l.checkPurposeRefs(sc, field(p, "purposes"), dc.Purposes, true)
		l.checkTextMap(sc, field(p, "text"), dc.Text, false)
		if dc.LegalHold != "" {
			l.checkLegalHold(sc, field(p, "legal_hold"), dc)
		}
	}
}

// checkLegalHold checks that data kept from erasure is kept for a legal
// obligation the manifest declares, and that the reason is short enough
// to show in a request's report.
func (l *loader) checkLegalHold(sc *siteScope, path string, dc *DataCategory) {
	if n := utf8.RuneCountInString(dc.LegalHold); n > 300 {
		l.errorf(path, "the reason is %d characters long; keep it to 300", n)
	}
	for _, id := range dc.Purposes {
		if p := sc.site.Purpose(id); p != nil && p.LegalBasis == BasisLegalObligation {
			return
		}
	}
	l.errorf(path, "data is only kept from erasure for a legal obligation: give the data category a purpose whose legal_basis is legal_obligation")
}

// checkPurposeRefs checks a list of purpose ids; a data category must have
// at least one (data kept for no purpose is data kept unlawfully).
func (l *loader) checkPurposeRefs(sc *siteScope, path string, refs []string, required bool) {
	if len(refs) == 0 && required {
		l.errorf(path, "missing; name the purposes this data is processed for")
	}
	if l.bad[field(sc.path, "purposes")] {
		return
	}
	for i, r := range refs {
		if !sc.purposes[r] {
			l.errorf(index(path, i), "unknown purpose %q%s", r, suggest(r, slices.Sorted(maps.Keys(sc.purposes))))
		}
	}
}

func (l *loader) checkProcessors(sc *siteScope, procs []*Processor) {
	path := field(sc.path, "processors")
	ids := map[string]string{}
	for i, pr := range procs {
		p := index(path, i)
		l.checkID(field(p, "id"), pr.ID, "processor", ids)
		if pr.Name == "" {
			l.errorf(field(p, "name"), "missing; give the recipient's legal name")
		}
		switch {
		case pr.Role == "":
			l.errorf(field(p, "role"), "missing; use %s", list(roles))
		case !slices.Contains(roles, pr.Role):
			l.errorf(field(p, "role"), "unknown role %q%s; use %s", pr.Role, suggest(pr.Role, roles), list(roles))
		}
		countryOK := false
		switch {
		case pr.Country == "":
			l.errorf(field(p, "country"), "missing; give the ISO 3166-1 code of the country the data goes to, such as DE or US")
		case !countries[pr.Country]:
			msg := fmt.Sprintf("%q is not an ISO 3166-1 alpha-2 country code, such as DE or US", pr.Country)
			if up := strings.ToUpper(pr.Country); up != pr.Country && countries[up] {
				msg = fmt.Sprintf("country codes are upper case; write %q", up)
			} else if fix := commonMistakes[pr.Country]; fix != "" {
				msg = fmt.Sprintf("%q is not an ISO 3166-1 code; write %q", pr.Country, fix)
			}
			l.errorf(field(p, "country"), "%s", msg)
		default:
			countryOK = true
		}
		switch {
		case pr.Safeguard == "":
			l.errorf(field(p, "safeguard"), "missing; use %s", list(safeguards))
		case !slices.Contains(safeguards, pr.Safeguard):
			l.errorf(field(p, "safeguard"), "unknown safeguard %q%s; use %s", pr.Safeguard, suggest(pr.Safeguard, safeguards), list(safeguards))
		case !countryOK:
		case pr.Safeguard == "none" && !eeaMembers[pr.Country]:
			l.errorf(field(p, "safeguard"), "data sent to %s leaves the EEA and needs a transfer safeguard: adequacy, scc, bcr, dpf or derogation", pr.Country)
		case pr.Safeguard == "dpf" && pr.Country != "US":
			l.errorf(field(p, "safeguard"), "the EU-US Data Privacy Framework covers recipients in the US only, not %s", pr.Country)
		}
		l.checkPurposeRefs(sc, field(p, "purposes"), pr.Purposes, false)
		if pr.URL != "" {
			if msg := checkURL(pr.URL, false); msg != "" {
				l.errorf(field(p, "url"), "%s", msg)
			}
		}
	}
}

func (l *loader) checkJurisdictions(sc *siteScope, js []*Jurisdiction) {
	path := field(sc.path, "jurisdictions")
	sc.juris = map[string]bool{}
	if len(js) == 0 {
		l.errorf(path, `missing; at least one jurisdiction, with regions: ["*"] for the rest of the world, says how the banner behaves`)
		return
	}
	ids := map[string]string{}
	type listing struct{ path, jurisdiction string }
	regions := map[string]listing{} // region → where it is first listed
	star := false
	for i, j := range js {
		p := index(path, i)
		l.checkID(field(p, "id"), j.ID, "jurisdiction", ids)
		if j.ID != "" {
			sc.juris[j.ID] = true
		}
		switch {
		case j.Mode == "":
			l.errorf(field(p, "mode"), "missing; use %s", list(modes))
		case !slices.Contains(modes, j.Mode):
			l.errorf(field(p, "mode"), "unknown mode %q%s; use %s", j.Mode, suggest(j.Mode, modes), list(modes))
		}
		if len(j.Regions) == 0 {
			l.errorf(field(p, "regions"), `missing; list ISO 3166 codes (DE, US-CA), groups (EU, EEA) or "*"`)
		}
		for k, r := range j.Regions {
			rp := index(field(p, "regions"), k)
			if msg := checkRegion(r); msg != "" {
				l.errorf(rp, "%s", msg)
				continue
			}
			if first, ok := regions[r]; ok {
				l.errorf(rp, "region %q is already in jurisdiction %q at line %d; a region belongs to one jurisdiction", r, first.jurisdiction, l.line(first.path))
				continue
			}
			regions[r] = listing{rp, j.ID}
			star = star || r == AnyRegion
		}
		if lt := j.ConsentLifetime; !lt.IsZero() && lt.Session {
			l.errorf(field(p, "consent_lifetime"), `a consent lifetime is a period such as 182d, not "session"`)
		}
		l.checkRequests(field(p, "requests"), j.Requests)
	}
	if !star && !l.bad[path] {
		l.errorf(path, `no jurisdiction covers the rest of the world; add "*" to the regions of one`)
	}
}

func (l *loader) checkNotices(sc *siteScope, notices []*Notice) {
	path := field(sc.path, "notices")
	versions := map[[3]string]string{}  // locale, region, version → path
	published := map[[3]string]string{} // locale, region, date → path
	for i, n := range notices {
		p := index(path, i)
		if n.Version == "" {
			l.errorf(field(p, "version"), "missing; give the notice's version as it is printed on it")
		}
		switch {
		case n.Locale == "":
			l.errorf(field(p, "locale"), "missing; give the language of this notice")
		case sc.locales != nil && !slices.Contains(sc.locales, n.Locale):
			l.errorf(field(p, "locale"), "locale %q is not one of the site's locales (%s)", n.Locale, strings.Join(sc.locales, ", "))
		}
		switch {
		case n.Region == "":
			l.errorf(field(p, "region"), `missing; write "*" for the global notice, or a jurisdiction id or region code`)
		case n.Region == AnyRegion, sc.juris[n.Region]:
		case checkRegion(n.Region) != "":
			l.errorf(field(p, "region"), "%q is neither a jurisdiction id (%s) nor a region code; write \"*\" for the global notice",
				n.Region, strings.Join(slices.Sorted(maps.Keys(sc.juris)), ", "))
		}
		if msg := checkNoticeURL(n.URL); msg != "" {
			l.errorf(field(p, "url"), "%s", msg)
		}
		dateOK := false
		if n.Published == "" {
			l.errorf(field(p, "published"), "missing; give the date the notice took effect as YYYY-MM-DD")
		} else if _, err := time.Parse(time.DateOnly, n.Published); err != nil {
			l.errorf(field(p, "published"), "%q is not a date written YYYY-MM-DD", n.Published)
		} else {
			dateOK = true
		}
		if n.Version == "" || n.Locale == "" || n.Region == "" {
			continue
		}
		k := [3]string{n.Locale, n.Region, n.Version}
		if first, ok := versions[k]; ok {
			l.errorf(field(p, "version"), "version %q of the %s notice for region %q is already declared at line %d", n.Version, n.Locale, n.Region, l.line(first))
			continue
		}
		versions[k] = field(p, "version")
		if dateOK {
			k := [3]string{n.Locale, n.Region, n.Published}
			if first, ok := published[k]; ok {
				l.errorf(field(p, "published"), "another version of the %s notice for region %q is published on %s (line %d); which one is in force?", n.Locale, n.Region, n.Published, l.line(first))
			} else {
				published[k] = field(p, "published")
			}
		}
	}
}

func (l *loader) checkConsentCookie(path string, c *ConsentCookie) {
	if c.Name != "" {
		if bad := badCookieChar(c.Name, false); bad != "" {
			l.errorf(field(path, "name"), "%q cannot be a cookie name: it contains %s", c.Name, bad)
		}
	}
	if c.Domain != "" && !validDomain(c.Domain) {
		l.errorf(field(path, "domain"), "%q is not a domain name, such as .example.com", c.Domain)
	}
}

// suggest returns ` (did you mean "x"?)` for the candidate closest to s when
// it is close enough to be a typo, else "".
func suggest(s string, candidates []string) string {
	best, bestDist := "", 0
	for _, c := range candidates {
		d := editDistance(strings.ToLower(s), strings.ToLower(c))
		if best == "" || d < bestDist || d == bestDist && c < best {
			best, bestDist = c, d
		}
	}
	if best == "" || best == s || bestDist > max(1, len(s)/3) {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
