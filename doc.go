// Package creditkit is the root of the creditkit module: a library, a reference HTTP server
// and a CLI for the credit-management work a bank or fintech does every day.
//
// The root package holds no code of its own. Import the package you need:
//
//	github.com/creditkit/creditkit/customer  customer intake, validation, numbers, archive
//	github.com/creditkit/creditkit/tree      the customer tree, exposure roll-up, group limits
//	github.com/creditkit/creditkit/credit    scoring, grade, limit, price, risk report
//	github.com/creditkit/creditkit/assign    matching customers to credit officers
//	github.com/creditkit/creditkit/loan      the loan application workflow
//
// The domain packages (customer, tree, credit, assign) import no other package of this
// module and nothing of HTTP or SQL; deps_test.go enforces that rule.
package creditkit
