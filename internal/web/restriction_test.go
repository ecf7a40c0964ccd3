package web_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/store"
	"github.com/custos-privacy/custos/internal/store/storetest"
)

// TestConsentAPIRestricted: once a restriction request filed with a
// consent id is approved, the consent state and history of that id say
// "restricted": true, to the browser and to a server, until it is
// lifted; another consent id never does. On both engines.
func TestConsentAPIRestricted(t *testing.T) {
	storetest.Engines(t, testConsentAPIRestricted)
}

func testConsentAPIRestricted(t *testing.T, db *store.DB) {
	e := newEnv(t, db, withRequests)
	ctx := context.Background()
	const (
		restrictedID = "c0nsent-id-RRRRRRRRRRRRRRRR"
		otherID      = "c0nsent-id-OOOOOOOOOOOOOOOO"
		email        = "grace@example.com"
	)
	for _, sub := range []string{restrictedID, otherID} {
		if s, _, b := e.do("POST", "/api/v1/consents", e.validInput(sub)); s != http.StatusCreated {
			t.Fatalf("recording %s: %d %s", sub, s, b)
		}
	}
	// restricted reads the flag of sub from the state and the history, as
	// the browser (which names its own id) and as a server with a token;
	// the four answers must agree, and a false flag must be left out.
	restricted := func(when, sub string) bool {
		t.Helper()
		var seen []bool
		for _, path := range []string{"/api/v1/consents/" + sub + "?site=demo", "/api/v1/consents/" + sub + "/history?site=demo"} {
			for _, hdr := range [][]string{nil, {"Authorization", "Bearer " + testToken}} {
				s, _, b := e.do("GET", path, nil, hdr...)
				if s != http.StatusOK {
					t.Fatalf("%s: GET %s: %d %s", when, path, s, b)
				}
				v, ok := decode[map[string]any](t, b)["restricted"]
				if ok && v != true {
					t.Errorf("%s: GET %s: restricted is %v; it must be true or absent", when, path, v)
				}
				seen = append(seen, ok)
			}
		}
		for _, x := range seen[1:] {
			if x != seen[0] {
				t.Errorf("%s: the answers for %s disagree: %v", when, sub, seen)
			}
		}
		return seen[0]
	}
	if restricted("before", restrictedID) || restricted("before", otherID) {
		t.Fatal("restricted before any request")
	}

	// The person files a restriction with this browser's consent id and
	// confirms it: the id is linked to the address, nothing is restricted
	// until staff approve.
	body := fileBody("restriction", email)
	body["consent_id"] = restrictedID
	challenge := e.file(body)
	if s, _, b := e.do("POST", "/api/v1/requests/verify", map[string]any{"challenge": challenge, "code": e.codeFor(email, "verify")}); s != http.StatusOK {
		t.Fatalf("verifying: %d %s", s, b)
	}
	if restricted("verified", restrictedID) {
		t.Error("restricted before the request is approved")
	}
	rs := e.requestList()
	if len(rs) != 1 || rs[0].Type != custos.RequestRestriction {
		t.Fatalf("requests: %+v", rs)
	}
	r := rs[0]
	if err := e.requests.Approve(ctx, "st_officer", r.ID, r.Version); err != nil {
		t.Fatal(err)
	}
	if !restricted("approved", restrictedID) {
		t.Error("not restricted once the restriction is approved")
	}
	if restricted("approved", otherID) {
		t.Error("another consent id is restricted")
	}

	// Lifted, the flag goes.
	marks, err := db.SubjectMarks(ctx, "demo", r.EmailHash)
	if err != nil || len(marks) != 1 || marks[0].Kind != custos.MarkRestricted {
		t.Fatalf("marks: %+v, %v", marks, err)
	}
	if err := e.requests.LiftMark(ctx, "st_officer", r.ID, marks[0].ID); err != nil {
		t.Fatal(err)
	}
	if restricted("lifted", restrictedID) {
		t.Error("still restricted once the restriction is lifted")
	}
}
