// Package web is the HTTP door of Custos: the JSON API under /api/v1/, the
// well-known documents, health and metrics, and the pages of the privacy
// centre under /privacy/. API handlers return errors; one function
// (Server.Error) turns them into problem+json responses.
package web

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/custos-privacy/custos/internal/consent"
	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/dsr"
	"github.com/custos-privacy/custos/internal/manifest"
	"github.com/custos-privacy/custos/internal/staff"
)

// Store is what the HTTP layer needs of storage.
type Store interface {
	custos.ConsentStore
	// SubjectRestricted reports whether the person of a consent id asked
	// for restriction of processing (custos.Restrictions).
	SubjectRestricted(ctx context.Context, site, consentSubject string) (bool, error)
	Ping(ctx context.Context) error
}

// Config holds the HTTP settings of the server.
type Config struct {
	// GeoHeader names a request header set by a trusted proxy or CDN with the
	// visitor's ISO 3166 region (e.g. CF-IPCountry). Empty: region comes from
	// the query or body only.
	GeoHeader string
	// ClientIPHeader names a header set by a trusted reverse proxy with the
	// client address (e.g. X-Forwarded-For; its first element is used). Empty:
	// the TCP peer address is used.
	ClientIPHeader string
	// APITokens are the server-to-server bearer tokens allowed to read any
	// subject's consent. Only their SHA-256 is kept in memory.
	APITokens []string
	// MaxBodyBytes caps request bodies; 0 means 64 KiB.
	MaxBodyBytes int64
	// TokenAuth checks an API token created in the console (package staff);
	// nil when there are none.
	TokenAuth func(ctx context.Context, token string) (*custos.APIToken, error)
	// Console, if set, mounts the staff console under /console/.
	Console interface{ Register(*http.ServeMux) }
	// PublicURL is where visitors reach this server, if it is set
	// explicitly (--public-url); a page served from it may use the API.
	PublicURL string
	// Pages are extra pages mounted on the server, such as the demo site:
	// ServeMux patterns and the handler that answers them.
	Pages        http.Handler
	PagePatterns []string
	// Requests runs data subject requests: the API under /api/v1/requests
	// and the forms of the privacy centre. Nil: those routes answer 404
	// (the privacy centre still links the notice, the cookie declaration
	// and the cookie settings).
	Requests *dsr.Service
}

// Server serves the Custos HTTP API.
type Server struct {
	cfg       Config
	log       *slog.Logger
	store     Store
	consents  *consent.Service
	signer    *consent.Signer
	manifest  func() *manifest.Manifest
	tokenSums [][32]byte
	metrics   *metrics
	ready     atomic.Bool

	bannerMu    sync.Mutex
	bannerCache map[bannerKey]*bannerDoc
	bannerOf    *manifest.Manifest // the manifest bannerCache was built from
}

// New returns a Server. Call SetReady(true) once it may take traffic.
func New(cfg Config, log *slog.Logger, st Store, svc *consent.Service, signer *consent.Signer, current func() *manifest.Manifest, reg prometheus.Registerer) *Server {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 64 << 10
	}
	s := &Server{
		cfg:         cfg,
		log:         log,
		store:       st,
		consents:    svc,
		signer:      signer,
		manifest:    current,
		metrics:     newMetrics(reg),
		bannerCache: make(map[bannerKey]*bannerDoc),
	}
	for _, t := range cfg.APITokens {
		s.tokenSums = append(s.tokenSums, sha256.Sum256([]byte(t)))
	}
	return s
}

// SetReady marks the server ready (or not) for /readyz.
func (s *Server) SetReady(ok bool) { s.ready.Store(ok) }

// handlerFunc is a handler that returns its error instead of writing it.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (s *Server) handle(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.Error(w, r, err)
		}
	})
}

// principal is who is calling.
type principal int

const (
	anonymous principal = iota // a banner or any browser: may read only a subject it names
	apiClient                  // a server-to-server caller with a valid API token
)

// caller authenticates the request. A request without Authorization is
// anonymous; one with a bad token is refused rather than downgraded, so a
// misconfigured client finds out at once.
func (s *Server) caller(r *http.Request) (principal, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return anonymous, nil
	}
	const prefix = "Bearer "
	if len(h) <= len(prefix) || h[:len(prefix)] != prefix {
		return anonymous, custos.Errorf(custos.EUNAUTHORIZED, "the Authorization header must be a Bearer token")
	}
	sum := sha256.Sum256([]byte(h[len(prefix):]))
	ok := 0
	for _, t := range s.tokenSums {
		ok |= subtle.ConstantTimeCompare(sum[:], t[:])
	}
	if ok == 1 {
		return apiClient, nil
	}
	// Tokens created in the console carry a role, and only some roles may
	// read records about one person.
	if s.cfg.TokenAuth != nil {
		t, err := s.cfg.TokenAuth(r.Context(), h[len(prefix):])
		if err == nil {
			if !staff.Can(t.Role, staff.PermReadConsentAPI) {
				return anonymous, custos.Errorf(custos.EFORBIDDEN, "this token's role may not read consent records")
			}
			return apiClient, nil
		}
	}
	return anonymous, custos.Errorf(custos.EUNAUTHORIZED, "the API token is not valid")
}
