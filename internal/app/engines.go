package app

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/custos-privacy/custos/internal/connector/sqlds"
	"github.com/custos-privacy/custos/internal/connector/webhook"
	"github.com/custos-privacy/custos/internal/manifest"
)

// sqlEngines opens the SQL systems that the steps of requests reach into:
// each DSN read from where the manifest says, each system's pool kept open
// while its DSN stays the same (a reloaded manifest may change it).
type sqlEngines struct {
	getenv Env
	key    []byte // masks values (hash, random) the same way on every run

	mu  sync.Mutex
	dbs map[string]pool // by site/system
}

type pool struct {
	dsn string
	db  *sql.DB
}

func (e *sqlEngines) Engine(ctx context.Context, site *manifest.Site, sys *manifest.System) (*sqlds.Engine, error) {
	dsn, err := readSecret(e.getenv, sys.Connection)
	if err != nil {
		return nil, err
	}
	name := site.ID + "/" + sys.ID
	e.mu.Lock()
	defer e.mu.Unlock()
	p, ok := e.dbs[name]
	if !ok || p.dsn != dsn {
		db, err := sqlds.Open(ctx, sys.Kind, dsn)
		if err != nil {
			return nil, fmt.Errorf("system %s: cannot connect: %w", sys.ID, err)
		}
		if ok {
			p.db.Close()
		}
		if e.dbs == nil {
			e.dbs = map[string]pool{}
		}
		p = pool{dsn: dsn, db: db}
		e.dbs[name] = p
	}
	return sqlds.New(sys.Kind, p.db, sys.Dataset, sqlds.SiteHold(site), e.key)
}

func (e *sqlEngines) Close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, p := range e.dbs {
		p.db.Close()
	}
	e.dbs = nil
}

// readSecret reads a secret from where s says: an environment variable or
// a file (its content, without the final line break).
func readSecret(getenv Env, s *manifest.Secret) (string, error) {
	switch {
	case s == nil:
		return "", errors.New("no connection is given")
	case s.Env != "":
		v := getenv(s.Env)
		if v == "" {
			return "", fmt.Errorf("the environment variable %s is not set", s.Env)
		}
		return v, nil
	default:
		b, err := os.ReadFile(s.File)
		if err != nil {
			return "", fmt.Errorf("reading the connection file: %w", err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
}

// secrets reads webhook systems' secrets from where the manifest says.
type secrets struct{ getenv Env }

func (s secrets) Secret(sec *manifest.Secret) ([]byte, error) {
	return webhook.LoadSecret(sec, s.getenv)
}
