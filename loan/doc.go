// Package loan runs the life of a loan application, from dossier to approval.
//
// An application moves draft → submitted → assessed → assigned → under review → approved,
// rejected or returned (back for more documents, then resubmitted); it can be withdrawn at
// any time before a decision. Every move is one call to [Workflow.Apply], which takes the
// application value, the actor (ID, roles, authority limit), the time and a [Command], and
// returns the next application value and an [Event] (who, in which role, when, from, to,
// comment, details). The workflow keeps no state and has no side effects, so the caller
// persists the result with a [Store] under optimistic versioning; [Workflow.Execute] does
// both.
//
// The rules it enforces:
//   - Dossier: required documents by product, customer kind and security ([Dossier],
//     [DefaultDossier]); submitting with one missing or rejected is refused with the list;
//     review needs them all verified.
//   - Assessment: credit reports ([credit.Report]) are attached and never changed; the
//     latest counts.
//   - Approval matrix ([Matrix], JSON configuration): stages by amount band and grade, each
//     with a role, a minimum authority and a quorum; the approver's authority must cover the
//     amount.
//   - Four-eyes: the maker (unless [Config].AllowMakerApproval), the preparing officer and
//     anyone who approved an earlier stage may not decide; a person decides once per stage;
//     a decision names its stage, so nobody decides a stage that is not pending.
//   - The approved amount may be lower than requested, never above the assessed limit (nor
//     approved at all when the assessment declined) unless the matrix's override policy
//     allows the approver and a reason is given.
//   - Group-limit gate: before the final approval, [Headroom] is asked for breaches of every
//     group above the customer; a breach blocks approval with a [GroupLimitError].
//
// Usage:
//
//	w, err := loan.New(loan.Config{Matrix: matrix}, headroom)
//	store := loan.NewMemStore()
//	app, _, err := w.Open(ctx, store, maker, now, loan.Draft{ID: "L-1", ...})
//	app, ev, err := w.Execute(ctx, store, app.ID, app.Version, maker, now,
//		loan.ReceiveDocument{Kind: loan.DocIdentity, Reference: "dms://42"})
//	...
//	app, ev, err = w.Execute(ctx, store, app.ID, app.Version, approver, now,
//		loan.Decide{Stage: 1, Verdict: loan.VerdictApprove, Comment: "income verified"})
//	if errors.Is(err, loan.ErrStale) { /* someone else decided first: reload */ }
package loan
