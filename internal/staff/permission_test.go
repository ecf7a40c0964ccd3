package staff

import (
	"strings"
	"testing"

	"github.com/custos-privacy/custos/internal/custos"
)

// TestCan checks every cell of the permission table against the matrix
// written out here again, on purpose, by hand.
func TestCan(t *testing.T) {
	// Columns: admin, privacy_officer, analyst, auditor.
	want := map[Permission]string{
		PermViewDashboard:      "XXXX",
		PermViewConsentRecords: "XX.X",
		PermViewRequests:       "XX.X",
		PermViewManifest:       "XX.X",
		PermViewAudit:          "X..X",
		PermViewStaff:          "X..X",
		PermViewTokens:         "X..X",
		PermReadConsentAPI:     "XX.X",
		PermManageRequests:     "XX..",
		PermManageManifest:     "X...",
		PermManageStaff:        "X...",
		PermManageTokens:       "X...",
	}
	roles := []custos.Role{custos.RoleAdmin, custos.RolePrivacyOfficer, custos.RoleAnalyst, custos.RoleAuditor}
	if len(Permissions) != len(want) {
		t.Fatalf("%d permissions, the matrix has %d", len(Permissions), len(want))
	}
	if len(custos.Roles) != len(roles) {
		t.Fatalf("custos.Roles has %d roles; extend this matrix", len(custos.Roles))
	}
	for _, p := range Permissions {
		row, ok := want[p]
		if !ok {
			t.Errorf("permission %s missing from the matrix", p)
			continue
		}
		for i, r := range roles {
			if got := Can(r, p); got != (row[i] == 'X') {
				t.Errorf("Can(%s, %s) = %v", r, p, got)
			}
		}
	}
}

func TestPermissionRules(t *testing.T) {
	for _, p := range Permissions {
		if !Can(custos.RoleAdmin, p) {
			t.Errorf("admin cannot %s", p)
		}
		// The auditor reads everything and changes nothing.
		if Can(custos.RoleAuditor, p) != ReadOnly(p) {
			t.Errorf("auditor and %s (read-only %v)", p, ReadOnly(p))
		}
		if ReadOnly(p) != (strings.HasPrefix(string(p), "view_") || strings.HasPrefix(string(p), "read_")) {
			t.Errorf("%s: read-only flag does not match its name", p)
		}
		// The analyst never sees a record about one person.
		if Can(custos.RoleAnalyst, p) && p != PermViewDashboard {
			t.Errorf("analyst can %s", p)
		}
		if Can("", p) || Can("root", p) || Can("Admin", p) {
			t.Errorf("an unknown role can %s", p)
		}
	}
	if Can(custos.RoleAdmin, "launch_rockets") || ReadOnly("launch_rockets") {
		t.Error("an unknown permission is granted")
	}
	seen := map[Permission]bool{}
	for _, p := range Permissions {
		if seen[p] {
			t.Errorf("%s twice in the table", p)
		}
		seen[p] = true
	}
	if got := RolePermissions(custos.RoleAnalyst); len(got) != 1 || got[0] != PermViewDashboard {
		t.Errorf("RolePermissions(analyst) = %v", got)
	}
	if got := RolePermissions(custos.RoleAdmin); len(got) != len(Permissions) {
		t.Errorf("RolePermissions(admin) = %v", got)
	}
}
