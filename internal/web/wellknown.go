package web

import (
	"context"
	_ "embed"
	"net/http"
	"time"

	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/manifest"
)

//go:embed openapi.json
var openAPIDoc []byte

// OpenAPI returns the OpenAPI 3.1 document of the API.
func OpenAPI() []byte { return openAPIDoc }

func (s *Server) getOpenAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(openAPIDoc)
	return nil
}

// getJWKS publishes the receipt-signing public keys so that anyone can
// verify a receipt (RFC 7517).
func (s *Server) getJWKS(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "public, max-age=3600")
	writeJSON(w, http.StatusOK, "application/jwk-set+json", s.signer.JWKS())
	return nil
}

func (s *Server) getManifestSchema(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/schema+json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(manifest.Schema())
	return nil
}

// healthz says the process is alive; it checks nothing else, so that a
// slow database does not get the process restarted.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, "application/json", map[string]string{"status": "ok"})
	return nil
}

// readyz says whether the server may take traffic: started, not shutting
// down, and its store answering.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	if !s.ready.Load() {
		return custos.Errorf(custos.EUNAVAILABLE, "not ready")
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		return &custos.Error{Code: custos.EUNAVAILABLE, Message: "the store does not answer", Err: err}
	}
	writeJSON(w, http.StatusOK, "application/json", map[string]string{"status": "ready"})
	return nil
}

// gpcSupported is when Custos began to honour Global Privacy Control: the
// lastUpdate of /.well-known/gpc.json, which tells when that support last
// changed, not when the file was served.
const gpcSupported = "2026-11-22"

// getGPC declares that the sites served here honour Global Privacy Control
// (https://privacycg.github.io/gpc-spec/#gpc-support-resource).
func (s *Server) getGPC(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "public, max-age=86400")
	writeJSON(w, http.StatusOK, "application/json", map[string]any{"gpc": true, "lastUpdate": gpcSupported})
	return nil
}
