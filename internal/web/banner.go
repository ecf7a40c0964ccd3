package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/custos-privacy/custos/internal/banner"
	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/manifest"
)

// bannerConfig is what a banner needs to show itself: the mode for the
// visitor's jurisdiction, and the categories and vendors in one locale.
type bannerConfig struct {
	Site                string                 `json:"site"`
	Name                string                 `json:"name"`
	Locale              string                 `json:"locale"`
	Locales             []string               `json:"locales"`
	Region              string                 `json:"region,omitempty"`
	Jurisdiction        string                 `json:"jurisdiction"`
	Mode                string                 `json:"mode"`
	ConsentLifetimeDays int                    `json:"consent_lifetime_days"`
	Fingerprint         string                 `json:"fingerprint"`
	Cookie              manifest.ConsentCookie `json:"cookie"`
	Notice              *bannerNotice          `json:"notice,omitempty"`
	Categories          []bannerCategory       `json:"categories"`
}

type bannerNotice struct {
	Version string `json:"version"`
	URL     string `json:"url"`
}

type bannerCategory struct {
	ID          string         `json:"id"`
	Required    bool           `json:"required"`
	SaleSharing bool           `json:"sale_sharing"`
	Name        string         `json:"name"`
	Description string         `json:"description"`
	ConsentMode []string       `json:"consent_mode,omitempty"`
	Vendors     []bannerVendor `json:"vendors"`
}

type bannerVendor struct {
	ID            string         `json:"id"`
	Name          string         `json:"name"`
	PrivacyPolicy string         `json:"privacy_policy"`
	Cookies       []bannerCookie `json:"cookies"`
}

type bannerCookie struct {
	Name     string `json:"name"`
	Pattern  bool   `json:"pattern,omitempty"`
	Domain   string `json:"domain,omitempty"`
	Path     string `json:"path,omitempty"`
	Duration string `json:"duration"`
	Party    string `json:"party"`
	Purpose  string `json:"purpose"`
}

// bannerKey identifies one rendering of a banner configuration. Region is
// part of it (it is echoed back), so the cache stays bounded by the number
// of well-formed region codes times the locales.
type bannerKey struct {
	site, locale, region string
	script, gpc          bool // the script with the config inlined, for a GPC request
}

type bannerDoc struct {
	body, gz     []byte // gz is body gzipped once, for the clients that accept it (all browsers)
	etag, etagGz string // each encoding is its own representation with its own strong ETag
}

// maxBannerCache bounds the cache; past it, documents are built per request.
const maxBannerCache = 4096

func (s *Server) getBanner(w http.ResponseWriter, r *http.Request) error {
	return s.serveBanner(w, r, r.PathValue("site"), false)
}

// getBannerScript serves /banner/{site}.js, the one tag a site embeds: the
// banner script with the site's configuration in the visitor's locale
// inlined, so it can show without another request.
func (s *Server) getBannerScript(w http.ResponseWriter, r *http.Request) error {
	id, ok := strings.CutSuffix(r.PathValue("file"), ".js")
	if !ok {
		return custos.Errorf(custos.ENOTFOUND, "no such resource; the banner is at /banner/{site}.js")
	}
	return s.serveBanner(w, r, id, true)
}

func (s *Server) serveBanner(w http.ResponseWriter, r *http.Request, id string, script bool) error {
	m := s.manifest()
	site := m.Site(id)
	if site == nil {
		return custos.Errorf(custos.ENOTFOUND, "no site with this id in the manifest")
	}
	q := r.URL.Query()
	region := q.Get("region")
	if region != "" && !manifest.WellFormedRegion(region) {
		return custos.Invalid(custos.FieldError{Field: "region", Message: "must be an ISO 3166-1 alpha-2 or ISO 3166-2 code such as DE or US-CA"})
	}
	if s.cfg.GeoHeader != "" {
		// The trusted header decides, here and when the choice is recorded,
		// so the banner shown and the receipt agree on the jurisdiction.
		region = s.geoRegion(r)
	}
	region = strings.ToUpper(region)
	locale := site.BestLocale(q.Get("locale"), r.Header.Get("Accept-Language"))

	key := bannerKey{site: site.ID, locale: locale, region: region, script: script}
	vary := "Accept-Language"
	if script {
		// The script tells the banner of a GPC request, for browsers that
		// send the header but do not expose navigator.globalPrivacyControl.
		key.gpc = r.Header.Get("Sec-GPC") == "1"
		vary += ", Sec-GPC"
	}
	doc, err := s.bannerDoc(m, site, key)
	if err != nil {
		return err
	}
	h := w.Header()
	if s.cfg.GeoHeader != "" {
		vary += ", " + s.cfg.GeoHeader
	}
	h.Add("Vary", vary+", Accept-Encoding")
	gzipped := acceptsGzip(r.Header.Get("Accept-Encoding"))
	etag := doc.etag
	if gzipped {
		etag = doc.etagGz
	}
	h.Set("ETag", etag)
	// Short freshness, then revalidation: a new manifest must reach
	// visitors within minutes, and a 304 costs next to nothing.
	// A document chosen by a request header that many CDNs leave out of
	// their cache key (the geo header, Sec-GPC) is for the browser's cache
	// only: a shared cache could hand an EU visitor the US banner.
	if s.cfg.GeoHeader != "" || key.gpc {
		h.Set("Cache-Control", "private, max-age=60")
	} else {
		h.Set("Cache-Control", "public, max-age=60, stale-while-revalidate=300")
	}
	// Either ETag proves the client holds the current document.
	if inm := r.Header.Get("If-None-Match"); etagMatch(inm, doc.etag) || etagMatch(inm, doc.etagGz) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	if script {
		h.Set("Content-Type", "text/javascript; charset=utf-8")
	} else {
		h.Set("Content-Type", "application/json")
	}
	body := doc.body
	if gzipped {
		h.Set("Content-Encoding", "gzip")
		body = doc.gz
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
	return nil
}

// geoRegion returns the region of the trusted geo header, or "" when the
// header is missing or holds no region (CDNs send XX for unknown, T1 for Tor).
func (s *Server) geoRegion(r *http.Request) string {
	v := r.Header.Get(s.cfg.GeoHeader)
	if !manifest.WellFormedRegion(v) || strings.EqualFold(v, "XX") {
		return ""
	}
	return strings.ToUpper(v)
}

// acceptsGzip reports whether an Accept-Encoding value allows gzip: listed
// (or "*") and not with q=0.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.TrimSpace(coding)
		if coding != "gzip" && coding != "*" {
			continue
		}
		q := strings.ReplaceAll(params, " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// bannerDoc returns the encoded configuration, from the cache when the
// manifest has not changed since it was built.
func (s *Server) bannerDoc(m *manifest.Manifest, site *manifest.Site, key bannerKey) (*bannerDoc, error) {
	s.bannerMu.Lock()
	if s.bannerOf != m {
		clear(s.bannerCache)
		s.bannerOf = m
	}
	doc := s.bannerCache[key]
	s.bannerMu.Unlock()
	if doc != nil {
		return doc, nil
	}
	var body []byte
	var err error
	if key.script {
		body, err = banner.Script(banner.Configure(site, key.locale, key.region, key.gpc))
	} else {
		body, err = json.Marshal(buildBanner(site, key.locale, key.region))
		body = append(body, '\n')
	}
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(body)
	if err := zw.Close(); err != nil {
		return nil, err
	}
	tag := base64.RawURLEncoding.EncodeToString(sum[:16])
	doc = &bannerDoc{body: body, gz: gz.Bytes(), etag: `"` + tag + `"`, etagGz: `"` + tag + `-gz"`}
	s.bannerMu.Lock()
	if s.bannerOf == m && len(s.bannerCache) < maxBannerCache {
		s.bannerCache[key] = doc
	}
	s.bannerMu.Unlock()
	return doc, nil
}

func buildBanner(site *manifest.Site, locale, region string) *bannerConfig {
	j := site.Jurisdiction(region)
	cfg := &bannerConfig{
		Site:                site.ID,
		Name:                site.Name,
		Locale:              locale,
		Locales:             site.Locales,
		Region:              region,
		Jurisdiction:        j.ID,
		Mode:                j.Mode,
		ConsentLifetimeDays: int(j.Lifetime().Approx().Hours() / 24),
		Fingerprint:         site.Fingerprint(),
		Cookie:              site.Cookie,
		Categories:          make([]bannerCategory, 0, len(site.Categories)),
	}
	if n := site.Notice(locale, region); n != nil {
		cfg.Notice = &bannerNotice{Version: n.Version, URL: n.URL}
	}
	for _, c := range site.Categories {
		t := site.TextIn(c.Text, locale)
		bc := bannerCategory{
			ID: c.ID, Required: c.Required, SaleSharing: c.SaleSharing,
			Name: t.Name, Description: t.Description, ConsentMode: c.ConsentMode,
			Vendors: []bannerVendor{},
		}
		for _, v := range site.VendorsIn(c.ID) {
			bv := bannerVendor{ID: v.ID, Name: v.Name, PrivacyPolicy: v.PrivacyPolicy, Cookies: []bannerCookie{}}
			for _, k := range v.Cookies {
				bv.Cookies = append(bv.Cookies, bannerCookie{
					Name: k.Name, Pattern: k.Pattern, Domain: k.Domain, Path: k.Path,
					Duration: k.Duration.String(), Party: k.Party, Purpose: manifest.Localized(site, k.Purpose, locale),
				})
			}
			bc.Vendors = append(bc.Vendors, bv)
		}
		cfg.Categories = append(cfg.Categories, bc)
	}
	return cfg
}
