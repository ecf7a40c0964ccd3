package webhook

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/custos-privacy/custos/internal/manifest"
)

// MinSecretLen is the shortest secret LoadSecret accepts, in bytes: 128
// bits, as from "openssl rand -hex 16" (32 characters); "openssl rand
// -hex 32" is better.
const MinSecretLen = 16

// LoadSecret reads a webhook's secret from where the manifest says: the
// environment variable s.Env (read with getenv; os.Getenv if nil) or the
// file s.File (its content without the final line break). The secret is
// used as it is written, its bytes, not decoded from hex or base64. It
// must be at least MinSecretLen bytes. Errors name the variable or the
// file, never the secret.
func LoadSecret(s *manifest.Secret, getenv func(string) string) ([]byte, error) {
	var v string
	switch {
	case s == nil || s.Env == "" && s.File == "":
		return nil, &Error{Op: "secret", Kind: ErrInvalid, Reason: "no secret is given (env or file)"}
	case s.Env != "":
		if getenv == nil {
			getenv = os.Getenv
		}
		v = getenv(s.Env)
		if v == "" {
			return nil, &Error{Op: "secret", Kind: ErrInvalid, Reason: "the environment variable " + s.Env + " is not set"}
		}
	default:
		b, err := os.ReadFile(s.File)
		if err != nil {
			reason := "cannot read the file " + s.File
			switch {
			case errors.Is(err, os.ErrNotExist):
				reason = "the file " + s.File + " does not exist"
			case errors.Is(err, os.ErrPermission):
				reason = "no permission to read the file " + s.File
			}
			return nil, &Error{Op: "secret", Kind: ErrInvalid, Reason: reason, err: err}
		}
		v = strings.TrimRight(string(b), "\r\n")
	}
	if len(v) < MinSecretLen {
		where := "the environment variable " + s.Env
		if s.Env == "" {
			where = "the file " + s.File
		}
		return nil, &Error{Op: "secret", Kind: ErrInvalid, Reason: fmt.Sprintf("the secret in %s is shorter than %d bytes", where, MinSecretLen)}
	}
	return []byte(v), nil
}
