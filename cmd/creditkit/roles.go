package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/creditkit/creditkit/server/audit"
	"github.com/creditkit/creditkit/server/auth"
	"github.com/creditkit/creditkit/server/perm"
)

// newRolesCmd is creditkit roles, in the server group.
func newRolesCmd() *cobra.Command { return newRolesCommand(os.Getenv) }

func newRolesCommand(getenv func(string) string) *cobra.Command {
	o := &dbOptions{}
	cmd := &cobra.Command{
		Use:   "roles",
		Short: "List the roles; create, change and delete custom roles",
		Long: `Manage the custom roles of the server's database, whether or not a server is running on it.

Besides the built-in roles (admin, officer, approver, auditor, analyst) a bank defines its own:
a name, a description, the permissions it grants and whether its holders see only the customers
assigned to them. The loan approval matrix names roles too: a credit committee is a custom role
named committee with application:read and application:decide. Changes are recorded in the audit
trail as the operating system user; servers see them within 30 seconds.

--data and --db work as for serve, and so do their variables ` + envName("data") + ` and ` + envName("db") + `.`,
		Args: keysArgs(0),
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return applyEnv(cmd.Flags(), getenv)
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	o.register(cmd)
	cmd.AddCommand(newRolesList(o), newRolesPut(o, getenv), newRolesDelete(o, getenv))
	return cmd
}

func newRolesList(o *dbOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the built-in and custom roles with their permissions",
		Args:  keysArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, err := o.open(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			custom, err := auth.NewRoleStore(st, auth.KeyStoreConfig{}).List(ctx)
			if err != nil {
				return err
			}
			return writeRoleTable(cmd.OutOrStdout(), perm.Builtin(), custom)
		},
	}
}

func writeRoleTable(w io.Writer, builtin, custom []perm.Role) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ROLE\tKIND\tASSIGNED ONLY\tPERMISSIONS")
	for _, group := range []struct {
		kind  string
		roles []perm.Role
	}{{"built-in", builtin}, {"custom", custom}} {
		for _, r := range group.roles {
			names := make([]string, len(r.Permissions))
			for i, p := range r.Permissions {
				names[i] = p.String()
			}
			assigned := "no"
			if r.AssignedOnly {
				assigned = "yes"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Name, group.kind, assigned, strings.Join(names, " "))
		}
	}
	return tw.Flush()
}

func newRolesPut(o *dbOptions, getenv func(string) string) *cobra.Command {
	var (
		r     perm.Role
		perms []string
	)
	cmd := &cobra.Command{
		Use:   "put NAME --permission P [--permission P ...] [--description TEXT] [--assigned-only]",
		Short: "Create a custom role, or replace one",
		Args:  keysArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r.Name = args[0]
			for _, list := range perms {
				for _, name := range strings.Split(list, ",") {
					var p perm.Permission
					if err := p.UnmarshalText([]byte(strings.TrimSpace(name))); err != nil {
						return usageError{fmt.Errorf("%w; the permissions are: %s", err, permissionNames())}
					}
					r.Permissions = append(r.Permissions, p)
				}
			}
			ctx := cmd.Context()
			st, err := o.open(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			roles := auth.NewRoleStore(st, auth.KeyStoreConfig{Audit: audit.New(st, audit.Config{})})
			if err := roles.Put(ctx, cliActor(getenv), r); err != nil {
				if errors.Is(err, perm.ErrRole) {
					return usageError{err}
				}
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Stored role %s with %d permission(s).\n", r.Name, len(r.Permissions))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&perms, "permission", nil, "a permission the role grants, e.g. application:decide (repeat, or separate with commas)")
	f.StringVar(&r.Description, "description", "", "who holds the role, for people")
	f.BoolVar(&r.AssignedOnly, "assigned-only", false, "limit holders to the customers assigned to them")
	return cmd
}

func permissionNames() string {
	var names []string
	for _, p := range perm.All() {
		names = append(names, p.String())
	}
	return strings.Join(names, ", ")
}

func newRolesDelete(o *dbOptions, getenv func(string) string) *cobra.Command {
	return &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a custom role that no key holds",
		Args:  keysArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := o.open(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			roles := auth.NewRoleStore(st, auth.KeyStoreConfig{Audit: audit.New(st, audit.Config{})})
			if err := roles.Delete(ctx, cliActor(getenv), args[0]); err != nil {
				if errors.Is(err, auth.ErrNotFound) || errors.Is(err, auth.ErrInUse) {
					return usageError{err}
				}
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Deleted role %s.\n", args[0])
			return nil
		},
	}
}
