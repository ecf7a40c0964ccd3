// Package webhook delivers data subject requests to processors by webhook
// (issue 6): a SaaS such as a CRM or a chat service that a site's manifest
// declares as a system of kind webhook, with its endpoint URL and the
// secret they share.
//
// # Deliveries
//
// For each step of a request's fulfilment that concerns a webhook system,
// Custos POSTs a delivery to the processor's endpoint:
//
//	POST /custos/v1 HTTP/1.1
//	Content-Type: application/json
//	User-Agent: Custos-Webhook/1
//	Custos-Delivery: dl_01HZX…
//	Custos-Signature: t=1767225600,v1=5f3c…(64 hex digits)
//
//	{"id":"dl_01HZX…","request_id":"rq_…","type":"access","site":"shop",
//	 "identities":{"consent_id":"…","email":"ada@example.com"},
//	 "callback_url":"https://privacy.example.com/…","sent_at":"2026-01-01T00:00:00Z"}
//
// id is the same for every attempt of the same step: the processor's
// idempotency key. type is one of RequestTypes; identities maps identity kinds
// (email, consent_id) to the person's values; details carries, for a
// rectification, the correction approved (Details). sent_at is the time
// of the attempt, that of its signature.
//
// # Signatures
//
// The Custos-Signature header is "t=<unix seconds>,v1=<hex>", where the
// hex is HMAC-SHA256, keyed with the system's secret (its bytes as
// written), of the timestamp, a full stop and the raw body: "<t>.<body>".
// The timestamp is signed so that a copied request cannot be replayed
// later; Verify refuses one more than DefaultTolerance (5 minutes) from
// its clock, before or after, and a ReplayGuard refuses one seen within
// that window (same id and timestamp). Several v1 signatures may be given
// (while a secret is rotated): one that matches suffices. The scheme is
// Stripe's; unlike Standard Webhooks' it does not repeat the id in the
// signed string, since the id is in the signed body.
//
// # Answers
//
// The processor answers at once with 200 and a Result:
//
//	{"status":"done","data":{"contacts":[{…}],"notes":[{…}]},"counts":{"records_erased":3}}
//
// (data for access and portability: the person's records by type; counts
// for an erasure; status "failed" with an "error" message when it cannot
// carry out the request), or with 202, and later POSTs a Callback, signed
// the same way with the same secret, to the delivery's callback URL:
//
//	{"id":"cb_…","delivery_id":"dl_01HZX…","status":"done","counts":{"records_erased":3}}
//
// Client.Deliver makes one attempt and classifies what went wrong:
// Retryable (network errors, timeouts, 408, 425, 429, 5xx but 501, with
// RetryAfter from the processor's Retry-After) or permanent (other
// refusals, redirects, malformed or oversized answers, a failure the
// processor reported). Retries with back-off, the dead-letter state and
// keeping deliveries across restarts are the job runner's (internal/jobs):
// a delivery is a job. ParseCallback checks a callback; HTTPStatus maps
// its errors to the status to answer with.
//
// Errors hold no personal data: no identity, no body (a processor may
// echo personal data), no URL; an HTTP status and a short reason.
//
// docs/webhooks.md describes the wire format for processors' developers,
// with verification code in Go, Python and the shell.
package webhook
