package web

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"

	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/declaration"
)

// declarationFormats maps the last path segment of a cookie declaration to
// its format. ServeMux cannot match "cookies.{format}" inside a segment, so
// the route takes the whole segment and this map decides.
var declarationFormats = map[string]string{
	declaration.PageName: "html",
	declaration.CSVName:  "csv",
	declaration.JSONName: "json",
	declaration.PDFName:  "pdf",
}

// getCookieDeclaration serves a site's cookie declaration, built from the
// manifest in the best of the site's locales: /privacy/{site}/cookies as a
// page, and cookies.csv, cookies.json and cookies.pdf beside it.
func (s *Server) getCookieDeclaration(w http.ResponseWriter, r *http.Request) error {
	format, ok := declarationFormats[r.PathValue("doc")]
	if !ok {
		return custos.Errorf(custos.ENOTFOUND, "no such document; the cookie declaration is at cookies, cookies.csv, cookies.json and cookies.pdf")
	}
	site := s.manifest().Site(r.PathValue("site"))
	if site == nil {
		return custos.Errorf(custos.ENOTFOUND, "no site with this id in the manifest")
	}
	locale := site.BestLocale(r.URL.Query().Get("locale"), r.Header.Get("Accept-Language"))
	d := declaration.Build(site, locale)

	// Rendered whole before the first byte, so that a failure is still a
	// problem document and not half a file.
	var body bytes.Buffer
	var err error
	var contentType, ext string // ext: served as an attachment with this extension
	switch format {
	case "html":
		err = d.WriteHTML(&body)
		contentType = "text/html; charset=utf-8"
	case "csv":
		err = d.WriteCSV(&body)
		contentType, ext = "text/csv; charset=utf-8", "csv"
	case "json":
		err = d.WriteJSON(&body)
		contentType = "application/json"
	case "pdf":
		// The PDF may be in another locale than asked (see WritePDF).
		locale, err = d.WritePDF(&body)
		if errors.Is(err, declaration.ErrNoPDFLocale) {
			return custos.Errorf(custos.ENOTFOUND, "this site's declaration has no locale the PDF fonts can write; the page, CSV and JSON forms have it")
		}
		contentType, ext = "application/pdf", "pdf"
	}
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	if ext != "" {
		h.Set("Content-Disposition", `attachment; filename="`+site.ID+"-cookies-"+locale+"."+ext+`"`)
	}
	if format == "html" {
		// The page's own policy: the API's forbids the style the page
		// carries, and allows nothing else it would need.
		h.Set("Content-Security-Policy", declaration.ContentSecurityPolicy)
	}
	h.Set("Content-Language", locale)
	h.Add("Vary", "Accept-Language")
	// A few minutes, as for the banner: a new manifest must show soon.
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("Content-Length", strconv.Itoa(body.Len()))
	w.Write(body.Bytes())
	return nil
}
