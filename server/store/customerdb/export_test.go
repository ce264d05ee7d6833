package customerdb

import (
	"context"
	"strings"

	"github.com/creditkit/creditkit/customer"
)

// ExplainSearch returns SQLite's query plan of the search of each query, one line per
// plan step.
func ExplainSearch(ctx context.Context, r *Repo, qs []customer.Query) ([]string, error) {
	var out []string
	for _, q := range qs {
		p, err := r.plan(q)
		if err != nil {
			return nil, err
		}
		rows, err := r.st.Query(ctx, "EXPLAIN QUERY PLAN "+p.sql, p.args...)
		if err != nil {
			return nil, err
		}
		var b strings.Builder
		for rows.Next() {
			var (
				id, parent, unused int
				detail             string
			)
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				rows.Close()
				return nil, err
			}
			b.WriteString(detail + "\n")
		}
		rows.Close()
		out = append(out, b.String())
	}
	return out, nil
}
