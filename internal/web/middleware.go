package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/custos-privacy/custos/internal/custos"
)

type ctxKey int

const requestIDKey ctxKey = 0

// withRequestID gives every request an id, echoed in X-Request-Id and in
// every log line and problem document about it. A caller's id is kept only
// if it is short and plain, so it cannot smuggle anything into the logs.
// New ids are a random per-process prefix and a counter: unique across
// restarts and nodes, and cheaper than reading the random source per request.
func withRequestID(next http.Handler) http.Handler {
	var (
		prefix [8]byte
		n      atomic.Uint64
	)
	rand.Read(prefix[:])
	p := hex.EncodeToString(prefix[:])
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !plainID(id) {
			id = p + strconv.FormatUint(n.Add(1), 36)
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
	})
}

func plainID(s string) bool {
	if len(s) < 8 || len(s) > 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Error(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// statusWriter remembers the status code for logs and metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe logs and counts each request. It logs the route pattern, never
// the path or query: paths hold consent ids, which are personal data. The
// access log is at debug level, so that a busy server is quiet by default.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		d := time.Since(start)
		s.metrics.observe(route, sw.status, d)
		if s.log.Enabled(r.Context(), slog.LevelDebug) {
			s.log.LogAttrs(r.Context(), slog.LevelDebug, "request",
				slog.String("request_id", requestID(r.Context())),
				slog.String("method", r.Method),
				slog.String("route", route),
				slog.Int("status", sw.status),
				slog.Duration("duration", d))
		}
	})
}

// securityHeaders sets the headers every response should carry. The API
// serves no HTML, so the policy forbids everything.
func securityHeaders(next http.Handler, publicURL string) http.Handler {
	// Behind a proxy that ends TLS the request arrives in plain HTTP: an
	// https public URL says the browser used TLS.
	tls := strings.HasPrefix(publicURL, "https://")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		h.Set("Cross-Origin-Resource-Policy", "cross-origin")
		if r.TLS != nil || tls {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// cors answers CORS for the origins the manifest declares, and for no
// other. Whether the origin belongs to the very site a request is about is
// checked again by the handler (checkOrigin), since the site of a POST is in
// its body.
func (s *Server) cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin != "" && s.anySiteAllows(origin) {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Add("Vary", "Origin")
			h.Set("Access-Control-Expose-Headers", "ETag, X-Request-Id, Idempotent-Replayed")
		} else {
			w.Header().Add("Vary", "Origin")
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) anySiteAllows(origin string) bool {
	for _, site := range s.manifest().Sites {
		if site.AllowsOrigin(origin) {
			return true
		}
	}
	return false
}

// sameOrigin reports whether origin is the server's own, as for a page
// Custos serves itself (the demo): a browser sends Origin on every POST,
// same-origin ones included, and CORS has nothing to protect there. The
// server's origin is its configured public URL; without one, the scheme and
// Host of the request.
func (s *Server) sameOrigin(r *http.Request, origin string) bool {
	own := s.cfg.PublicURL
	if own == "" {
		own = "http://" + r.Host
		if r.TLS != nil {
			own = "https://" + r.Host
		}
	} else if u, err := url.Parse(own); err == nil {
		own = u.Scheme + "://" + u.Host
	}
	return strings.EqualFold(origin, own)
}

// preflight answers CORS preflight requests on the API.
func (s *Server) preflight(w http.ResponseWriter, r *http.Request) error {
	origin := r.Header.Get("Origin")
	if origin == "" || !s.anySiteAllows(origin) {
		return custos.Errorf(custos.EFORBIDDEN, "this origin is not declared by any site in the manifest")
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Methods", "GET, POST")
	// Not Authorization: API tokens are for servers, never for pages.
	h.Set("Access-Control-Allow-Headers", "Content-Type, Idempotency-Key, Custos-Subject, X-Request-Id")
	h.Set("Access-Control-Max-Age", strconv.Itoa(86400))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// checkOrigin refuses a browser request from an origin the site does not
// declare. Requests without Origin (servers, curl) pass: CORS protects
// browsers, and server-to-server callers are not browsers.
func (s *Server) checkOrigin(r *http.Request, allows func(string) bool) error {
	origin := r.Header.Get("Origin")
	if origin == "" || allows(origin) || s.sameOrigin(r, origin) {
		return nil
	}
	return custos.Errorf(custos.EFORBIDDEN, "this origin is not declared for the site")
}
