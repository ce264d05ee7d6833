package server

import (
	"errors"
	"fmt"
	"strings"

	"github.com/creditkit/creditkit/credit"
	"github.com/creditkit/creditkit/loan"
	"github.com/creditkit/creditkit/server/store/loandb"
)

// loanError translates the loan workflow's and loandb's errors into the server's
// sentinels, with a detail the client can act on; anything else passes through unchanged.
//
//   - *loan.VersionError → 412 (reload and retry);
//   - loan.ErrNotFound → 404;
//   - *loan.StateError → 409 naming the current state;
//   - *loan.PermissionError → 403 (a missing role, four-eyes, authority, deciding twice);
//   - *loan.DocumentsError → 409 listing the documents that hold the action up;
//   - *loan.GroupLimitError → 409 naming each group and its headroom;
//   - *loan.LimitError and loan.ErrDeclined → 422 on amount or override_reason;
//   - *loan.ValidationError → 422 with each problem;
//   - loandb.ErrCursor → 400.
func loanError(err error) error {
	if err == nil {
		return nil
	}
	var (
		vr *loan.VersionError
		se *loan.StateError
		pe *loan.PermissionError
		de *loan.DocumentsError
		ge *loan.GroupLimitError
		le *loan.LimitError
		ve *loan.ValidationError
	)
	switch {
	case errors.As(err, &vr):
		return fmt.Errorf("application %s is at version %d, not %d; read it again: %w", vr.ID, vr.Actual, vr.Expected, ErrStaleVersion)
	case errors.Is(err, loan.ErrNotFound):
		return fmt.Errorf("no such application: %w", ErrNotFound)
	case errors.Is(err, loan.ErrExists):
		return fmt.Errorf("the application already exists: %w", ErrConflict)
	case errors.As(err, &se):
		msg := fmt.Sprintf("cannot %s: the application is %s", actionText(se.Action), se.Status)
		if se.Reason != "" {
			msg += "; " + se.Reason
		}
		return fmt.Errorf("%s: %w", msg, ErrConflict)
	case errors.As(err, &pe):
		rule := ""
		switch {
		case errors.Is(err, loan.ErrFourEyes):
			rule = " (four-eyes rule)"
		case errors.Is(err, loan.ErrAlreadyDecided):
			rule = " (one decision per person and stage)"
		case errors.Is(err, loan.ErrAuthority):
			rule = " (authority limit)"
		}
		return fmt.Errorf("%s may not %s%s: %s: %w", pe.Actor, actionText(pe.Action), rule, pe.Reason, ErrForbidden)
	case errors.As(err, &de):
		var parts []string
		if len(de.Missing) > 0 {
			parts = append(parts, "missing or rejected: "+kindList(de.Missing))
		}
		if len(de.Unverified) > 0 {
			parts = append(parts, "not yet verified: "+kindList(de.Unverified))
		}
		return fmt.Errorf("cannot %s: required documents %s: %w", actionText(de.Action), strings.Join(parts, "; "), ErrConflict)
	case errors.As(err, &ge):
		parts := make([]string, len(ge.Breaches))
		for i, b := range ge.Breaches {
			parts[i] = fmt.Sprintf("%s (%s) has headroom %s", b.GroupName, b.GroupID, b.Headroom)
		}
		return fmt.Errorf("approving %s would breach the group limit: %s: %w", ge.Amount, strings.Join(parts, "; "), ErrConflict)
	case errors.As(err, &le):
		return &ValidationError{Fields: []FieldError{{Path: "amount", Rule: "assessed_limit",
			Message:   fmt.Sprintf("%s is above the assessed limit %s; approve less, or give override_reason with the override authority", le.Amount, le.Limit),
			MessageZH: fmt.Sprintf("%s 超过评估额度 %s；请降低金额，或由有越权权限者填写 override_reason", le.Amount, le.Limit)}}}
	case errors.Is(err, loan.ErrDeclined):
		return &ValidationError{Fields: []FieldError{{Path: "override_reason", Rule: "required",
			Message:   "the latest assessment declined the application; approving it needs an override reason and the override authority",
			MessageZH: "最新评估结论为拒绝；批准须填写越权理由并具备越权权限"}}}
	case errors.As(err, &ve):
		fields := make([]FieldError, len(ve.Problems))
		for i, p := range ve.Problems {
			fields[i] = FieldError{Path: p.Path, Rule: p.Rule, Message: p.Message, MessageZH: ruleZH(p.Rule)}
		}
		return &ValidationError{Fields: fields}
	case errors.Is(err, loandb.ErrCursor):
		return &BadRequestError{Detail: "cursor: not a cursor this API issued", Err: err}
	}
	return err
}

// creditFactsError turns the credit package's problems with the facts into field problems
// under "facts.", added to those already found. An unknown field in the facts is a
// *BadRequestError, as one at the top of the body is.
func creditFactsError(err error, f fieldErrors) error {
	if bad := unknownFieldIn("facts", err); bad != nil {
		return bad
	}
	var ce *credit.ValidationError
	if !errors.As(err, &ce) {
		f.add("facts", "invalid", "the facts could not be read: "+err.Error(), "申请人信息无法解析")
		return f.err()
	}
	for _, p := range ce.Problems {
		path := "facts"
		if p.Path != "" && p.Path != "$" {
			path += "." + strings.TrimPrefix(p.Path, "$.")
		}
		zh := p.MessageZH
		if zh == "" {
			zh = ruleZH(p.Rule)
		}
		f = append(f, FieldError{Path: path, Rule: p.Rule, Message: p.Message, MessageZH: zh})
	}
	if len(f) == 0 {
		f.add("facts", "invalid", "the facts are invalid", "申请人信息无效")
	}
	return f.err()
}

// unknownFieldIn returns the *BadRequestError for err when it is the credit package's
// *credit.UnknownFieldError for a document at the body's member doc, and nil otherwise.
func unknownFieldIn(doc string, err error) error {
	var uf *credit.UnknownFieldError
	if !errors.As(err, &uf) {
		return nil
	}
	return &BadRequestError{Detail: fmt.Sprintf("unknown field %q in %s", uf.Field, doc), Err: err}
}

// actionText names an action for a message: "approve", "submit", "start the review of".
func actionText(a loan.Action) string {
	switch a {
	case loan.ActionStartReview:
		return "start the review of"
	case loan.ActionReceiveDocument:
		return "receive a document of"
	case loan.ActionVerifyDocument:
		return "verify a document of"
	case loan.ActionRejectDocument:
		return "reject a document of"
	case 0:
		return "act on"
	}
	return a.String()
}

func kindList(ks []loan.DocumentKind) string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = k.String()
	}
	return strings.Join(s, ", ")
}

// ruleZH is a Chinese message for a rule name, for problems that come without one.
func ruleZH(rule string) string {
	switch rule {
	case "required":
		return "必填"
	case "enum":
		return "取值无效"
	case "positive":
		return "必须大于零"
	case "scale":
		return "最多两位小数"
	case "max", "max_length":
		return "超出上限"
	case "min":
		return "低于下限"
	case "range":
		return "超出范围"
	case "format":
		return "格式错误"
	case "type":
		return "类型错误"
	case "unneeded", "unexpected":
		return "不应填写此项"
	}
	return "无效"
}
