package staff

import "github.com/custos-privacy/custos/internal/custos"

// Permission is something the console or the API lets a role do. Roles are
// the only grants: there are no per-user permissions.
type Permission string

const (
	PermViewDashboard      Permission = "view_dashboard"       // aggregate figures
	PermViewConsentRecords Permission = "view_consent_records" // records about one person
	PermViewRequests       Permission = "view_requests"        // data subject requests
	PermViewManifest       Permission = "view_manifest"        // sites, purposes, notices, their history
	PermViewAudit          Permission = "view_audit"           // the audit trail and its verification
	PermViewStaff          Permission = "view_staff"           // the list of staff accounts and roles
	PermViewTokens         Permission = "view_tokens"          // the list of API tokens (never a secret)
	PermReadConsentAPI     Permission = "read_consent_api"     // consent records through the API
	PermManageRequests     Permission = "manage_requests"      // act on data subject requests
	PermManageManifest     Permission = "manage_manifest"      // load or change manifests, settings
	PermManageStaff        Permission = "manage_staff"         // create, reset, disable accounts
	PermManageTokens       Permission = "manage_tokens"        // create and revoke API tokens
)

// What every role may do, the one table Can reads:
//
//	permission             admin  privacy_officer  analyst  auditor
//	view_dashboard           ✓          ✓             ✓        ✓
//	view_consent_records     ✓          ✓                      ✓
//	view_requests            ✓          ✓                      ✓
//	view_manifest            ✓          ✓                      ✓
//	view_audit               ✓                                 ✓
//	view_staff               ✓                                 ✓
//	view_tokens              ✓                                 ✓
//	read_consent_api         ✓          ✓                      ✓
//	manage_requests          ✓          ✓
//	manage_manifest          ✓
//	manage_staff             ✓
//	manage_tokens            ✓
//
// The admin may do everything. The auditor may read everything, the audit
// trail included, and change nothing. The privacy officer works with
// consent records, requests, notices and reports, but does not see the
// audit trail: it is the record the auditor checks the officers' work
// against, so it stays apart from them. The analyst sees aggregates only,
// never a record about one person.
//
// A staff member's own account (password, second factor, sessions) needs no
// permission: every role manages its own.
var permissionTable = []struct {
	perm  Permission
	view  bool // read-only: granted to the auditor
	roles []custos.Role
}{
	{PermViewDashboard, true, []custos.Role{custos.RoleAdmin, custos.RolePrivacyOfficer, custos.RoleAnalyst, custos.RoleAuditor}},
	{PermViewConsentRecords, true, []custos.Role{custos.RoleAdmin, custos.RolePrivacyOfficer, custos.RoleAuditor}},
	{PermViewRequests, true, []custos.Role{custos.RoleAdmin, custos.RolePrivacyOfficer, custos.RoleAuditor}},
	{PermViewManifest, true, []custos.Role{custos.RoleAdmin, custos.RolePrivacyOfficer, custos.RoleAuditor}},
	{PermViewAudit, true, []custos.Role{custos.RoleAdmin, custos.RoleAuditor}},
	{PermViewStaff, true, []custos.Role{custos.RoleAdmin, custos.RoleAuditor}},
	{PermViewTokens, true, []custos.Role{custos.RoleAdmin, custos.RoleAuditor}},
	{PermReadConsentAPI, true, []custos.Role{custos.RoleAdmin, custos.RolePrivacyOfficer, custos.RoleAuditor}},
	{PermManageRequests, false, []custos.Role{custos.RoleAdmin, custos.RolePrivacyOfficer}},
	{PermManageManifest, false, []custos.Role{custos.RoleAdmin}},
	{PermManageStaff, false, []custos.Role{custos.RoleAdmin}},
	{PermManageTokens, false, []custos.Role{custos.RoleAdmin}},
}

// Permissions lists every permission, in the order of the table.
var Permissions = func() []Permission {
	ps := make([]Permission, len(permissionTable))
	for i, row := range permissionTable {
		ps[i] = row.perm
	}
	return ps
}()

// Can reports whether role r has permission p. An unknown role or
// permission has nothing.
func Can(r custos.Role, p Permission) bool {
	for _, row := range permissionTable {
		if row.perm != p {
			continue
		}
		for _, x := range row.roles {
			if x == r {
				return true
			}
		}
		return false
	}
	return false
}

// ReadOnly reports whether p only reads (and so is granted to the auditor).
func ReadOnly(p Permission) bool {
	for _, row := range permissionTable {
		if row.perm == p {
			return row.view
		}
	}
	return false
}

// RolePermissions returns the permissions of r, in table order.
func RolePermissions(r custos.Role) []Permission {
	var ps []Permission
	for _, p := range Permissions {
		if Can(r, p) {
			ps = append(ps, p)
		}
	}
	return ps
}
