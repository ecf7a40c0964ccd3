package staff

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/custos-privacy/custos/internal/custos"
)

// CreateAPIToken creates an API token with a role, valid for ttl (between
// MinAPITokenTTL and MaxAPITokenTTL), and returns it with the token itself,
// "custos_tk_<id>_<secret>", to show once: only its SHA-256 is stored.
// actor is the creating staff id, or ActorCLI.
func (s *Service) CreateAPIToken(ctx context.Context, name string, role custos.Role, ttl time.Duration, actor string) (*custos.APIToken, string, error) {
	if err := checkActor(actor); err != nil {
		return nil, "", err
	}
	name = strings.TrimSpace(name)
	var f custos.Fields
	validTokenName(&f, name)
	validateRole(&f, role)
	if ttl < MinAPITokenTTL || ttl > MaxAPITokenTTL {
		f.Add("ttl", "must be between 1 hour and 1 year")
	}
	if err := f.Err(); err != nil {
		return nil, "", err
	}
	now := s.now()
	id := newID("tk_")
	token, hash := newAPIToken(id)
	t := &custos.APIToken{
		ID:        id,
		Name:      name,
		Role:      role,
		Hash:      hash,
		CreatedBy: actor,
		CreatedAt: now,
		ExpiresAt: now.Add(ttl),
	}
	if err := s.Store.CreateAPIToken(ctx, t, s.entry(actor, custos.AuditTokenCreated, objAPIToken, id, "role="+string(role))); err != nil {
		return nil, "", fmt.Errorf("staff: create API token: %w", err)
	}
	return t, token, nil
}

// AuthenticateAPIToken returns the API token of token, or
// ErrAPITokenInvalid if it is malformed, unknown, expired or revoked.
// LastUsed is written at most once a minute.
func (s *Service) AuthenticateAPIToken(ctx context.Context, token string) (*custos.APIToken, error) {
	id := APITokenID(token)
	if id == "" {
		return nil, ErrAPITokenInvalid
	}
	hash := HashToken(token)
	t, err := s.Store.APITokenByHash(ctx, hash)
	if isNotFound(err) {
		return nil, ErrAPITokenInvalid
	}
	if err != nil {
		return nil, fmt.Errorf("staff: authenticate API token: %w", err)
	}
	now := s.now()
	if t.ID != id || !hashesEqual(t.Hash, hash) || t.Revoked || !now.Before(t.ExpiresAt) || !t.Role.Valid() {
		return nil, ErrAPITokenInvalid
	}
	if now.Sub(t.LastUsed) >= touchEvery {
		if err := s.Store.TouchAPIToken(ctx, t.ID, now); err != nil {
			return nil, fmt.Errorf("staff: authenticate API token: %w", err)
		}
		t.LastUsed = now
	}
	return t, nil
}

// RevokeAPIToken revokes the API token id for good.
func (s *Service) RevokeAPIToken(ctx context.Context, id, actor string) error {
	if err := checkActor(actor); err != nil {
		return err
	}
	if err := s.Store.RevokeAPIToken(ctx, id, s.entry(actor, custos.AuditTokenRevoked, objAPIToken, id)); err != nil {
		return fmt.Errorf("staff: revoke API token: %w", err)
	}
	return nil
}
