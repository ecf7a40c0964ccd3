package web

import (
	"net/http"
)

// Handler returns the whole HTTP handler: routes and middleware.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()

	mux.Handle("POST /api/v1/consents", s.handle(s.postConsent))
	mux.Handle("GET /api/v1/consents/{subject}", s.handle(s.getConsentState))
	mux.Handle("GET /api/v1/consents/{subject}/history", s.handle(s.getConsentHistory))
	mux.Handle("GET /api/v1/receipts/{id}", s.handle(s.getReceipt))
	mux.Handle("GET /api/v1/sites/{site}/banner", s.handle(s.getBanner))
	mux.Handle("OPTIONS /api/v1/", s.handle(s.preflight))
	mux.Handle("GET /api/v1/openapi.json", s.handle(s.getOpenAPI))
	mux.Handle("/api/", s.handle(s.apiNotFound))

	mux.Handle("GET /.well-known/jwks.json", s.handle(s.getJWKS))
	mux.Handle("GET /schema/manifest.json", s.handle(s.getManifestSchema))
	mux.Handle("GET /healthz", s.handle(s.healthz))
	mux.Handle("GET /readyz", s.handle(s.readyz))
	mux.Handle("GET /metrics", s.metrics.handler())

	var h http.Handler = mux
	h = s.cors(h)
	h = securityHeaders(h)
	h = s.observe(h)
	h = s.recoverPanics(h)
	h = withRequestID(h)
	return h
}
