package staff

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/custos-privacy/custos/internal/custos"
)

// NormaliseEmail returns the lowercased form of a plain e-mail address
// ("name@example.org", no display name), or an EINVALID error for field
// "email" that does not repeat the address.
func NormaliseEmail(email string) (string, error) {
	email = strings.TrimSpace(email)
	bad := func(msg string) (string, error) {
		return "", custos.Invalid(custos.FieldError{Field: "email", Message: msg})
	}
	switch {
	case email == "":
		return bad("is required")
	case len(email) > maxEmailBytes:
		return bad(fmt.Sprintf("must be at most %d bytes long", maxEmailBytes))
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Name != "" || a.Address != email || !strings.Contains(email, "@") {
		return bad("must be a plain e-mail address, like name@example.org")
	}
	return strings.ToLower(email), nil
}

func validateRole(f *custos.Fields, role custos.Role) {
	if !role.Valid() {
		f.Add("role", "must be one of admin, privacy_officer, analyst, auditor")
	}
}

// CreateUser creates a staff account with no password yet, and returns it
// with its one-time set-up token (valid SetupTTL) for the set-up link; the
// account is usable once CompleteSetup has run. actor is the creating staff
// id, or ActorCLI. An address already taken is an ECONFLICT error.
func (s *Service) CreateUser(ctx context.Context, email string, role custos.Role, actor string) (*custos.StaffUser, string, error) {
	if err := checkActor(actor); err != nil {
		return nil, "", err
	}
	var f custos.Fields
	email, err := NormaliseEmail(email)
	if err != nil {
		f = append(f, custos.ErrorFields(err)...)
	}
	validateRole(&f, role)
	if err := f.Err(); err != nil {
		return nil, "", err
	}
	now := s.now()
	token, hash := NewToken("")
	u := &custos.StaffUser{
		ID:             newID("st_"),
		Email:          email,
		Role:           role,
		SetupTokenHash: hash,
		SetupExpires:   now.Add(SetupTTL),
		CreatedAt:      now,
		UpdatedAt:      now,
	}
	err = s.Store.CreateUser(ctx, u, s.entry(actor, custos.AuditStaffCreated, objStaff, u.ID, "role="+string(role)))
	if custos.ErrorCode(err) == custos.ECONFLICT {
		// A fresh error: the store's may name the address.
		return nil, "", &custos.Error{Code: custos.ECONFLICT, Message: "a staff account with this e-mail address already exists"}
	}
	if err != nil {
		return nil, "", fmt.Errorf("staff: create account: %w", err)
	}
	return u, token, nil
}

// userBySetupToken returns the enabled account whose set-up or enrolment
// token this is, if it has not expired.
func (s *Service) userBySetupToken(ctx context.Context, token string) (*custos.StaffUser, error) {
	if token == "" || len(token) > maxCookieToken {
		return nil, ErrSetupTokenInvalid
	}
	hash := HashToken(token)
	u, err := s.Store.UserBySetupToken(ctx, hash)
	if isNotFound(err) {
		return nil, ErrSetupTokenInvalid
	}
	if err != nil {
		return nil, fmt.Errorf("staff: set-up token: %w", err)
	}
	if u.Disabled || !hashesEqual(u.SetupTokenHash, hash) || !s.now().Before(u.SetupExpires) {
		return nil, ErrSetupTokenInvalid
	}
	return u, nil
}

// CompleteSetup sets the first password of the account of a set-up token
// (from CreateUser or ResetUser) and uses the token up. The password must
// pass CheckPasswordPolicy. The staff member then signs in; an
// administrator is asked to enrol a second factor then.
func (s *Service) CompleteSetup(ctx context.Context, setupToken, password string) (*custos.StaffUser, error) {
	u, err := s.userBySetupToken(ctx, setupToken)
	if err != nil {
		return nil, err
	}
	if u.PasswordHash != "" {
		// An enrolment token: it does not set passwords.
		return nil, ErrSetupTokenInvalid
	}
	if err := CheckPasswordPolicy(password, u.Email); err != nil {
		return nil, err
	}
	h, err := HashPassword(password)
	if err != nil {
		return nil, err
	}
	now := s.now()
	u.PasswordHash = h
	u.SetupTokenHash, u.SetupExpires = "", time.Time{}
	u.LockedUntil = time.Time{}
	u.UpdatedAt = now
	if err := s.Store.UpdateUser(ctx, u, s.entry(u.ID, custos.AuditStaffUpdated, objStaff, u.ID, "change=setup_completed")); err != nil {
		return nil, fmt.Errorf("staff: complete set-up: %w", err)
	}
	if err := s.Store.ClearSignInFailures(ctx, u.ID); err != nil {
		return nil, fmt.Errorf("staff: complete set-up: %w", err)
	}
	return u, nil
}

// UserByEnrollmentToken returns the administrator whose enrolment token
// (from SignIn's ErrTOTPEnrollmentRequired) this is, so that the console
// can run EnrollTOTP and ConfirmTOTP for it; ConfirmTOTP uses the token up.
func (s *Service) UserByEnrollmentToken(ctx context.Context, token string) (*custos.StaffUser, error) {
	u, err := s.userBySetupToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if u.PasswordHash == "" {
		// A set-up token: the password comes first.
		return nil, ErrSetupTokenInvalid
	}
	return u, nil
}

// ResetUser clears the password, second factor and recovery codes of
// account id, ends its sessions and returns a new set-up token (valid
// SetupTTL) for the staff member to set the account up again. It does not
// enable a disabled account.
func (s *Service) ResetUser(ctx context.Context, id, actor string) (string, error) {
	if err := checkActor(actor); err != nil {
		return "", err
	}
	u, err := s.Store.User(ctx, id)
	if err != nil {
		return "", fmt.Errorf("staff: reset account: %w", err)
	}
	now := s.now()
	token, hash := NewToken("")
	u.PasswordHash = ""
	u.TOTPSecret, u.TOTPLastStep, u.RecoveryCodes = nil, 0, nil
	u.SetupTokenHash, u.SetupExpires = hash, now.Add(SetupTTL)
	u.LockedUntil = time.Time{}
	u.UpdatedAt = now
	if err := s.Store.UpdateUser(ctx, u, s.entry(actor, custos.AuditStaffUpdated, objStaff, u.ID, "change=reset")); err != nil {
		return "", fmt.Errorf("staff: reset account: %w", err)
	}
	if err := s.Store.DeleteUserSessions(ctx, u.ID); err != nil {
		return "", fmt.Errorf("staff: reset account: %w", err)
	}
	if err := s.Store.ClearSignInFailures(ctx, u.ID); err != nil {
		return "", fmt.Errorf("staff: reset account: %w", err)
	}
	return token, nil
}

// DisableUser disables account id and ends its sessions. Disabling a
// disabled account does nothing; the last enabled administrator cannot be
// disabled (ErrLastAdmin), so that someone can still manage staff.
func (s *Service) DisableUser(ctx context.Context, id, actor string) error {
	if err := checkActor(actor); err != nil {
		return err
	}
	u, err := s.Store.User(ctx, id)
	if err != nil {
		return fmt.Errorf("staff: disable account: %w", err)
	}
	if u.Disabled {
		return nil
	}
	if u.Role == custos.RoleAdmin {
		all, err := s.Store.Users(ctx)
		if err != nil {
			return fmt.Errorf("staff: disable account: %w", err)
		}
		others := 0
		for _, x := range all {
			if x.ID != u.ID && x.Role == custos.RoleAdmin && !x.Disabled {
				others++
			}
		}
		if others == 0 {
			return ErrLastAdmin
		}
	}
	u.Disabled = true
	u.UpdatedAt = s.now()
	if err := s.Store.UpdateUser(ctx, u, s.entry(actor, custos.AuditStaffUpdated, objStaff, u.ID, "change=disabled")); err != nil {
		return fmt.Errorf("staff: disable account: %w", err)
	}
	if err := s.Store.DeleteUserSessions(ctx, u.ID); err != nil {
		return fmt.Errorf("staff: disable account: %w", err)
	}
	return nil
}

// UnlockUser lifts a lock from too many failed sign-ins and forgets the
// failures, keeping the password and second factor: the way out when
// someone who knows the address keeps an account locked on purpose.
func (s *Service) UnlockUser(ctx context.Context, id, actor string) error {
	if err := checkActor(actor); err != nil {
		return err
	}
	u, err := s.Store.User(ctx, id)
	if err != nil {
		return fmt.Errorf("staff: unlock account: %w", err)
	}
	if err := s.Store.ClearSignInFailures(ctx, u.ID); err != nil {
		return fmt.Errorf("staff: unlock account: %w", err)
	}
	if u.LockedUntil.IsZero() {
		return nil
	}
	u.LockedUntil, u.UpdatedAt = time.Time{}, s.now()
	if err := s.Store.UpdateUser(ctx, u, s.entry(actor, custos.AuditStaffUpdated, objStaff, u.ID, "change=unlocked")); err != nil {
		return fmt.Errorf("staff: unlock account: %w", err)
	}
	return nil
}

// EnrollTOTP returns a new TOTP secret for account userID and its otpauth://
// URI (for a QR code). Nothing is stored until ConfirmTOTP proves the app
// has it; the console keeps the secret in between.
func (s *Service) EnrollTOTP(ctx context.Context, userID string) (secret []byte, uri string, err error) {
	u, err := s.Store.User(ctx, userID)
	if err != nil {
		return nil, "", fmt.Errorf("staff: enrol second factor: %w", err)
	}
	if u.Disabled {
		return nil, "", ErrAccountDisabled
	}
	secret = NewTOTPSecret()
	return secret, TOTPURI(secret, s.issuer(), u.Email), nil
}

// ConfirmTOTP stores secret as the second factor of account userID once
// code shows that the authenticator app has it, replacing any earlier
// second factor and recovery codes, and returns RecoveryCodeCount new
// recovery codes to show once. It uses up an enrolment token. A wrong code
// is an EINVALID error for field "code".
func (s *Service) ConfirmTOTP(ctx context.Context, userID string, secret []byte, code string) (recoveryCodes []string, err error) {
	if len(secret) < 16 || len(secret) > 64 {
		return nil, custos.Invalid(custos.FieldError{Field: "secret", Message: "is not a valid second-factor secret; start again"})
	}
	u, err := s.Store.User(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("staff: confirm second factor: %w", err)
	}
	if u.Disabled {
		return nil, ErrAccountDisabled
	}
	now := s.now()
	step, ok := VerifyTOTP(secret, code, now, 0)
	if !ok {
		return nil, custos.Invalid(custos.FieldError{Field: "code",
			Message: "is wrong; check that the device's clock is right and try again"})
	}
	codes, hashes := NewRecoveryCodes(RecoveryCodeCount)
	u.TOTPSecret = append([]byte(nil), secret...)
	u.TOTPLastStep = step
	u.RecoveryCodes = hashes
	if u.PasswordHash != "" {
		u.SetupTokenHash, u.SetupExpires = "", time.Time{}
	}
	u.UpdatedAt = now
	if err := s.Store.UpdateUser(ctx, u, s.entry(u.ID, custos.AuditStaffUpdated, objStaff, u.ID, "change=totp_enrolled")); err != nil {
		return nil, fmt.Errorf("staff: confirm second factor: %w", err)
	}
	return codes, nil
}

// SetPassword changes the password of account userID, given its current
// one. Wrong current passwords count and throttle like failed sign-ins; the
// errors are EINVALID for field "current_password" or "new_password". Other
// sessions of the account are kept: call SignOutEverywhere for that.
func (s *Service) SetPassword(ctx context.Context, userID, oldPassword, newPassword string) error {
	u, err := s.Store.User(ctx, userID)
	if err != nil {
		return fmt.Errorf("staff: set password: %w", err)
	}
	if u.Disabled {
		return ErrAccountDisabled
	}
	now := s.now()
	tooMany := custos.Invalid(custos.FieldError{Field: "current_password", Message: "too many wrong attempts; try again later"})
	if now.Before(u.LockedUntil) {
		return tooMany
	}
	n, err := s.Store.RecordSignInFailure(ctx, u.ID, now)
	if err != nil {
		return fmt.Errorf("staff: set password: %w", err)
	}
	if n > lockAfter {
		if err := s.throttle(ctx, u.ID, now, n); err != nil {
			return err
		}
		return tooMany
	}
	if !CheckPassword(u.PasswordHash, oldPassword) {
		if err := s.throttle(ctx, u.ID, now, n); err != nil {
			return err
		}
		return custos.Invalid(custos.FieldError{Field: "current_password", Message: "is wrong"})
	}
	if err := s.Store.ClearSignInFailures(ctx, u.ID); err != nil {
		return fmt.Errorf("staff: set password: %w", err)
	}
	if err := CheckPasswordPolicy(newPassword, u.Email); err != nil {
		return renameFields(err, "new_password")
	}
	if newPassword == oldPassword {
		return custos.Invalid(custos.FieldError{Field: "new_password", Message: "must differ from the current password"})
	}
	h, err := HashPassword(newPassword)
	if err != nil {
		return err
	}
	u.PasswordHash = h
	u.LockedUntil = time.Time{}
	u.UpdatedAt = now
	if err := s.Store.UpdateUser(ctx, u, s.entry(u.ID, custos.AuditStaffUpdated, objStaff, u.ID, "change=password")); err != nil {
		return fmt.Errorf("staff: set password: %w", err)
	}
	return nil
}

// validTokenName checks an API token's name: 1 to 100 characters, no
// control characters.
func validTokenName(f *custos.Fields, name string) {
	switch n := utf8.RuneCountInString(name); {
	case name == "":
		f.Add("name", "is required")
	case n > maxTokenName || !utf8.ValidString(name):
		f.Add("name", "must be at most %d characters long", maxTokenName)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		f.Add("name", "must not contain control characters")
	}
}

// renameFields returns a copy of the EINVALID error err with every field
// named field.
func renameFields(err error, field string) error {
	fs := custos.ErrorFields(err)
	if custos.ErrorCode(err) != custos.EINVALID || len(fs) == 0 {
		return err
	}
	out := make([]custos.FieldError, len(fs))
	for i, f := range fs {
		out[i] = custos.FieldError{Field: field, Message: f.Message}
	}
	return custos.Invalid(out...)
}
