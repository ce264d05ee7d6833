package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Exit codes of run, documented in the root command's help, in main.go and in README.md.
const (
	exitOK      = 0
	exitError   = 1 // the command failed: unreadable or malformed input, I/O, a failed fit
	exitUsage   = 2 // bad flags, arguments or environment
	exitRejects = 3 // creditkit score finished, but rejected rows (without --allow-rejects)
)

// exitCodesHelp is the exit-code table shown in the help.
const exitCodesHelp = `Exit status:
  0  success
  1  the command failed (unreadable or malformed input, I/O error, a fit that failed)
  2  bad flags, arguments or environment variables
  3  creditkit score finished and wrote its output, but rejected rows (see --allow-rejects)
Errors are printed on standard error as "creditkit: <message>".`

// usageError marks errors in how the command was called.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// run executes the command line args and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	return runIO(ctx, args, os.Stdin, stdout, stderr, getenv)
}

// runIO is run with the standard input given too.
func runIO(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	root := newRootCommand(stdout, stderr, getenv)
	root.SetIn(stdin)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(stderr, "creditkit:", err)
	return exitCode(err)
}

// exitCode maps a command's error to the process exit code.
func exitCode(err error) int {
	var ue usageError
	var re *rejectsError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		return exitUsage
	case errors.As(err, &re):
		return exitRejects
	}
	return exitError
}

// Command groups of the help.
const (
	groupBatch  = "batch"
	groupModels = "models"
	groupServer = "server"
)

func newRootCommand(stdout, stderr io.Writer, getenv func(string) string) *cobra.Command {
	root := &cobra.Command{
		Use:   "creditkit",
		Short: "creditkit: credit management — customers, the customer tree, scoring, officers, loans",
		Long: `creditkit: credit management — customers, the customer tree, scoring, officers, loans.

Batch work on files (score, assign, report), scorecard modelling (fit, card) and the
reference HTTP server with its keys, roles and audit log (serve, keys, roles, audit). "creditkit help
COMMAND" describes each command.

` + exitCodesHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			msg := fmt.Sprintf("unknown command %q; see creditkit help", args[0])
			if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
				msg += " (did you mean " + strings.Join(s, " or ") + "?)"
			}
			return usageError{errors.New(msg)}
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddGroup(
		&cobra.Group{ID: groupBatch, Title: "Batch work on files:"},
		&cobra.Group{ID: groupModels, Title: "Scorecards:"},
		&cobra.Group{ID: groupServer, Title: "Server:"},
	)
	inGroup := func(id string, cmds ...*cobra.Command) {
		for _, c := range cmds {
			c.GroupID = id
			root.AddCommand(c)
		}
	}
	inGroup(groupBatch, newScoreCommand(), newAssignCommand(), newReportCommand())
	inGroup(groupModels, newFitCommand(), newCardCommand())
	inGroup(groupServer, newServeCommand(getenv), newKeysCmd(), newRolesCmd(), newAuditCmd())
	root.AddCommand(newVersionCommand())
	return root
}

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of this binary",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(cmd.OutOrStdout(), versionLine())
			return nil
		},
	}
}

// versionLine describes this binary from its build information.
func versionLine() string {
	version, revision := "(devel)", ""
	if info, ok := debug.ReadBuildInfo(); ok {
		if info.Main.Version != "" {
			version = info.Main.Version
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				revision = s.Value
			}
		}
	}
	line := "creditkit " + version
	if revision != "" {
		line += " " + revision
	}
	return line + " " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH
}

// envName is the environment variable of a flag: CREDITKIT_ + NAME with '-' as '_'.
func envName(flag string) string {
	return "CREDITKIT_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// applyEnv sets every flag of fs not given on the command line from its environment
// variable, if that is set; a bad value is a usageError naming the variable.
func applyEnv(fs *pflag.FlagSet, getenv func(string) string) error {
	var errs []error
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Changed || f.Name == "help" {
			return
		}
		name := envName(f.Name)
		v := getenv(name)
		if v == "" {
			return
		}
		if err := f.Value.Set(v); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: %w", name, v, err))
		}
	})
	if len(errs) > 0 {
		return usageError{errors.Join(errs...)}
	}
	return nil
}
