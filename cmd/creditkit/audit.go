package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/creditkit/creditkit/server/audit"
)

// newAuditCmd returns creditkit audit: verify and read the audit trail. The root command
// registers it in the server group.
func newAuditCmd() *cobra.Command { return newAuditCommand(os.Getenv) }

func newAuditCommand(getenv func(string) string) *cobra.Command {
	o := &dbOptions{}
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Verify and read the audit trail",
		Long: `Verify and read the server's audit trail, directly in its database, whether or not a
server is running on it. Every write the server makes appends one record in the same
transaction; each record holds the SHA-256 of the previous record and of its own content.

--data and --db work as for serve, and so do their variables ` + envName("data") + ` and ` + envName("db") + `.`,
		Args: keysArgs(0),
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return applyEnv(cmd.Flags(), getenv)
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	o.register(cmd)
	cmd.AddCommand(newAuditVerify(o), newAuditList(o))
	return cmd
}

// auditBrokenError is the error of audit verify for a broken trail.
type auditBrokenError struct{ err *audit.ChainError }

func (e auditBrokenError) Error() string {
	return fmt.Sprintf("audit trail broken: the first bad record is %d (%s): %s", e.err.Seq, e.err.Problem, e.err.Detail)
}

func (e auditBrokenError) Unwrap() error { return e.err }

func newAuditVerify(o *dbOptions) *cobra.Command {
	var anchors []string
	cmd := &cobra.Command{
		Use:   "verify [--anchor SEQ:HASH]...",
		Short: "Check that no audit record was changed, deleted or reordered",
		Long: `Recompute the hash chain of the audit trail from the first record to the newest.

Exit status 0: the trail is intact; the last line gives its head as SEQ:HASH. Note the head
somewhere the database's administrators cannot write (a ticket, a signed e-mail) and pass it
back with --anchor: the chain alone cannot show that its newest records were rewritten
together with their hashes, an anchor can.
Exit status 1: the trail is broken; the error names the first record that was changed,
deleted or reordered.`,
		Args: keysArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var as []audit.Anchor
			for _, s := range anchors {
				a, err := audit.ParseAnchor(s)
				if err != nil {
					return usageError{fmt.Errorf("--anchor %q: %w", s, err)}
				}
				as = append(as, a)
			}
			ctx := cmd.Context()
			st, err := o.open(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			start := time.Now()
			rep, err := audit.New(st, audit.Config{}).Verify(ctx, as...)
			var ce *audit.ChainError
			if errors.As(err, &ce) {
				return auditBrokenError{ce}
			}
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			noun := "records"
			if rep.Records == 1 {
				noun = "record"
			}
			fmt.Fprintf(out, "audit trail intact: %d %s checked in %v", rep.Records, noun, time.Since(start).Round(time.Millisecond))
			if len(as) > 0 {
				fmt.Fprintf(out, ", %d anchor(s) matched", len(as))
			}
			fmt.Fprintln(out)
			fmt.Fprintln(out, "head "+rep.Head.String())
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&anchors, "anchor", nil, "a head noted earlier, SEQ:HASH; the record SEQ must still have HASH (repeatable)")
	return cmd
}

func newAuditList(o *dbOptions) *cobra.Command {
	var (
		f            audit.Filter
		entity       string
		since, until string
	)
	cmd := &cobra.Command{
		Use:   "list [--actor ID] [--entity TYPE[:ID]] [--action NAME] [--since TIME] [--until TIME] [--limit N]",
		Short: "Print audit records as JSON lines, newest first",
		Args:  keysArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.EntityType, f.EntityID, _ = strings.Cut(entity, ":")
			for _, t := range []struct {
				flag, v string
				to      *time.Time
			}{{"since", since, &f.From}, {"until", until, &f.To}} {
				if t.v == "" {
					continue
				}
				parsed, err := time.Parse(time.RFC3339, t.v)
				if err != nil {
					return usageError{fmt.Errorf("--%s must be an RFC 3339 time such as 2026-03-01T09:00:00Z", t.flag)}
				}
				*t.to = parsed
			}
			if f.Limit < 1 || f.Limit > audit.MaxLimit {
				return usageError{fmt.Errorf("--limit must be 1 to %d", audit.MaxLimit)}
			}
			f.Newest = true
			ctx := cmd.Context()
			st, err := o.open(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			page, err := audit.New(st, audit.Config{}).List(ctx, f)
			if errors.Is(err, audit.ErrBadFilter) {
				return usageError{err}
			}
			if err != nil {
				return err
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetEscapeHTML(false)
			for _, r := range page.Items {
				if err := enc.Encode(r); err != nil {
					return err
				}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.Actor, "actor", "", "records of this actor ID")
	fl.StringVar(&entity, "entity", "", "records about this entity type, or TYPE:ID for one entity")
	fl.StringVar(&f.Action, "action", "", "records of this action, e.g. customer.update")
	fl.StringVar(&since, "since", "", "records at or after this RFC 3339 time")
	fl.StringVar(&until, "until", "", "records before this RFC 3339 time")
	fl.IntVar(&f.Limit, "limit", 50, "at most this many records")
	return cmd
}
