package app

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/staff"
	"github.com/custos-privacy/custos/internal/store"
)

// user manages staff accounts from the command line: the first admin is
// created here, before anyone can sign in to the console.
func (a *App) user(ctx context.Context, args []string) error {
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	switch sub {
	case "add":
		return a.userAdd(ctx, args)
	case "list":
		return a.userList(ctx, args)
	case "disable":
		return a.userChange(ctx, "disable", args)
	case "reset":
		return a.userChange(ctx, "reset", args)
	case "unlock":
		return a.userChange(ctx, "unlock", args)
	}
	return usageErrorf("user commands: custos user add|list|disable|reset|unlock (custos user add -h explains one)")
}

// userFlags are the flags shared by the user subcommands.
type userFlags struct {
	storeFlags
	publicURL string
}

func (f *userFlags) register(a *App, name, argsUsage, doc string) *flag.FlagSet {
	fs := a.flagSet("user "+name, argsUsage, doc)
	f.storeFlags.register(fs)
	fs.StringVar(&f.publicURL, "public-url", "http://localhost:8080", "the URL staff reach the server at, for the set-up link")
	return fs
}

func (a *App) staffService(ctx context.Context, f *userFlags) (*staff.Service, *store.DB, error) {
	log, _ := newLogger(a.Stderr, "warn")
	db, err := f.open(ctx, log)
	if err != nil {
		return nil, nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, nil, err
	}
	return &staff.Service{Store: db, Audit: db}, db, nil
}

func (f *userFlags) setupLink(token string) string {
	return strings.TrimSuffix(f.publicURL, "/") + "/console/setup?token=" + url.QueryEscape(token)
}

func (a *App) userAdd(ctx context.Context, args []string) error {
	var f userFlags
	fs := f.register(a, "add", "", `Create a staff account and print its one-time set-up link, valid 72
hours, where the person chooses a password. With --password it is asked
for on the terminal instead (or read from standard input in a script). Roles:
admin, privacy_officer, analyst, auditor. An admin sets up a second factor
(TOTP) when first signing in.`)
	email := fs.String("email", "", "the person's e-mail address (required)")
	role := fs.String("role", "", "admin, privacy_officer, analyst or auditor (required)")
	pwStdin := fs.Bool("password", false, "set the password now instead of printing a set-up link: asked for (without echo) on a terminal, else read from the first line of standard input")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	if *email == "" || *role == "" {
		return usageErrorf("give --email and --role")
	}
	// The password is read and checked first: a refused one must not leave
	// an account behind.
	var pw string
	if *pwStdin {
		var err error
		if pw, err = a.readPassword(); err != nil {
			return err
		}
		if err := staff.CheckPasswordPolicy(pw, *email); err != nil {
			return userError(err)
		}
	}
	svc, db, err := a.staffService(ctx, &f)
	if err != nil {
		return err
	}
	defer db.Close()
	u, token, err := svc.CreateUser(ctx, *email, custos.Role(*role), "cli")
	if err != nil {
		return userError(err)
	}
	if *pwStdin {
		if _, err := svc.CompleteSetup(ctx, token, pw); err != nil {
			return userError(err)
		}
		fmt.Fprintf(a.Stdout, "created %s (%s, %s) with the password given\n", u.Email, u.ID, u.Role)
		return nil
	}
	fmt.Fprintf(a.Stdout, "created %s (%s, %s)\nset-up link, valid 72 hours, to send to them only:\n%s\n", u.Email, u.ID, u.Role, f.setupLink(token))
	return nil
}

func (a *App) userList(ctx context.Context, args []string) error {
	var f userFlags
	fs := f.register(a, "list", "", "List the staff accounts.")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	svc, db, err := a.staffService(ctx, &f)
	if err != nil {
		return err
	}
	defer db.Close()
	users, err := svc.Store.Users(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tE-MAIL\tROLE\tSECOND FACTOR\tSTATE\tCREATED")
	for _, u := range users {
		state := "active"
		switch {
		case u.Disabled:
			state = "disabled"
		case u.PasswordHash == "":
			state = "not set up"
		}
		tf := "no"
		if u.TOTPSecret != nil {
			tf = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Role, tf, state, u.CreatedAt.UTC().Format("2006-01-02"))
	}
	return tw.Flush()
}

func (a *App) userChange(ctx context.Context, what string, args []string) error {
	var f userFlags
	doc := "Disable a staff account: it can no longer sign in, and its sessions end."
	switch what {
	case "reset":
		doc = `Reset a staff account: its password and second factor are cleared, its
sessions end, and a new one-time set-up link is printed.`
	case "unlock":
		doc = `Lift the lock that failed sign-ins put on an account, and forget the
failures; its password and second factor stay.`
	}
	fs := f.register(a, what, "", doc)
	email := fs.String("email", "", "the account's e-mail address (required)")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	if *email == "" {
		return usageErrorf("give --email")
	}
	svc, db, err := a.staffService(ctx, &f)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := svc.Store.UserByEmail(ctx, strings.ToLower(strings.TrimSpace(*email)))
	if err != nil {
		return userError(err)
	}
	if what == "unlock" {
		if err := svc.UnlockUser(ctx, u.ID, "cli"); err != nil {
			return userError(err)
		}
		fmt.Fprintf(a.Stdout, "unlocked %s (%s)\n", u.Email, u.ID)
		return nil
	}
	if what == "disable" {
		if err := svc.DisableUser(ctx, u.ID, "cli"); err != nil {
			return userError(err)
		}
		fmt.Fprintf(a.Stdout, "disabled %s (%s)\n", u.Email, u.ID)
		return nil
	}
	token, err := svc.ResetUser(ctx, u.ID, "cli")
	if err != nil {
		return userError(err)
	}
	fmt.Fprintf(a.Stdout, "reset %s (%s)\nnew set-up link, valid 72 hours:\n%s\n", u.Email, u.ID, f.setupLink(token))
	return nil
}

// userError turns a validation error into one line per field.
func userError(err error) error {
	var ce *custos.Error
	if errors.As(err, &ce) {
		if ce.Code == custos.ENOTFOUND {
			return errors.New("no staff account with this e-mail address")
		}
		if len(ce.Fields) > 0 {
			var b strings.Builder
			for i, fe := range ce.Fields {
				if i > 0 {
					b.WriteString("\n")
				}
				fmt.Fprintf(&b, "--%s: %s", fe.Field, fe.Message)
			}
			return errors.New(b.String())
		}
		return errors.New(ce.Message)
	}
	return err
}

// readPassword asks for a password twice without echo when standard input
// is a terminal, and otherwise reads the first line of standard input.
func (a *App) readPassword() (string, error) {
	if f, ok := a.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(a.Stderr, "Password (12 characters or more): ")
		pw, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(a.Stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(a.Stderr, "The same password again: ")
		again, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(a.Stderr)
		if err != nil {
			return "", err
		}
		if string(pw) != string(again) {
			return "", errors.New("the two passwords differ")
		}
		return string(pw), nil
	}
	line, err := bufio.NewReader(a.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("reading the password from standard input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}
