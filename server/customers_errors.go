package server

import (
	"errors"
	"fmt"

	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/server/store/customerdb"
	"github.com/creditkit/creditkit/tree"
)

// customerProblem translates the errors of the customer archive and the tree into the
// server's problems; anything else is returned as is.
func customerProblem(err error) error {
	var (
		val    *customer.ValidationError
		dup    *customer.DuplicateError
		ver    *customer.VersionError
		query  *customer.QueryError
		cursor *customer.CursorError
		nodeV  *customerdb.NodeVersionError
		move   *tree.MoveError
		amount *tree.AmountError
		notFd  *tree.NotFoundError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &val):
		fields := make([]FieldError, len(val.Problems))
		for i, p := range val.Problems {
			fields[i] = FieldError{Path: p.Path, Rule: p.Rule, Message: p.Message, MessageZH: p.MessageZH}
		}
		return &ValidationError{Fields: fields}
	case errors.As(err, &dup):
		return fmt.Errorf("%w: %s %s belongs to customer %s", ErrConflict, dup.Field, dup.Value, dup.Existing)
	case errors.As(err, &ver):
		return fmt.Errorf("customer %s is at version %d, not %d: %w", ver.Number, ver.Actual, ver.Expected, ErrStaleVersion)
	case errors.Is(err, customer.ErrClosed):
		return fmt.Errorf("%w: the customer is closed", ErrConflict)
	case errors.Is(err, customer.ErrNotFound):
		return errNoSuchCustomer()
	case errors.As(err, &query):
		return &BadRequestError{Detail: query.Field + ": " + query.Reason, Err: err}
	case errors.As(err, &cursor):
		return &BadRequestError{Detail: "cursor: " + cursor.Reason, Err: err}
	case errors.Is(err, customerdb.ErrNodeCursor):
		return &BadRequestError{Detail: "cursor: not a cursor of this list", Err: err}
	case errors.As(err, &nodeV):
		return fmt.Errorf("node %d is at version %d, not %d: %w", nodeV.ID, nodeV.Actual, nodeV.Expected, ErrStaleVersion)
	case errors.As(err, &move):
		return fmt.Errorf("%w: node %d cannot move under %d, which is inside its own subtree", ErrConflict, move.Node, move.Parent)
	case errors.As(err, &amount):
		return amountProblem(amount.Field, amount)
	case errors.As(err, &notFd):
		if notFd.Customer != "" {
			return fmt.Errorf("customer %s has no node in the tree: %w", notFd.Customer, ErrNotFound)
		}
		return fmt.Errorf("no tree node %d: %w", notFd.ID, ErrNotFound)
	}
	return err
}

// amountProblem is the 422 of an amount the tree refuses, at path.
func amountProblem(path string, e *tree.AmountError) error {
	f := FieldError{Path: path, Rule: "range", Message: "must be from 0 to " + tree.MaxAmount().String(),
		MessageZH: "金额须在0到" + tree.MaxAmount().String() + "之间"}
	switch {
	case errors.Is(e, tree.ErrPrecision):
		f.Rule, f.Message, f.MessageZH = "precision", "must have at most two decimal places", "金额最多两位小数"
	case errors.Is(e, tree.ErrNegative):
		f.Rule, f.Message, f.MessageZH = "min", "must not be negative", "金额不能为负数"
	case e.Field == "total":
		f.Message, f.MessageZH = "would take a total beyond what the tree can hold", "合计金额超出范围"
	}
	return &ValidationError{Fields: []FieldError{f}}
}

// fieldProblem is a 422 with one field error.
func fieldProblem(path, rule, message, messageZH string) error {
	return &ValidationError{Fields: []FieldError{{Path: path, Rule: rule, Message: message, MessageZH: messageZH}}}
}

// errNoSuchCustomer is the 404 of a customer that does not exist or is outside the
// caller's scope: the two answers are the same, so existence is not leaked.
func errNoSuchCustomer() error { return fmt.Errorf("no such customer: %w", ErrNotFound) }
