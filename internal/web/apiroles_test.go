package web_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/staff"
	"github.com/custos-privacy/custos/internal/store/storetest"
)

// TestAPIPermissionMatrix calls every API endpoint with a console-made
// token of every role, with a revoked and an expired one, and with none,
// and checks each answer against the role table: reading records about one
// person needs staff.PermReadConsentAPI; the public endpoints stay public.
func TestAPIPermissionMatrix(t *testing.T) {
	db := storetest.Open(t)
	now := time.Now()
	svc := &staff.Service{Store: db, Audit: db, Now: func() time.Time { return now }}
	e := newEnv(t, db, func(o *options) { o.tokenAuth = svc.AuthenticateAPIToken })
	const subject = "api-matrix-subject-000001"
	if code, _, b := e.do("POST", "/api/v1/consents", e.validInput(subject)); code != 201 {
		t.Fatalf("recording: %d %s", code, b)
	}
	_, _, b := e.do("GET", "/api/v1/consents/"+subject+"?site=demo", nil, "Custos-Subject", subject)
	receipt := decode[map[string]any](t, b)["id"].(string)

	tokens := map[string]string{}
	for _, r := range custos.Roles {
		_, tok, err := svc.CreateAPIToken(context.Background(), "matrix "+string(r), r, 24*time.Hour, "test")
		if err != nil {
			t.Fatal(err)
		}
		tokens[string(r)] = tok
	}
	tk, revoked, _ := svc.CreateAPIToken(context.Background(), "revoked", custos.RoleAdmin, 24*time.Hour, "test")
	if err := svc.RevokeAPIToken(context.Background(), tk.ID, "test"); err != nil {
		t.Fatal(err)
	}
	_, expired, _ := svc.CreateAPIToken(context.Background(), "expired", custos.RoleAdmin, time.Hour, "test")
	tokens["revoked"], tokens["expired"] = revoked, expired

	personal := []string{
		"/api/v1/consents/" + subject + "?site=demo",
		"/api/v1/consents/" + subject + "/history?site=demo",
		"/api/v1/receipts/" + receipt,
	}
	public := []string{"/api/v1/sites/demo/banner", "/banner/demo.js", "/.well-known/jwks.json", "/.well-known/gpc.json", "/api/v1/openapi.json", "/schema/manifest.json", "/healthz"}
	now = now.Add(2 * time.Hour) // the one-hour token has expired
	for who, tok := range tokens {
		for _, p := range personal {
			code, _, _ := e.do("GET", p, nil, "Authorization", "Bearer "+tok)
			want := http.StatusOK
			switch {
			case who == "revoked" || who == "expired":
				want = http.StatusUnauthorized
			case !staff.Can(custos.Role(who), staff.PermReadConsentAPI):
				want = http.StatusForbidden
			}
			if code != want {
				t.Errorf("GET %s with a %s token: %d, want %d", p, who, code, want)
			}
		}
		for _, p := range public {
			if code, _, _ := e.do("GET", p, nil, "Authorization", "Bearer "+tok); code >= 400 && code != http.StatusUnauthorized && code != http.StatusForbidden {
				t.Errorf("GET %s with a %s token: %d", p, who, code)
			}
		}
	}
	// Without a token, a record is readable only by the browser that holds
	// its consent id (receipts need it in Custos-Subject).
	if code, _, _ := e.do("GET", "/api/v1/receipts/"+receipt, nil); code == http.StatusOK {
		t.Error("a receipt was readable with neither a token nor its consent id")
	}
	for _, p := range public {
		if code, _, _ := e.do("GET", p, nil); code != http.StatusOK {
			t.Errorf("GET %s without a token: %d", p, code)
		}
	}
}
