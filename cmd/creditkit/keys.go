package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/creditkit/creditkit/server/audit"
	"github.com/creditkit/creditkit/server/auth"
	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/pii"
	"github.com/creditkit/creditkit/server/store"
	"github.com/creditkit/creditkit/server/store/customerdb"
)

// keysDeps are what the keys command reads from outside: the environment and the
// registry of data rotators.
type keysDeps struct {
	getenv func(string) string
	// rotators lists what keys rotate-data re-encrypts: one pii.Rotator per table that
	// holds sealed personal data.
	rotators func(st *store.Store) []pii.Rotator
}

// dataRotators is the registry of what creditkit keys rotate-data re-encrypts: the
// customer archive (server/store/customerdb), whose customers and customer_revisions tables
// hold sealed personal data, each a pii.Rotator.
func dataRotators(st *store.Store) []pii.Rotator { return customerdb.Rotators(st) }

// newKeysCmd returns creditkit keys: API keys and data keys. The root command registers it
// in the server group.
func newKeysCmd() *cobra.Command {
	return newKeysCommand(keysDeps{getenv: os.Getenv, rotators: dataRotators})
}

// dbOptions are the --data and --db flags every command on the server's database shares
// with serve.
type dbOptions struct {
	data string
	db   string
}

func (o *dbOptions) register(cmd *cobra.Command) {
	f := cmd.PersistentFlags()
	f.StringVar(&o.data, "data", "./creditkit-data", "data directory, created 0700 if missing (env "+envName("data")+")")
	f.StringVar(&o.db, "db", "", "database: empty for SQLite in the data directory, or a postgres:// URL (env "+envName("db")+")")
}

// resolveDSN is serve's resolution of --data and --db (serve.go keeps it inline, so it is
// repeated here): an empty db means the SQLite file creditkit.db in the data directory,
// which is created 0700 if missing. It returns the DSN and a description without secrets.
func (o dbOptions) resolveDSN() (dsn, where string, err error) {
	if o.db != "" {
		return o.db, redactDSN(o.db), nil
	}
	if err := os.MkdirAll(o.data, 0o700); err != nil {
		return "", "", fmt.Errorf("data directory: %w", err)
	}
	dsn = filepath.Join(o.data, "creditkit.db")
	return dsn, "sqlite " + dsn, nil
}

// open opens the server's database (migrating it, as serve does); it works while a server
// runs on it: SQLite in WAL mode lets this process write between the server's
// transactions, and PostgreSQL serves any number of clients.
func (o dbOptions) open(ctx context.Context) (*store.Store, error) {
	dsn, _, err := o.resolveDSN()
	if err != nil {
		return nil, err
	}
	openCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return store.Open(openCtx, dsn)
}

// cliActor is who a change made from the command line is recorded as: the operating
// system user, as an admin.
func cliActor(getenv func(string) string) perm.Actor {
	name := ""
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	if name == "" {
		name = getenv("USER")
	}
	if name == "" {
		name = "unknown"
	}
	return perm.Admin("cli:"+name, "command line")
}

func keysArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(n)(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

func newKeysCommand(deps keysDeps) *cobra.Command {
	o := &dbOptions{}
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Create, list and revoke API keys; re-encrypt personal data under a new data key",
		Long: `Manage the server's credentials and data keys, directly in its database, whether or not
a server is running on it.

API keys authenticate callers (Authorization: Bearer <key>). A key has a role (admin, officer,
approver, auditor, analyst or a custom role) and is bound to a node of the customer tree, whose
subtree is all it sees. The key is printed once, by keys create, as the last word of its last
line; the database keeps only a hash. A revoked key is refused by every server within 30
seconds. Creating and revoking keys is recorded in the audit trail as the operating system
user.

--data and --db work as for serve, and so do their variables ` + envName("data") + ` and ` + envName("db") + `.`,
		Args: keysArgs(0),
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return applyEnv(cmd.Flags(), deps.getenv)
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	o.register(cmd)
	cmd.AddCommand(newKeysCreate(o, deps), newKeysList(o), newKeysRevoke(o, deps), newKeysRotateData(o, deps))
	return cmd
}

func newKeysCreate(o *dbOptions, deps keysDeps) *cobra.Command {
	var (
		nk        auth.NewKey
		expiresIn time.Duration
	)
	cmd := &cobra.Command{
		Use:   "create --role ROLE [--node N] [--subject ID] [--name TEXT] [--expires-in DURATION]",
		Short: "Create an API key and print it once",
		Long: `Create an API key and print it once: the key is the last word of the last line.

--subject is the ID the key acts as: for an officer, their officer ID, which limits them to the
customers assigned to them (default "key:<key ID>"). --node binds the key to a tree node: the
bank (1, the default), a branch or a group.`,
		Args: keysArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if nk.Role == "" {
				return usageError{errors.New("--role is required")}
			}
			if expiresIn < 0 {
				return usageError{errors.New("--expires-in must not be negative")}
			}
			if expiresIn > 0 {
				nk.ExpiresAt = time.Now().Add(expiresIn)
			}
			ctx := cmd.Context()
			st, err := o.open(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			keys := auth.NewKeyStore(st, auth.KeyStoreConfig{Audit: audit.New(st, audit.Config{})})
			k, text, err := keys.Create(ctx, cliActor(deps.getenv), nk)
			if errors.Is(err, auth.ErrInvalid) {
				return usageError{err}
			}
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Created API key %s: role %s, node %d, subject %s", k.ID, k.Role, k.Node, k.Subject)
			if !k.ExpiresAt.IsZero() {
				fmt.Fprintf(out, ", expires %s", k.ExpiresAt.Format(time.RFC3339))
			}
			fmt.Fprintln(out, ".")
			fmt.Fprintln(out, "Store it now; it is shown only this once (keys revoke "+k.ID+" ends it):")
			fmt.Fprintln(out, text)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&nk.Role, "role", "", "role: admin, officer, approver, auditor, analyst or a custom role (required)")
	f.Int64Var(&nk.Node, "node", auth.BankNode, "tree node the key is bound to: the bank (1), a branch or a group")
	f.StringVar(&nk.Subject, "subject", "", `actor ID the key acts as, e.g. the officer ID (default "key:<key ID>")`)
	f.StringVar(&nk.Name, "name", "", "description for people")
	f.DurationVar(&expiresIn, "expires-in", 0, "validity, e.g. 2160h for 90 days (default: no expiry)")
	return cmd
}

func newKeysList(o *dbOptions) *cobra.Command {
	var (
		all    bool
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "list [--all] [--json]",
		Short: "List API keys (never their secrets)",
		Args:  keysArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, err := o.open(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			list, err := auth.NewKeyStore(st, auth.KeyStoreConfig{}).List(ctx, auth.ListOptions{Revoked: all})
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				for _, k := range list {
					if err := enc.Encode(k); err != nil {
						return err
					}
				}
				return nil
			}
			return writeKeyTable(cmd.OutOrStdout(), list)
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "include revoked keys")
	cmd.Flags().BoolVar(&asJSON, "json", false, "one JSON object per key")
	return cmd
}

func writeKeyTable(w io.Writer, list []auth.Key) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tROLE\tNODE\tSUBJECT\tNAME\tCREATED\tEXPIRES\tREVOKED")
	when := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.Format(time.RFC3339)
	}
	for _, k := range list {
		name := k.Name
		if name == "" {
			name = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Role, k.Node, k.Subject, name,
			when(k.CreatedAt), when(k.ExpiresAt), when(k.RevokedAt))
	}
	return tw.Flush()
}

func newKeysRevoke(o *dbOptions, deps keysDeps) *cobra.Command {
	return &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API key; servers refuse it within 30 seconds",
		Args:  keysArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := o.open(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			keys := auth.NewKeyStore(st, auth.KeyStoreConfig{Audit: audit.New(st, audit.Config{})})
			k, err := keys.Revoke(ctx, cliActor(deps.getenv), args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "API key %s (role %s, subject %s) is revoked since %s; servers refuse it within %v.\n",
				k.ID, k.Role, k.Subject, k.RevokedAt.Format(time.RFC3339), auth.DefaultCacheTTL)
			return nil
		},
	}
}

func newKeysRotateData(o *dbOptions, deps keysDeps) *cobra.Command {
	var (
		newKey bool
		batch  int
	)
	cmd := &cobra.Command{
		Use:   "rotate-data [--new-key] [--batch N]",
		Short: "Re-encrypt the personal data in the database under the active data key",
		Long: `Re-encrypt every sealed personal field (identity numbers, credit codes, mobiles, e-mails,
street addresses) under the active data key, in batches, then mark the older keys retired.

The data keys come from ` + pii.EnvDataKey + ` (comma-separated, the active key first) or from the key
file ` + pii.KeyFileName + ` in the data directory. To rotate: put a new key first (with the key file,
--new-key does it and keeps the old keys after it), restart every server so none seals with an
old key, then run this. Keep the old keys until no backup needs them. Running it again resumes.`,
		Args: keysArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if batch <= 0 {
				return usageError{errors.New("--batch must be positive")}
			}
			out := cmd.OutOrStdout()
			if newKey {
				if deps.getenv(pii.EnvDataKey) != "" {
					return usageError{fmt.Errorf("--new-key writes the key file, but the keys come from %s: put the new key first there instead", pii.EnvDataKey)}
				}
				ring, err := pii.RotateKeyFile(o.data)
				if err != nil {
					return fmt.Errorf("new data key: %w", err)
				}
				fmt.Fprintf(out, "New active data key %s written to %s; the older keys stay after it. Restart the servers before they seal new data.\n",
					ring.ActiveID(), filepath.Join(o.data, pii.KeyFileName))
			}
			ring, src, err := pii.Load(pii.LoadConfig{Getenv: deps.getenv, Dir: o.data})
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			st, err := o.open(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			rotators := deps.rotators(st)
			fmt.Fprintf(out, "Active data key %s (from the %s); %d key(s) in all.\n", ring.ActiveID(), src, len(ring.IDs()))
			rep, err := pii.Rotate(ctx, st, ring, rotators, pii.RotateConfig{Batch: batch})
			for _, r := range rotators {
				fmt.Fprintf(out, "%s: %d row(s) re-encrypted\n", r.Name(), rep.Changed[r.Name()])
			}
			if err != nil {
				return err
			}
			if len(rotators) == 0 {
				fmt.Fprintln(out, "No table with sealed personal data is registered for re-encryption yet (the customer repository is not wired to this command): nothing was re-encrypted and no key was retired.")
				return nil
			}
			if len(rep.Retired) == 0 {
				fmt.Fprintln(out, "Done; no older key was in use.")
				return nil
			}
			fmt.Fprintf(out, "Done; retired key(s) %v: servers no longer need them.\n", rep.Retired)
			return nil
		},
	}
	cmd.Flags().BoolVar(&newKey, "new-key", false, "first put a new random key at the top of the key file (not with "+pii.EnvDataKey+")")
	cmd.Flags().IntVar(&batch, "batch", 500, "rows per transaction")
	return cmd
}
