// Command creditkit runs the creditkit reference server and its tools.
//
//	creditkit serve                      # :8080, SQLite in ./creditkit-data
//	creditkit serve --db postgres://...  # PostgreSQL
//	creditkit serve --help               # every flag and its CREDITKIT_* variable
//	creditkit version
//
// Every flag can also be set by an environment variable named CREDITKIT_ plus the flag's
// name in upper case with '-' as '_' (--body-limit is CREDITKIT_BODY_LIMIT); a flag given
// on the command line wins over the variable.
package main

import (
	"context"
	"os"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}
