package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/custos-privacy/custos/internal/consent"
	"github.com/custos-privacy/custos/internal/console"
	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/demo"
	"github.com/custos-privacy/custos/internal/dsr"
	"github.com/custos-privacy/custos/internal/jobs"
	"github.com/custos-privacy/custos/internal/mail"
	"github.com/custos-privacy/custos/internal/manifest"
	"github.com/custos-privacy/custos/internal/staff"
	"github.com/custos-privacy/custos/internal/store"
	"github.com/custos-privacy/custos/internal/web"
)

// storeFlags are the flags of every command that touches the store.
type storeFlags struct {
	data string
	db   string
}

func (f *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.data, "data", "./custos-data", "data directory: holds the SQLite database and the signing key")
	fs.StringVar(&f.db, "db", "", "database DSN; a postgres:// or postgresql:// DSN uses PostgreSQL instead of SQLite in --data")
}

func (f *storeFlags) open(ctx context.Context, log *slog.Logger) (*store.DB, error) {
	if f.db != "" && !strings.HasPrefix(f.db, "postgres://") && !strings.HasPrefix(f.db, "postgresql://") {
		return nil, usageErrorf("--db: only postgres:// or postgresql:// DSNs are supported; leave it empty for SQLite in --data")
	}
	return store.Open(ctx, store.Config{DSN: f.db, DataDir: f.data, Logger: log})
}

// openExisting opens the store for commands that only read it: a mistyped
// --data must be an error, not a new empty database.
func (f *storeFlags) openExisting(ctx context.Context, log *slog.Logger) (*store.DB, error) {
	if f.db == "" {
		if _, err := os.Stat(filepath.Join(f.data, "custos.db")); err != nil {
			return nil, fmt.Errorf("no Custos database in %s (give --data DIR or --db DSN)", f.data)
		}
	}
	return f.open(ctx, log)
}

// serveConfig is the configuration of the server, gathered from defaults,
// the environment and flags, and validated once.
type serveConfig struct {
	storeFlags
	addr            string
	manifestFile    string
	demo            bool
	signingKey      string
	publicURL       string
	geoHeader       string
	clientIPHeader  string
	apiTokens       string
	logLevel        string
	shutdownTimeout time.Duration
	sessionIdle     time.Duration
	sessionMax      time.Duration
	requestKey      string
	answerTTL       time.Duration
	smtp            mail.Config
	smtpPassword    string // a file holding the password
	jobLease        time.Duration
}

func (a *App) serve(ctx context.Context, args []string) error {
	var c serveConfig
	fs := a.flagSet("serve", "", `Run the Custos HTTP server. It migrates the database, loads the privacy
manifest (--manifest FILE, or --demo for the built-in demo site), records
the manifest version in the audit trail, and serves the API until SIGINT
or SIGTERM, then shuts down gracefully. SIGHUP reloads the manifest file;
if the new one has problems they are logged and the old one stays.`)
	c.storeFlags.register(fs)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&c.manifestFile, "manifest", "", "privacy manifest file (custos.yaml)")
	fs.BoolVar(&c.demo, "demo", false, "use the built-in demo manifest (site id \"demo\")")
	fs.StringVar(&c.signingKey, "signing-key", "", "Ed25519 private key (PKCS#8 PEM) for receipts; default <data>/signing-key.pem, created on first start. Nodes of one cluster must share it")
	fs.StringVar(&c.publicURL, "public-url", "", "the URL visitors reach this server at; goes into receipts as their issuer (default http://<addr>)")
	fs.StringVar(&c.geoHeader, "geo-header", "", "request header set by a trusted proxy with the visitor's ISO 3166 region, e.g. CF-IPCountry")
	fs.StringVar(&c.clientIPHeader, "client-ip-header", "", "request header set by a trusted reverse proxy with the client address, e.g. X-Forwarded-For")
	fs.StringVar(&c.apiTokens, "api-tokens", "", "comma-separated bearer tokens for server-to-server API calls (at least 32 characters each)")
	fs.StringVar(&c.logLevel, "log-level", "info", "log level: debug (adds an access log), info, warn or error")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", 15*time.Second, "how long to let requests in flight finish on shutdown")
	fs.DurationVar(&c.sessionIdle, "session-idle", staff.DefaultIdle, "a console session unused this long ends")
	fs.DurationVar(&c.sessionMax, "session-max", staff.DefaultAbsolute, "a console session ends this long after sign-in, used or not")
	fs.StringVar(&c.requestKey, "request-key", "", "key of the hashes of data subjects' addresses and codes; default <data>/request-key, created on first start. Nodes of one cluster must share it; back it up")
	fs.DurationVar(&c.answerTTL, "answer-ttl", 7*24*time.Hour, "how long a data subject can download the answer to their request before it is deleted")
	fs.DurationVar(&c.jobLease, "job-lease", jobs.DefaultLease, "how long a running step of a request is held by its node; after a crash, another node (or this one, restarted) takes it up once it ends")
	fs.StringVar(&c.smtp.Host, "smtp-host", "", "SMTP server for e-mails to data subjects and staff; without it e-mails stay in the outbox the console shows")
	fs.IntVar(&c.smtp.Port, "smtp-port", 0, "SMTP port (default 587 with starttls, 465 with tls)")
	fs.StringVar(&c.smtp.TLS, "smtp-tls", "starttls", "SMTP transport security: starttls, tls, or none (loopback servers only)")
	fs.StringVar(&c.smtp.Username, "smtp-username", "", "SMTP user name, if the server asks for authentication")
	fs.StringVar(&c.smtpPassword, "smtp-password-file", "", "file holding the SMTP password (or set CUSTOS_SMTP_PASSWORD)")
	fs.StringVar(&c.smtp.From, "smtp-from", "", `sender of the e-mails, such as "Privacy team <privacy@example.com>"`)
	if err := a.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	switch {
	case c.sessionIdle < time.Minute || c.sessionIdle > 24*time.Hour:
		return usageErrorf("--session-idle: give a duration from 1m to 24h, such as 30m")
	case c.sessionMax < c.sessionIdle || c.sessionMax > 30*24*time.Hour:
		return usageErrorf("--session-max: give a duration from --session-idle to 720h, such as 12h")
	}
	log, err := newLogger(a.Stderr, c.logLevel)
	if err != nil {
		return err
	}
	m, err := c.loadManifest()
	if err != nil {
		return err
	}
	var tokens []string
	for _, t := range strings.Split(c.apiTokens, ",") {
		if t = strings.TrimSpace(t); t == "" {
			continue
		}
		if len(t) < 32 {
			return usageErrorf("--api-tokens: every token must be at least 32 characters")
		}
		tokens = append(tokens, t)
	}
	if c.signingKey == "" {
		c.signingKey = filepath.Join(c.data, "signing-key.pem")
	}
	if c.requestKey == "" {
		c.requestKey = filepath.Join(c.data, "request-key")
	}
	if c.jobLease < time.Second || c.jobLease > time.Hour {
		return usageErrorf("--job-lease: give a duration from 1s to 1h, such as 1m")
	}
	if c.answerTTL < time.Hour || c.answerTTL > 90*24*time.Hour {
		return usageErrorf("--answer-ttl: give a duration from 1h to 2160h (90 days), such as 168h")
	}
	var sender mail.Sender
	if c.smtp.Host != "" {
		c.smtp.Password = os.Getenv("CUSTOS_SMTP_PASSWORD")
		if c.smtpPassword != "" {
			b, err := os.ReadFile(c.smtpPassword)
			if err != nil {
				return usageErrorf("--smtp-password-file: %v", err)
			}
			c.smtp.Password = strings.TrimRight(string(b), "\r\n")
		}
		if err := c.smtp.Validate(); err != nil {
			return usageErrorf("%s", strings.ReplaceAll(err.Error(), "smtp.", "--smtp-"))
		}
		smtp, err := mail.NewSMTP(c.smtp)
		if err != nil {
			return usageErrorf("%v", err)
		}
		sender = smtp
	}

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	// Only a public URL given explicitly names the server's own origin:
	// the default, made from the listening address, may not be the one
	// the browser used (localhost or 127.0.0.1).
	explicitPublicURL := c.publicURL
	if c.publicURL == "" {
		c.publicURL = "http://" + ln.Addr().String()
	}

	db, err := c.open(ctx, log)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil { // the store logs each migration it applies
		return fmt.Errorf("migrating: %w", err)
	}
	signer, err := consent.LoadOrCreateKey(c.signingKey)
	if err != nil {
		return err
	}
	if err := recordManifest(ctx, db, m); err != nil {
		return err
	}

	var current atomic.Pointer[manifest.Manifest]
	current.Store(m)
	svc := &consent.Service{Store: db, Signer: signer, Manifest: current.Load, Issuer: c.publicURL}

	// Connections to the site's other databases close after the background
	// work that uses them has stopped.
	engines := &sqlEngines{getenv: a.Getenv}
	defer engines.Close()
	// Background work stops with ctx, and must have stopped before the
	// store closes: a mail sent must be marked sent.
	var background sync.WaitGroup
	bctx, stopBackground := context.WithCancel(ctx)
	defer func() { stopBackground(); background.Wait() }()

	// Data subject requests, and the e-mails that tell of them.
	reqKey, err := dsr.LoadOrCreateKey(c.requestKey)
	if err != nil {
		return err
	}
	// Replays: webhook callbacks received are remembered in the database,
	// so a replay is refused on whichever node it arrives.
	requests := &dsr.Service{Store: db, Consents: db, Audit: db, Recorder: svc, Staff: db, Manifest: current.Load,
		Key: reqKey, PublicURL: c.publicURL, AnswerTTL: c.answerTTL, Log: log, Replays: db}
	if sender != nil {
		deliverer := &mail.Deliverer{Queue: db, Sender: sender, Log: log, Interval: time.Minute}
		requests.Kick = deliverer.Kick
		background.Go(func() { deliverer.Run(bctx) })
	} else if c.demo {
		log.Info("no --smtp-host: e-mails stay in the outbox, at /console/outbox")
	} else {
		log.Warn("no --smtp-host: nothing is e-mailed; people filing requests get no code until a privacy officer passes it on from /console/outbox")
	}

	// The steps of requests in the site's other systems, run by the job
	// runner: what is due lives in the database, so a restart resumes it.
	// Set before the service's background work starts: its sweep reads
	// them.
	engines.key = reqKey
	runner := &jobs.Runner{Store: db, Handlers: map[string]jobs.Handler{custos.JobRequestStep: requests.RunStep}, Log: log, Lease: c.jobLease}
	requests.Jobs, requests.Engines, requests.KickJobs = db, engines, runner.Kick
	requests.Secrets = secrets{a.Getenv}
	background.Go(func() { requests.Run(bctx) })
	background.Go(func() {
		if err := runner.Run(bctx); err != nil && bctx.Err() == nil {
			log.Error("job runner stopped", "err", err)
		}
	})
	wc := web.Config{
		GeoHeader:      c.geoHeader,
		ClientIPHeader: c.clientIPHeader,
		APITokens:      tokens,
		PublicURL:      explicitPublicURL,
		Requests:       requests,
	}
	if c.demo {
		// The demo site itself: a page that embeds the banner, and its
		// privacy notices, so that the first command shows it working.
		wc.Pages, wc.PagePatterns = demo.Handler(), demo.Patterns
	}
	// The staff console and the API tokens created in it.
	staffSvc := &staff.Service{Store: db, Audit: db, Idle: c.sessionIdle, Absolute: c.sessionMax}
	cons := &console.Console{Staff: staffSvc, Store: db, Signer: signer, Manifest: current.Load, Source: m.Source, Log: log, PublicURL: explicitPublicURL}
	cons.Requests = requests
	wc.Console = cons
	wc.TokenAuth = staffSvc.AuthenticateAPIToken
	srv := web.New(wc, log, db, svc, signer, current.Load, nil)
	cons.ClientIP = func(r *http.Request) string { return consent.ShortenIP(srv.ClientIP(r)) }
	go pruneSessions(ctx, staffSvc, log)

	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	// SIGHUP reloads the manifest file: a privacy officer's edit takes
	// effect without a restart, and a broken edit keeps the old manifest.
	// It is caught before the server reports ready, so that a reload
	// signal never kills the process.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	srv.SetReady(true)
	log.Info("listening", "addr", ln.Addr().String(), "engine", db.Engine(), "manifest", m.Source,
		"sites", len(m.Sites), "key_id", signer.KeyID(), "version", Version)
	if c.demo {
		log.Info("the demo site, with the banner, is at http://" + browsable(ln.Addr().String()) + "/")
	}
	if a.Ready != nil {
		a.Ready(ln.Addr().String())
	}

wait:
	for {
		select {
		case err := <-errc:
			return err
		case <-hup:
			c.reload(ctx, log, db, &current)
		case <-ctx.Done():
			break wait
		}
	}
	srv.SetReady(false)
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), c.shutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		log.Warn("shutdown: requests still in flight were cut off", "err", err)
	}
	stopBackground()
	background.Wait()
	if err := db.Close(); err != nil {
		return fmt.Errorf("closing the store: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// reload loads the manifest file again and puts it in force if it is
// valid; the banner asks visitors again for every site whose fingerprint
// changed.
func (c *serveConfig) reload(ctx context.Context, log *slog.Logger, db custos.ManifestStore, current *atomic.Pointer[manifest.Manifest]) {
	if c.manifestFile == "" {
		log.Info("SIGHUP: the built-in demo manifest has nothing to reload")
		return
	}
	m, err := manifest.LoadFile(c.manifestFile)
	if err != nil {
		var pe *manifest.ProblemsError
		if errors.As(err, &pe) {
			for _, p := range pe.Problems {
				log.Error("manifest problem", "problem", p.String())
			}
		}
		log.Error("manifest not reloaded; the previous one stays in force", "file", c.manifestFile, "err", err)
		return
	}
	if err := recordManifest(ctx, db, m); err != nil {
		log.Error("manifest not reloaded; the previous one stays in force", "err", err)
		return
	}
	current.Store(m)
	log.Info("manifest reloaded", "file", c.manifestFile, "sites", len(m.Sites))
}

func (c *serveConfig) loadManifest() (*manifest.Manifest, error) {
	switch {
	case c.demo && c.manifestFile != "":
		return nil, usageErrorf("give either --manifest FILE or --demo, not both")
	case c.demo:
		return manifest.Demo(), nil
	case c.manifestFile != "":
		return manifest.LoadFile(c.manifestFile)
	}
	return nil, usageErrorf("no manifest: give --manifest FILE, or --demo for the built-in demo site")
}

// recordManifest keeps the history of manifests: each site whose
// fingerprint is new gets a version row and an audit entry.
func recordManifest(ctx context.Context, db custos.ManifestStore, m *manifest.Manifest) error {
	source := m.Source
	if source == "" {
		source = "demo"
	}
	for _, s := range m.Sites {
		v := &custos.ManifestVersion{Site: s.ID, Fingerprint: s.Fingerprint(), ContentHash: s.ContentHash(), Source: source, Content: m.Raw, LoadedAt: time.Now()}
		if _, err := db.RecordManifest(ctx, v); err != nil {
			return fmt.Errorf("recording the manifest of site %s: %w", s.ID, err)
		}
	}
	return nil
}

func (a *App) migrate(ctx context.Context, args []string) error {
	var sf storeFlags
	fs := a.flagSet("migrate", "", "Apply the database migrations that have not run yet, then exit. serve does this too on start.")
	sf.register(fs)
	if err := a.parse(fs, args); err != nil {
		return err
	}
	log, _ := newLogger(a.Stderr, "warn")
	db, err := sf.open(ctx, log)
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintf(a.Stdout, "%s: the database is up to date\n", db.Engine())
		return nil
	}
	for _, name := range applied {
		fmt.Fprintf(a.Stdout, "%s: applied %s\n", db.Engine(), name)
	}
	return nil
}

// browsable turns a listening address into one a browser can open: an
// unspecified host (":8080", "[::]:8080") becomes localhost.
func browsable(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// pruneSessions deletes ended staff sessions every few minutes, so that a
// session's record does not outlive it.
func pruneSessions(ctx context.Context, svc *staff.Service, log *slog.Logger) {
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := svc.PruneSessions(ctx); err != nil && ctx.Err() == nil {
				log.Warn("pruning staff sessions", "err", err)
			}
		}
	}
}
