// Package app is the custos program: its subcommands, their flags and
// configuration, and the wiring of the server. cmd/custos only hands it the
// process's arguments, streams and signals, so tests run the whole program
// in-process.
package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
)

// Version is set at build time with -ldflags "-X ...app.Version=v1.2.3".
var Version = "dev"

// Env is the process environment as a lookup function, so tests can give
// their own.
type Env func(key string) string

// App runs one invocation of custos.
type App struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         Env
	// Ready, if set, is called with the server's address once serve is ready
	// to take traffic (tests use it with --addr 127.0.0.1:0).
	Ready func(addr string)
}

// Exit codes.
const (
	ExitOK      = 0
	ExitFailure = 1 // the command ran and found a problem (bad manifest, broken chain, invalid receipt)
	ExitUsage   = 2 // the command line was wrong
)

type command struct {
	name    string
	summary string
	run     func(a *App, ctx context.Context, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the HTTP server", (*App).serve},
		{"migrate", "apply database migrations and exit", (*App).migrate},
		{"check", "validate privacy manifest files", (*App).check},
		{"receipt", "work with consent receipts (receipt verify)", (*App).receipt},
		{"audit", "work with the audit trail (audit verify)", (*App).audit},
		{"user", "manage staff accounts (user add|list|disable|reset|unlock)", (*App).user},
		{"version", "print the version", (*App).version},
		{"help", "explain a command: custos help CMD", (*App).help},
	}
}

// Main runs custos with args (without the program name) and returns the
// process exit code.
func (a *App) Main(ctx context.Context, args []string) int {
	if a.Getenv == nil {
		a.Getenv = os.Getenv
	}
	if a.Stdin == nil {
		a.Stdin = os.Stdin
	}
	if len(args) == 0 {
		a.usage(a.Stderr)
		return ExitUsage
	}
	name := args[0]
	if name == "-h" || name == "--help" || name == "-help" {
		a.usage(a.Stdout)
		return ExitOK
	}
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		err := c.run(a, ctx, args[1:])
		switch {
		case err == nil:
			return ExitOK
		case errors.Is(err, flag.ErrHelp):
			return ExitOK
		case isUsage(err):
			fmt.Fprintf(a.Stderr, "custos %s: %v\nRun 'custos help %s' for usage.\n", name, err, name)
			return ExitUsage
		case errors.Is(err, errReported):
			return ExitFailure
		default:
			fmt.Fprintf(a.Stderr, "custos %s: %v\n", name, err)
			return ExitFailure
		}
	}
	fmt.Fprintf(a.Stderr, "custos: unknown command %q\n", name)
	a.usage(a.Stderr)
	return ExitUsage
}

func (a *App) usage(w io.Writer) {
	fmt.Fprint(w, `Custos is a self-hosted privacy platform: consent banner backend, signed
consent receipts, privacy manifest and audit trail, in one binary.

Usage:

	custos <command> [flags] [arguments]

Commands:

`)
	for _, c := range commands() {
		fmt.Fprintf(w, "\t%-10s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Every flag can also be set with an environment variable: --data is
CUSTOS_DATA, --api-tokens is CUSTOS_API_TOKENS. Flags win over the
environment. Run 'custos help <command>' for a command's flags.
`)
}

func (a *App) help(ctx context.Context, args []string) error {
	if len(args) == 0 {
		a.usage(a.Stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] && c.name != "help" {
			return c.run(&App{Stdout: a.Stdout, Stderr: a.Stdout, Getenv: a.Getenv}, ctx, append(args[1:], "-h"))
		}
	}
	return usageErrorf("unknown command %q", args[0])
}

func (a *App) version(ctx context.Context, args []string) error {
	fs := a.flagSet("version", "", "Print the version of custos.")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(a.Stdout, "custos %s\n", Version)
	return nil
}

// usageError is a wrong command line: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

func isUsage(err error) bool {
	var u *usageError
	return errors.As(err, &u)
}

// errReported means the command has already told the user what is wrong;
// Main only sets the exit code.
var errReported = errors.New("reported")

// flagSet returns a FlagSet whose usage lists every flag with the
// environment variable that also sets it.
func (a *App) flagSet(name, argsUsage, doc string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(a.Stderr)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: custos %s\n\n%s\n", strings.TrimSpace(name+" [flags] "+argsUsage), doc)
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		if len(names) == 0 {
			return
		}
		fmt.Fprintf(w, "\nFlags:\n")
		sort.Strings(names)
		for _, n := range names {
			f := fs.Lookup(n)
			def := ""
			if f.DefValue != "" && f.DefValue != "false" {
				def = fmt.Sprintf(" (default %q)", f.DefValue)
			}
			fmt.Fprintf(w, "  --%s\n    \t%s%s [$%s]\n", n, f.Usage, def, envName(n))
		}
	}
	return fs
}

// envName is the environment variable for a flag: --api-tokens → CUSTOS_API_TOKENS.
func envName(flagName string) string {
	return "CUSTOS_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parse applies the environment, then the command line, to fs: defaults →
// environment → flags.
func (a *App) parse(fs *flag.FlagSet, args []string) error {
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		if v := a.Getenv(envName(f.Name)); v != "" && envErr == nil {
			if err := fs.Set(f.Name, v); err != nil {
				envErr = usageErrorf("$%s: %v", envName(f.Name), err)
			}
		}
	})
	if envErr != nil {
		return envErr
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{err.Error()}
	}
	return nil
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, usageErrorf("--log-level: %q is not debug, info, warn or error", level)
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})), nil
}
