package dsr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/custos-privacy/custos/internal/connector/webhook"
	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/jobs"
	"github.com/custos-privacy/custos/internal/manifest"
)

// Secrets reads the secrets the manifest points at (an environment
// variable or a file): a webhook system's signing key.
type Secrets interface {
	Secret(s *manifest.Secret) ([]byte, error)
}

// CallbackPath is where processors post their late results: the site and
// the system are in the path, so the callback is checked with that
// system's secret before anything else is read.
func CallbackPath(site, system string) string {
	return "/api/v1/callbacks/" + site + "/" + system
}

// runWebhook delivers r's step to a processor. An answer with the result
// finishes the step; 202 makes it wait for the callback; a failure is
// retried with the runner's back-off when it may pass (network, 5xx,
// 429), and not before the processor's Retry-After; else the step gives
// up at once (a refusal, a malformed answer, a failure the processor
// reports).
func (s *Service) runWebhook(ctx context.Context, j *custos.Job, site *manifest.Site, sys *manifest.System, r *custos.Request, p StepPayload) (json.RawMessage, error) {
	if s.Secrets == nil {
		return nil, errors.New("no way to read the webhook's secret is configured")
	}
	secret, err := s.Secrets.Secret(sys.Webhook.Secret)
	if err != nil {
		return nil, jobs.Permanent(fmt.Errorf("the webhook's secret: %w", err))
	}
	d := webhook.Delivery{ID: j.Key, RequestID: r.ID, Type: r.Type, Site: site.ID,
		Identities: identities(r), CallbackURL: s.PublicURL + CallbackPath(site.ID, sys.ID)}
	switch r.Type {
	case custos.RequestRectification:
		d.Details = &webhook.Details{Correction: r.Details}
	case custos.RequestObjection:
		d.Details = &webhook.Details{Objection: r.Objection}
	}
	client := s.Webhooks
	if client == nil {
		client = webhook.NewClient(sys.Webhook.Timeout.Clock)
	}
	out, err := client.Deliver(ctx, sys.Webhook.URL, secret, d)
	if err != nil {
		if webhook.Retryable(err) {
			return nil, jobs.RetryAfter(err, webhook.RetryAfter(err))
		}
		return nil, jobs.Permanent(err)
	}
	if out.Accepted {
		b, _ := json.Marshal(map[string]string{"waiting": "the processor answers later, at the callback URL"})
		return b, jobs.ErrWait
	}
	return json.Marshal(out.Result.ForType(r.Type))
}

// Callback records a processor's late result, posted to
// CallbackPath(site, system): the signature is checked with the system's
// secret, a replay is refused, and the delivery must be a step of that
// system. A result that comes again is answered as the first was. The
// error's status for the HTTP answer is given by CallbackStatus.
func (s *Service) Callback(ctx context.Context, siteID, systemID string, req *http.Request) error {
	site := s.site(siteID)
	var sys *manifest.System
	if site != nil {
		sys = site.System(systemID)
	}
	if sys == nil || sys.Kind != manifest.SystemWebhook || s.Jobs == nil || s.Secrets == nil {
		return custos.Errorf(custos.ENOTFOUND, "no such processor")
	}
	secret, err := s.Secrets.Secret(sys.Webhook.Secret)
	if err != nil {
		return &custos.Error{Code: custos.EUNAVAILABLE, Message: "the processor's secret cannot be read", Err: err}
	}
	cb, err := webhook.ParseCallback(req, secret, scopedGuard{s.guard(), siteID + "/" + systemID + "/"}, s.now())
	if err != nil {
		return err
	}
	j, err := s.Jobs.JobByKey(ctx, cb.DeliveryID)
	if custos.ErrorCode(err) == custos.ENOTFOUND || err == nil && (j.Kind != custos.JobRequestStep || !strings.HasSuffix(j.Key, "/"+systemID)) {
		return custos.Errorf(custos.ENOTFOUND, "no such delivery for this processor")
	}
	if err != nil {
		return err
	}
	if cb.Failed() {
		// The step stays waiting: staff read the processor's message on
		// the request's timeline and retry when it is mended.
		return s.apply(ctx, &custos.RequestChange{Events: []*custos.RequestEvent{{RequestID: j.RequestID, Time: s.now(),
			Actor: "system", Kind: custos.EventNote, Note: "The processor " + sys.Name + " reported a failure: " + cb.Error}}})
	}
	r, err := s.Store.Request(ctx, j.RequestID)
	if err != nil {
		return err
	}
	res, _ := json.Marshal(cb.Result.ForType(r.Type))
	_, err = s.Jobs.CompleteWaiting(ctx, j.ID, res, &custos.AuditEntry{Actor: "processor:" + sys.ID, Action: custos.AuditJobCompleted, ObjectType: "job", ObjectID: j.Key})
	if custos.ErrorCode(err) == custos.ECONFLICT {
		return nil // done already: the same result, sent again
	}
	return err
}

// CallbackStatus is the HTTP status of a Callback error.
func CallbackStatus(err error) int {
	var we *webhook.Error
	if errors.As(err, &we) {
		return webhook.HTTPStatus(err)
	}
	switch custos.ErrorCode(err) {
	case custos.ENOTFOUND:
		return http.StatusNotFound
	case custos.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// guard is the replay guard of callbacks: Replays if set, else one in
// memory. Either expires keys by the clock the signatures are checked
// against.
func (s *Service) guard() webhook.ReplayGuard {
	s.guardOnce.Do(func() {
		if s.Replays != nil {
			s.replay = storeGuard{s}
			return
		}
		g := webhook.NewMemoryGuard()
		g.Now = s.now
		s.replay = g
	})
	return s.replay
}

// storeGuard is the webhook.ReplayGuard of s.Replays, at s's clock.
type storeGuard struct{ s *Service }

func (g storeGuard) Seen(ctx context.Context, key string, until time.Time) (bool, error) {
	return g.s.Replays.SeenAt(ctx, key, until, g.s.now())
}

// scopedGuard keeps one processor's callbacks apart from another's in the
// replay guard: two processors may choose the same callback id in the
// same second.
type scopedGuard struct {
	g     webhook.ReplayGuard
	scope string
}

func (g scopedGuard) Seen(ctx context.Context, key string, until time.Time) (bool, error) {
	// A second more: a signature exactly as old as the tolerance still
	// passes, and the guards forget a key at until.
	return g.g.Seen(ctx, g.scope+key, until.Add(time.Second))
}
