package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/custos-privacy/custos/internal/audit"
	"github.com/custos-privacy/custos/internal/connector/sqlds"
	"github.com/custos-privacy/custos/internal/consent"
	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/manifest"
)

func (a *App) check(ctx context.Context, args []string) error {
	fs := a.flagSet("check", "FILE...", `Validate privacy manifest files. Every problem is printed as
file:line:col: message, and the exit status is 1 if there is any. For a
valid file, each site's consent fingerprint is printed. With --connect,
each SQL system is also connected to (its DSN read from the environment
variable or file the manifest names), and the tables and columns its
dataset declares are looked up.`)
	schema := fs.Bool("schema", false, "print the JSON Schema of the manifest and exit")
	connect := fs.Bool("connect", false, "connect to each SQL system and check that its declared tables and columns exist")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	if *schema {
		_, err := a.Stdout.Write(manifest.Schema())
		return err
	}
	if fs.NArg() == 0 {
		return usageErrorf("no manifest file given")
	}
	bad := false
	for _, path := range fs.Args() {
		m, err := manifest.LoadFile(path)
		var pe *manifest.ProblemsError
		switch {
		case errors.As(err, &pe):
			bad = true
			for _, p := range pe.Problems {
				fmt.Fprintln(a.Stdout, p.String())
			}
		case err != nil:
			bad = true
			fmt.Fprintf(a.Stdout, "%s: %v\n", path, err)
		default:
			for _, s := range m.Sites {
				fmt.Fprintf(a.Stdout, "%s: site %s: ok, fingerprint %s\n", path, s.ID, s.Fingerprint())
				if *connect && !a.checkSystems(ctx, path, s) {
					bad = true
				}
			}
		}
	}
	if bad {
		return errReported
	}
	return nil
}

func (a *App) receipt(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return a.receiptVerify(ctx, args)
		}
		return usageErrorf("the only receipt command is: custos receipt verify")
	}
	return a.receiptVerify(ctx, args[1:])
}

func (a *App) receiptVerify(ctx context.Context, args []string) error {
	fs := a.flagSet("receipt verify", "FILE|-", `Verify a consent receipt (a compact JWS, or the JSON answer of
POST /api/v1/consents holding one in "receipt") offline. The public key
comes from --key (a JWKS file, a PEM public key, or the server's private
key file), from --jwks (a server's /.well-known/jwks.json URL), or by
default from <data>/signing-key.pem. Exit status 1 if it does not verify.`)
	keyFile := fs.String("key", "", "JWKS JSON file, PEM public key or PEM private key file")
	jwksURL := fs.String("jwks", "", "URL of a JWKS document, e.g. https://custos.example/.well-known/jwks.json")
	data := fs.String("data", "./custos-data", "data directory whose signing-key.pem to use when neither --key nor --jwks is given")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErrorf("give exactly one receipt file, or - for standard input")
	}
	if *keyFile != "" && *jwksURL != "" {
		return usageErrorf("give either --key or --jwks, not both")
	}
	var (
		keys consent.JWKS
		err  error
	)
	switch {
	case *jwksURL != "":
		keys, err = fetchJWKS(ctx, *jwksURL)
	case *keyFile != "":
		keys, err = consent.ReadPublicKeyFile(*keyFile)
	default:
		keys, err = consent.ReadPublicKeyFile(filepath.Join(*data, "signing-key.pem"))
	}
	if err != nil {
		return fmt.Errorf("reading the public key: %w", err)
	}
	var in io.Reader = a.Stdin
	if name := fs.Arg(0); name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	raw, err := io.ReadAll(io.LimitReader(in, 1<<20))
	if err != nil {
		return err
	}
	jws := strings.TrimSpace(string(raw))
	if strings.HasPrefix(jws, "{") {
		var resp struct {
			Receipt string `json:"receipt"`
		}
		if err := json.Unmarshal(raw, &resp); err != nil || resp.Receipt == "" {
			return fmt.Errorf("the JSON input has no \"receipt\" field with a JWS")
		}
		jws = resp.Receipt
	}
	r, err := consent.VerifyReceipt(jws, keys)
	if err != nil {
		fmt.Fprintf(a.Stdout, "INVALID: %v\n", err)
		return errReported
	}
	fmt.Fprintf(a.Stdout, "valid receipt %s: site %s, method %s, issued %s, expires %s\n",
		r.ID, r.Site, r.Method,
		time.Unix(r.IssuedAt, 0).UTC().Format(time.RFC3339), time.Unix(r.ExpiresAt, 0).UTC().Format(time.RFC3339))
	return nil
}

func fetchJWKS(ctx context.Context, url string) (consent.JWKS, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return consent.JWKS{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return consent.JWKS{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return consent.JWKS{}, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return consent.JWKS{}, err
	}
	return consent.ParseJWKS(b)
}

func (a *App) audit(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return a.auditVerify(ctx, args)
		}
		return usageErrorf("the only audit command is: custos audit verify")
	}
	return a.auditVerify(ctx, args[1:])
}

func (a *App) auditVerify(ctx context.Context, args []string) error {
	var sf storeFlags
	fs := a.flagSet("audit verify", "", `Check the audit trail and the consent ledger against each other.

It walks the trail's hash chain and names the first entry that was
changed, removed or reordered. Then it walks the ledger: every consent
must have its consent.recorded entry holding the hash of its receipt, the
receipt's signature must verify, and the stored columns must say what the
signed receipt says. Exit status 1 on the first problem.

On success it prints the chain head as SEQ:HASH: keep it somewhere outside
the database and pass it back with --anchor later, to prove that no
newest entries were cut off since.`)
	sf.register(fs)
	var anchors []audit.Anchor
	fs.Func("anchor", "an earlier head SEQ:HASH that must still be in the chain (repeatable)", func(v string) error {
		a, err := audit.ParseAnchor(v)
		if err == nil {
			anchors = append(anchors, a)
		}
		return err
	})
	keyFile := fs.String("key", "", "public key for the receipt signatures: JWKS file, PEM public key or PEM private key (default <data>/signing-key.pem)")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	var keys consent.JWKS
	switch path := *keyFile; {
	case path != "":
		k, err := consent.ReadPublicKeyFile(path)
		if err != nil {
			return fmt.Errorf("reading the public key: %w", err)
		}
		keys = k
	default:
		path = filepath.Join(sf.data, "signing-key.pem")
		k, err := consent.ReadPublicKeyFile(path)
		if err != nil {
			fmt.Fprintf(a.Stderr, "note: no key at %s; receipt signatures are not checked (give --key)\n", path)
		}
		keys = k
	}
	log, _ := newLogger(a.Stderr, "warn")
	db, err := sf.openExisting(ctx, log)
	if err != nil {
		return err
	}
	defer db.Close()

	st, err := audit.VerifyStats(ctx, db, anchors...)
	if audit.IsBreak(err) {
		fmt.Fprintf(a.Stdout, "BROKEN after %d good entries: %v\n", st.Entries, err)
		return errReported
	}
	if err != nil {
		return err
	}
	consents, err := consent.VerifyLedger(ctx, db, keys)
	var le *consent.LedgerError
	if errors.As(err, &le) {
		fmt.Fprintf(a.Stdout, "BROKEN ledger after %d good consents: %v\n", consents, err)
		return errReported
	}
	if err != nil {
		return err
	}
	// An erasure removes consent records and keeps their ids: every
	// consent.recorded entry is either in the ledger or erased.
	erased, err := db.CountErasedConsents(ctx)
	if err != nil {
		return err
	}
	if recorded := st.Actions[custos.AuditConsentRecorded]; recorded != consents+erased {
		fmt.Fprintf(a.Stdout, "BROKEN ledger: the audit trail records %d consents, the ledger holds %d and %d were erased by requests (consents were removed)\n",
			recorded, consents, erased)
		return errReported
	}
	seq, hash, err := db.AuditHead(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.Stdout, "audit trail intact: %d entries; %d consents match their receipts, %d erased by requests; head %d:%s\n",
		st.Entries, consents, erased, seq, hash)
	return nil
}

// checkSystems connects to each SQL system of site and checks its dataset
// against the database, printing one line per system (and one per
// problem); it reports whether all passed.
func (a *App) checkSystems(ctx context.Context, path string, site *manifest.Site) bool {
	ok := true
	for _, sys := range site.Systems {
		prefix := fmt.Sprintf("%s: site %s: system %s (%s)", path, site.ID, sys.ID, sys.Kind)
		if !sys.IsSQL() {
			fmt.Fprintf(a.Stdout, "%s: not a database; not connected to\n", prefix)
			continue
		}
		if err := a.checkSystem(ctx, site, sys); err != nil {
			ok = false
			var ce *sqlds.CheckError
			if errors.As(err, &ce) {
				for _, p := range ce.Problems {
					fmt.Fprintf(a.Stdout, "%s: %s\n", prefix, p)
				}
				continue
			}
			fmt.Fprintf(a.Stdout, "%s: %v\n", prefix, err)
			continue
		}
		fmt.Fprintf(a.Stdout, "%s: connected; its %d tables and their columns are there\n", prefix, len(sys.Dataset.Tables))
	}
	return ok
}

func (a *App) checkSystem(ctx context.Context, site *manifest.Site, sys *manifest.System) error {
	dsn, err := readSecret(a.Getenv, sys.Connection)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	db, err := sqlds.Open(ctx, sys.Kind, dsn)
	if err != nil {
		return fmt.Errorf("cannot connect: %w", err)
	}
	defer db.Close()
	// The key only masks values; a check masks nothing.
	e, err := sqlds.New(sys.Kind, db, sys.Dataset, sqlds.SiteHold(site), make([]byte, 32))
	if err != nil {
		return err
	}
	return e.Check(ctx)
}
