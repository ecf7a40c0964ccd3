// Package staff holds the security logic of the staff console: password
// hashing and policy, TOTP second factors, recovery codes, session and API
// tokens, the sign-in service and the role/permission table.
//
// It works against the custos.StaffStore interface and imports neither
// net/http nor a database driver, so the web layer and the CLI share it and
// its tests need no database.
//
// Secrets are never kept in clear: passwords are stored as argon2id PHC
// strings, session, set-up and API tokens and recovery codes as SHA-256 hex.
// No error of this package contains a password, token, code or e-mail
// address, and audit entries name accounts and tokens by id only.
package staff
