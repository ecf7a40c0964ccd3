package web

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/custos-privacy/custos/internal/custos"
)

// Problem is an RFC 9457 problem details document, with the invalid fields
// listed in the "errors" extension member.
type Problem struct {
	Type      string              `json:"type"`
	Title     string              `json:"title"`
	Status    int                 `json:"status"`
	Detail    string              `json:"detail,omitempty"`
	Instance  string              `json:"instance,omitempty"`
	RequestID string              `json:"request_id,omitempty"`
	Errors    []custos.FieldError `json:"errors,omitempty"`
}

// problemTypeBase prefixes the code of an error to form the problem type
// URI. The URIs are identifiers, documented in docs/api.md; they need not
// resolve.
const problemTypeBase = "https://custos.dev/problems/"

var statusOf = map[string]int{
	custos.EINVALID:      http.StatusUnprocessableEntity,
	custos.ENOTFOUND:     http.StatusNotFound,
	custos.ECONFLICT:     http.StatusConflict,
	custos.EUNAUTHORIZED: http.StatusUnauthorized,
	custos.EFORBIDDEN:    http.StatusForbidden,
	custos.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	custos.EMEDIATYPE:    http.StatusUnsupportedMediaType,
	custos.EUNAVAILABLE:  http.StatusServiceUnavailable,
	custos.ETOOMANY:      http.StatusTooManyRequests,
	custos.EINTERNAL:     http.StatusInternalServerError,
}

var titleOf = map[string]string{
	custos.EINVALID:      "Invalid request",
	custos.ENOTFOUND:     "Not found",
	custos.ECONFLICT:     "Conflict",
	custos.EUNAUTHORIZED: "Authentication required",
	custos.EFORBIDDEN:    "Forbidden",
	custos.ETOOLARGE:     "Request body too large",
	custos.EMEDIATYPE:    "Unsupported media type",
	custos.EUNAVAILABLE:  "Service unavailable",
	custos.ETOOMANY:      "Too many requests",
	custos.EINTERNAL:     "Internal server error",
}

// Codes of HTTP's own: badRequest is for input that could not even be
// parsed (400 rather than 422's EINVALID); methodNotAllowed for a known
// path asked with another method.
const (
	badRequest       = "bad_request"
	methodNotAllowed = "method_not_allowed"
)

func init() {
	statusOf[badRequest] = http.StatusBadRequest
	titleOf[badRequest] = "Malformed request"
	statusOf[methodNotAllowed] = http.StatusMethodNotAllowed
	titleOf[methodNotAllowed] = "Method not allowed"
}

// Error writes err as a problem+json response. Internal errors are logged
// with the request id and answered with a generic text: their cause may hold
// details the caller must not see.
func (s *Server) Error(w http.ResponseWriter, r *http.Request, err error) {
	rid := requestID(r.Context())
	if r.Context().Err() != nil && errors.Is(err, r.Context().Err()) {
		// The client went away; there is nobody to answer and nothing wrong.
		s.log.DebugContext(r.Context(), "request cancelled by the client", "request_id", rid, "route", r.Pattern)
		w.WriteHeader(499) // nginx's "client closed request", for the access log and metrics
		return
	}
	code := custos.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		code, status = custos.EINTERNAL, http.StatusInternalServerError
	}
	if status >= 500 {
		s.log.ErrorContext(r.Context(), "request failed", "request_id", rid, "route", r.Pattern, "err", err)
	}
	p := Problem{
		Type:   problemTypeBase + code,
		Title:  titleOf[code],
		Status: status,
		Detail: custos.ErrorMessage(err),
		// Not the path: it may hold a consent id. The request id names
		// this occurrence, and finds it in the server log.
		Instance:  "urn:custos:request:" + rid,
		RequestID: rid,
		Errors:    custos.ErrorFields(err),
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="custos"`)
	}
	writeJSON(w, status, "application/problem+json", p)
}

// writeJSON writes v with the given status and content type.
func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only our own types reach here; a failure is a programming error.
		slog.Error("encoding response", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
