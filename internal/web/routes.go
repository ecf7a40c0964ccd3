package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/custos-privacy/custos/internal/custos"
)

// Handler returns the whole HTTP handler: routes and middleware.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()

	mux.Handle("POST /api/v1/consents", s.handle(s.postConsent))
	mux.Handle("GET /api/v1/consents/{subject}", s.handle(s.getConsentState))
	mux.Handle("GET /api/v1/consents/{subject}/history", s.handle(s.getConsentHistory))
	mux.Handle("GET /api/v1/receipts/{id}", s.handle(s.getReceipt))
	mux.Handle("GET /api/v1/sites/{site}/banner", s.handle(s.getBanner))
	mux.Handle("GET /banner/{file}", s.handle(s.getBannerScript))
	mux.Handle("GET /privacy/{site}/{doc}", s.handle(s.getCookieDeclaration))
	mux.Handle("POST /api/v1/requests", s.handle(s.postRequest))
	mux.Handle("POST /api/v1/requests/verify", s.handle(s.postRequestVerify))
	mux.Handle("POST /api/v1/callbacks/{site}/{system}", s.handle(s.postCallback))
	s.registerPrivacy(mux)
	mux.Handle("OPTIONS /api/v1/", s.handle(s.preflight))
	mux.Handle("GET /api/v1/openapi.json", s.handle(s.getOpenAPI))

	mux.Handle("GET /.well-known/jwks.json", s.handle(s.getJWKS))
	mux.Handle("GET /.well-known/gpc.json", s.handle(s.getGPC))
	mux.Handle("GET /schema/manifest.json", s.handle(s.getManifestSchema))
	mux.Handle("GET /healthz", s.handle(s.healthz))
	mux.Handle("GET /readyz", s.handle(s.readyz))
	mux.Handle("GET /metrics", s.metrics.handler())

	if s.cfg.Console != nil {
		s.cfg.Console.Register(mux)
	}
	for _, p := range s.cfg.PagePatterns {
		mux.Handle(p, s.cfg.Pages)
	}

	var h http.Handler = s.unrouted(mux)
	h = s.cors(h)
	h = securityHeaders(h, s.cfg.PublicURL)
	h = s.observe(h)
	h = s.recoverPanics(h)
	h = withRequestID(h)
	return h
}

// unrouted answers what mux has no handler for with a problem document
// instead of ServeMux's plain text: 404, or 405 with Allow when the path
// exists for other methods.
func (s *Server) unrouted(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		var allow []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, p := mux.Handler(probe); p != "" && !strings.HasPrefix(p, "OPTIONS ") {
				allow = append(allow, m)
			}
		}
		if len(allow) == 0 {
			s.Error(w, r, custos.Errorf(custos.ENOTFOUND, "no such resource"))
			return
		}
		if slices.Contains(allow, http.MethodGet) {
			allow = append(allow, http.MethodHead)
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		s.Error(w, r, custos.Errorf(methodNotAllowed, "this resource allows %s", strings.Join(allow, ", ")))
	})
}
