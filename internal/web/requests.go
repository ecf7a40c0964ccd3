package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/dsr"
)

// The JSON door of data subject requests: a site's own form may file a
// request and confirm it with the e-mailed code. The privacy centre
// (privacy.go) is the same door for people, as HTML forms.

// noRequests is the error of every request route when the server runs
// without a request service.
func noRequests() error {
	return custos.Errorf(custos.ENOTFOUND, "data subject requests are not served here")
}

// requestMeta is what the door knows of a submission beyond its body:
// the shortened address for the per-IP limit, the trusted region and the
// browser's languages. The address itself is never kept.
func (s *Server) requestMeta(r *http.Request) dsr.Meta {
	meta := dsr.Meta{
		Client:         s.ClientIP(r).String(),
		AcceptLanguage: r.Header.Get("Accept-Language"),
	}
	if s.cfg.GeoHeader != "" {
		meta.Region = s.geoRegion(r)
	}
	return meta
}

// postRequest files a data subject request. The answer is the same
// whether the address is known or not (see dsr.Ticket); the code goes to
// the address, and POST /api/v1/requests/verify takes it.
func (s *Server) postRequest(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Requests == nil {
		return noRequests()
	}
	body, err := s.readJSON(w, r)
	if err != nil {
		return err
	}
	var in dsr.Submission
	if err := decodeJSON(body, &in); err != nil {
		return err
	}
	if site := s.manifest().Site(in.Site); site != nil {
		if err := s.checkOrigin(r, site.AllowsOrigin); err != nil {
			return err
		}
	}
	ticket, err := s.cfg.Requests.Submit(r.Context(), in, s.requestMeta(r))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusAccepted, "application/json", ticket)
	return nil
}

// verifyInput is the body of POST /api/v1/requests/verify.
type verifyInput struct {
	Challenge string `json:"challenge"`
	Code      string `json:"code"`
}

// verifiedRequest is the answer to a good code: what the person may know
// of their request, and the private link to follow it.
type verifiedRequest struct {
	Request struct {
		ID    string              `json:"id"`
		Type  custos.RequestType  `json:"type"`
		State custos.RequestState `json:"state"`
		DueAt time.Time           `json:"due_at"`
	} `json:"request"`
	StatusURL string `json:"status_url"`
}

func (s *Server) postRequestVerify(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Requests == nil {
		return noRequests()
	}
	body, err := s.readJSON(w, r)
	if err != nil {
		return err
	}
	var in verifyInput
	if err := decodeJSON(body, &in); err != nil {
		return err
	}
	// The site is known only once the challenge is opened, and opening it
	// may use an attempt: check first that the origin is one of any site.
	if err := s.checkOrigin(r, s.anySiteAllows); err != nil {
		return err
	}
	if in.Challenge == "" || len(in.Challenge) > 64 {
		return custos.Invalid(custos.FieldError{Field: "challenge", Message: "required: the challenge of the ticket POST /api/v1/requests answered"})
	}
	v, err := s.cfg.Requests.VerifyCode(r.Context(), in.Challenge, in.Code)
	if err != nil {
		return err
	}
	var out verifiedRequest
	out.Request.ID, out.Request.Type, out.Request.State, out.Request.DueAt = v.Request.ID, v.Request.Type, v.Request.State, v.Request.DueAt
	out.StatusURL = v.StatusURL
	if u, err := url.Parse(v.StatusURL); err == nil && u.Host == "" {
		// Without a configured public URL the link is a path on this server.
		out.StatusURL = absoluteURL(r, s.cfg.PublicURL, v.StatusURL)
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, "application/json", out)
	return nil
}

// absoluteURL makes a path on this server absolute: on the public URL if
// one is set, else on the scheme and Host of the request.
func absoluteURL(r *http.Request, publicURL, path string) string {
	if publicURL != "" {
		return publicURL + path
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + path
}

// postCallback takes a processor's late result for a step of a request
// (see docs/webhooks.md): signed with the system's secret, never twice.
// Its answers are short: the processor only needs the status.
func (s *Server) postCallback(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Requests == nil {
		return noRequests()
	}
	if err := s.cfg.Requests.Callback(r.Context(), r.PathValue("site"), r.PathValue("system"), r); err != nil {
		if status := dsr.CallbackStatus(err); status != http.StatusInternalServerError && custos.ErrorCode(err) == custos.EINTERNAL {
			// A refusal of the callback itself (signature, replay, form):
			// the processor is told which, and nothing else.
			writeJSON(w, status, "application/json", map[string]string{"error": http.StatusText(status)})
			return nil
		}
		return err
	}
	writeJSON(w, http.StatusOK, "application/json", map[string]string{"status": "recorded"})
	return nil
}
