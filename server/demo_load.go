package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/credit"
	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/loan"
	"github.com/creditkit/creditkit/server/auth"
	"github.com/creditkit/creditkit/server/demo"
	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/store/assigndb"
	"github.com/creditkit/creditkit/tree"
)

// Markers of a demo load in the sequences table: claimed when a load starts, done when it
// has finished.
const (
	demoClaimed = "demo-bank:claimed"
	demoDone    = "demo-bank:done"
)

// ErrDemoNotEmpty reports a database that already holds customers or applications, into
// which LoadDemo will not mix demo data.
var ErrDemoNotEmpty = errors.New("server: the demo bank loads only into an empty database")

// DemoReport says what LoadDemo did.
type DemoReport struct {
	// Loaded is true when this call loaded the bank; false when it was there already, or
	// when another start claimed the load and has not finished it (Unfinished).
	Loaded     bool
	Unfinished bool
	Branches   int
	Groups     int
	Customers  int
	Officers   int
	// Applications counts the applications by the status they ended in.
	Applications map[loan.Status]int
	Elapsed      time.Duration
}

// The two custom roles the demo bank's people hold besides the built-in officer and
// approver, stored in the roles table by LoadDemo so that keys can be made for them
// (creditkit keys create --role committee --subject C001):
//
//   - committee: a member of the credit committee, who decides the committee stages of the
//     approval matrix (loanActor maps a role named committee with application:decide to the
//     loan workflow's committee role, and every other deciding role to approver);
//   - supervisor: a branch supervisor, who assigns cases to officers (assignment:write) and
//     neither opens nor decides applications.
//
// A bank maps its own committee members the same way: a custom role named committee with
// at least application:read and application:decide, keys bound to the node whose cases the
// committee decides, and each member registered as an officer whose authority covers the
// committee stages (a decider's authority is their officer record's).
var (
	demoCommittee = perm.Role{Name: "committee",
		Description: "credit committee member: decides the committee stages of the approval matrix in their subtree",
		Permissions: []perm.Permission{perm.CustomerRead, perm.TreeRead, perm.AssessmentRead, perm.ScorecardRead,
			perm.OfficerRead, perm.ApplicationRead, perm.ApplicationDecide, perm.AnalyticsRead}}
	demoSupervisor = perm.Role{Name: "supervisor",
		Description: "branch supervisor: assigns applications to officers; never opens or decides them",
		Permissions: []perm.Permission{perm.CustomerRead, perm.TreeRead, perm.AssessmentRead, perm.OfficerRead,
			perm.ApplicationRead, perm.AssignmentWrite, perm.AnalyticsRead}}
)

// demoRoles are the roles the demo's people hold, by name: the built-in officer and
// approver and the custom committee and supervisor.
var demoRoles = func() map[string]perm.Role {
	out := map[string]perm.Role{demoCommittee.Name: demoCommittee, demoSupervisor.Name: demoSupervisor}
	for _, name := range []string{perm.RoleOfficer, perm.RoleApprover} {
		out[name], _ = perm.BuiltinRole(name)
	}
	return out
}()

// LoadDemo loads the demo bank that package demo plans for cfg: the branch hierarchy
// under the root of the tree, the customer groups, the customers, the officers and the
// applications, each through the same write function the API uses, acting as the demo's
// people (so four-eyes, authority and the group-limit gate hold for demo data as for any
// other). It is idempotent: a database that holds the demo bank is left alone. It refuses
// (ErrDemoNotEmpty) a database that already holds customers or applications.
//
// Each customer, officer and node is written in a transaction of its own, and each
// application with all its steps in one; an interrupted load leaves what it committed and
// a claim that a later call reports as Unfinished.
func (s *Server) LoadDemo(ctx context.Context, cfg demo.Config) (DemoReport, error) {
	start := time.Now()
	rep := DemoReport{Applications: map[loan.Status]int{}}
	claimed, err := s.claimDemo(ctx)
	switch {
	case err != nil:
		return rep, err
	case !claimed.mine:
		rep.Unfinished = !claimed.done
		return rep, nil
	}
	if cfg.Now.IsZero() {
		cfg.Now = s.now()
	}
	bank, err := demo.Generate(cfg)
	if err != nil {
		return rep, err
	}
	l := &demoLoader{s: s, bank: bank, admin: perm.Admin("demo", "demo loader"),
		nodes: map[string]tree.ID{}, numbers: map[string]string{}, people: map[string]demo.Officer{}}
	if err := l.roles(ctx); err != nil {
		return rep, err
	}
	if err := l.tree(ctx); err != nil {
		return rep, err
	}
	if err := l.officers(ctx); err != nil {
		return rep, err
	}
	if err := l.customers(ctx); err != nil {
		return rep, err
	}
	if err := l.links(ctx); err != nil {
		return rep, err
	}
	for _, a := range bank.Applications {
		status, err := l.application(ctx, a)
		if err != nil {
			return rep, fmt.Errorf("server: demo application %s: %w", a.Key, err)
		}
		rep.Applications[status]++
	}
	err = s.cfg.Store.Tx(ctx, func(tx *sql.Tx) error {
		_, err := s.cfg.Store.NextInSequence(ctx, tx, demoDone)
		return err
	})
	if err != nil {
		return rep, err
	}
	rep.Loaded = true
	rep.Branches, rep.Groups, rep.Customers, rep.Officers = len(bank.Branches), len(bank.Groups), len(bank.Customers), len(bank.Officers)
	rep.Elapsed = time.Since(start)
	return rep, nil
}

type demoClaim struct{ mine, done bool }

// claimDemo decides, in one transaction, whether this call loads the bank: not when it is
// done, nor when another call claimed it; and never into a database holding data.
func (s *Server) claimDemo(ctx context.Context) (demoClaim, error) {
	var c demoClaim
	err := s.cfg.Store.Tx(ctx, func(tx *sql.Tx) error {
		var done int
		if err := tx.QueryRowContext(ctx, s.cfg.Store.Rebind(`SELECT COUNT(*) FROM sequences WHERE name = ?`), demoDone).Scan(&done); err != nil {
			return err
		}
		if done > 0 {
			c.done = true
			return nil
		}
		n, err := s.cfg.Store.NextInSequence(ctx, tx, demoClaimed)
		if err != nil {
			return err
		}
		if n > 1 {
			return nil // claimed before: in progress elsewhere, or interrupted
		}
		var rows int
		if err := tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM customers) + (SELECT COUNT(*) FROM applications)`).Scan(&rows); err != nil {
			return err
		}
		if rows > 0 {
			return fmt.Errorf("%w: it holds %d customers and applications", ErrDemoNotEmpty, rows)
		}
		c.mine = true
		return nil
	})
	if err != nil {
		return demoClaim{}, fmt.Errorf("server: demo: %w", err)
	}
	return c, nil
}

// demoLoader carries the state of one load: the tree nodes made for branches and groups,
// the customer numbers drawn for the plan's keys, and the people by ID.
type demoLoader struct {
	s       *Server
	bank    *demo.Bank
	admin   perm.Actor
	nodes   map[string]tree.ID // branch code or group key → node
	numbers map[string]string  // customer key → customer number
	people  map[string]demo.Officer
}

// roles stores the demo's custom roles (committee, supervisor) in the roles table, each
// with its audit record; a role of that name the bank defined before is kept as it is.
func (l *demoLoader) roles(ctx context.Context) error {
	rs := auth.NewRoleStore(l.s.cfg.Store, auth.KeyStoreConfig{Audit: l.s.trail, Now: l.s.cfg.Now})
	stored, err := rs.List(ctx)
	if err != nil {
		return fmt.Errorf("server: demo: roles: %w", err)
	}
	have := map[string]bool{}
	for _, r := range stored {
		have[r.Name] = true
	}
	for _, r := range []perm.Role{demoCommittee, demoSupervisor} {
		if have[r.Name] {
			continue
		}
		if err := rs.Put(ctx, l.admin, r); err != nil {
			return fmt.Errorf("server: demo: role %s: %w", r.Name, err)
		}
	}
	return nil
}

func (l *demoLoader) tree(ctx context.Context) error {
	root := tree.ID(1)
	if n, err := l.s.customers.repo.GetNode(ctx, root); err == nil && n.Name != demo.BankName {
		name := demo.BankName
		if _, err := l.s.updateNode(ctx, l.admin, root, n.Version, nodePatch{Name: &name}); err != nil {
			return fmt.Errorf("server: demo: name the bank: %w", err)
		}
	}
	for _, b := range l.bank.Branches {
		parent := root
		if b.Parent != "" {
			parent = l.nodes[b.Parent]
		}
		attrs := map[string]string{"code": b.Code, tree.AttrRegion: b.Province}
		n, err := l.s.createNode(ctx, l.admin, nodeInput{Parent: parent, Kind: tree.KindBranch, Name: b.Name, Attrs: attrs})
		if err != nil {
			return fmt.Errorf("server: demo: branch %s: %w", b.Code, err)
		}
		l.nodes[b.Code] = n.ID
	}
	for _, g := range l.bank.Groups {
		parent := l.nodes[g.Branch]
		if g.Parent != "" {
			parent = l.nodes[g.Parent]
		}
		in := nodeInput{Parent: parent, Kind: tree.KindGroup, Name: g.Name}
		if g.Limit != nil {
			in.Limit.Decimal, in.Limit.Valid = *g.Limit, true
		}
		n, err := l.s.createNode(ctx, l.admin, in)
		if err != nil {
			return fmt.Errorf("server: demo: group %s: %w", g.Key, err)
		}
		l.nodes[g.Key] = n.ID
	}
	return nil
}

func (l *demoLoader) officers(ctx context.Context) error {
	for _, o := range l.bank.Officers {
		perf := o.Performance
		rec := assigndb.Officer{Officer: o.Officer, Performance: &perf}
		if err := l.s.checkOfficer(rec); err != nil {
			return fmt.Errorf("server: demo: officer %s: %w", o.Officer.ID, err)
		}
		err := l.s.cfg.Store.Tx(ctx, func(tx *sql.Tx) error {
			_, err := l.s.createOfficerTx(ctx, tx, l.admin, rec)
			return err
		})
		if err != nil {
			return fmt.Errorf("server: demo: officer %s: %w", o.Officer.ID, err)
		}
		l.people[o.Officer.ID] = o
	}
	return nil
}

func (l *demoLoader) customers(ctx context.Context) error {
	for _, c := range l.bank.Customers {
		parent := l.nodes[c.Customer.Branch]
		if c.Group != "" {
			parent = l.nodes[c.Group]
		}
		rec, err := l.s.createCustomer(ctx, l.admin, c.Customer, parent)
		if err != nil {
			return fmt.Errorf("server: demo: customer %s: %w", c.Key, err)
		}
		l.numbers[c.Key] = rec.Customer.Number.String()
	}
	return nil
}

// links stores the plan's related-party links (the conglomerate's related companies) as
// the demo admin, through the API's write path.
func (l *demoLoader) links(ctx context.Context) error {
	for _, k := range l.bank.Links {
		req := linkRequest{To: l.numbers[k.To], Kind: k.Kind.String()}
		if k.Kind == tree.LinkControl {
			req.Share = &boundedDecimal{decimal.NewNullDecimal(k.Share)}
		}
		if _, _, err := l.s.putLink(ctx, l.admin, l.numbers[k.From], req); err != nil {
			return fmt.Errorf("server: demo: link %s-%s: %w", k.From, k.To, err)
		}
	}
	return nil
}

// person returns the actor of the demo person with id: their role's permissions and data
// rule (an officer sees only their own customers and cases), bound to the bank's root.
func (l *demoLoader) person(id string) perm.Actor {
	o := l.people[id]
	return demoRoles[o.Role].Actor(id, o.Officer.Name, 1)
}

// application opens a and drives it towards its target status in one transaction, and
// returns the status it ended in: the target, or an earlier one when the workflow's rules
// stop it (no officer eligible, an assessment that declines an approval, a group limit).
func (l *demoLoader) application(ctx context.Context, a demo.Application) (loan.Status, error) {
	plan, ok := l.customerPlan(a.Customer)
	if !ok {
		return 0, fmt.Errorf("no customer %s in the plan", a.Customer)
	}
	number := l.numbers[a.Customer]
	n, err := customer.ParseNumber(number)
	if err != nil {
		return 0, err
	}
	var final loan.Status
	err = l.s.cfg.Store.Tx(ctx, func(tx *sql.Tx) error {
		d := &demoDriver{l: l, tx: tx, at: a.Opened, step: a.Step}
		app, _, err := l.s.createApplicationTx(ctx, tx, l.person(a.Maker), a.Opened, applicationInput{
			Customer: n, Product: a.Product, Amount: a.Amount, TermMonths: a.TermMonths, Purpose: a.Purpose,
			Repayment: a.Repayment, Security: a.Security, SecurityDetail: a.SecurityDetail})
		if err != nil {
			return err
		}
		d.app = app
		final, err = d.drive(ctx, a, plan.Facts)
		return err
	})
	return final, err
}

func (l *demoLoader) customerPlan(key string) (demo.Customer, bool) {
	for _, c := range l.bank.Customers {
		if c.Key == key {
			return c, true
		}
	}
	return demo.Customer{}, false
}

// demoDriver takes one application through its steps inside one transaction.
type demoDriver struct {
	l    *demoLoader
	tx   *sql.Tx
	app  loan.Application
	at   time.Time
	step time.Duration
}

// do runs one command as the person with id, a step after the previous one.
func (d *demoDriver) do(ctx context.Context, id string, op appOp) (appResult, error) {
	d.at = d.at.Add(d.step)
	res, err := d.l.s.commandApplicationTx(ctx, d.tx, d.l.person(id), d.at, d.app.ID, d.app.Version, op)
	if err != nil {
		return appResult{}, err
	}
	d.app = res.app
	return res, nil
}

func (d *demoDriver) drive(ctx context.Context, a demo.Application, facts credit.Facts) (loan.Status, error) {
	required := d.l.s.applications.workflow.Required(d.app)
	for i, k := range required {
		if a.MissingDocument && i == len(required)-1 {
			break
		}
		ref := "dms://demo/" + d.app.ID + "/" + k.String()
		if _, err := d.do(ctx, a.Maker, appOp{cmd: loan.ReceiveDocument{Kind: k, Reference: ref}}); err != nil {
			return 0, err
		}
	}
	if a.Target == loan.StatusDraft {
		return d.app.Status, nil
	}
	if _, err := d.do(ctx, a.Maker, appOp{cmd: loan.Submit{Comment: "资料齐全"}}); err != nil {
		return 0, err
	}
	if a.Target == loan.StatusSubmitted {
		return d.app.Status, nil
	}
	if a.Target == loan.StatusWithdrawn {
		_, err := d.do(ctx, a.Maker, appOp{cmd: loan.Withdraw{Comment: "客户另有安排"}})
		return d.app.Status, err
	}
	for _, k := range required {
		if _, err := d.do(ctx, a.Maker, appOp{cmd: loan.VerifyDocument{Kind: k}}); err != nil {
			return 0, err
		}
	}
	if _, err := d.do(ctx, a.Maker, appOp{assess: &facts, comment: "贷前调查完成"}); err != nil {
		return 0, err
	}
	if a.Target == loan.StatusAssessed {
		return d.app.Status, nil
	}
	if _, err := d.do(ctx, d.l.supervisorOf(a.Maker), appOp{assign: true}); err != nil {
		if errors.Is(err, ErrConflict) {
			return d.app.Status, nil // nobody eligible: the case waits, assessed
		}
		return 0, err
	}
	if a.Target == loan.StatusAssigned {
		return d.app.Status, nil
	}
	if _, err := d.do(ctx, d.app.Officer, appOp{cmd: loan.StartReview{Comment: "提交审批"}}); err != nil {
		return 0, err
	}
	return d.decide(ctx, a)
}

// decide takes the decisions the target asks for, stage by stage, each by a person the
// matrix and four-eyes allow.
func (d *demoDriver) decide(ctx context.Context, a demo.Application) (loan.Status, error) {
	rep, _ := d.app.Report()
	for d.app.Status == loan.StatusUnderReview {
		stage := d.app.Stages[d.app.Stage-1]
		if a.Target == loan.StatusUnderReview && (d.app.Stage > 1 || len(d.app.Stages) == 1 ||
			rep.Decision == credit.Decline || !rep.Limit.IsPositive()) {
			return d.app.Status, nil // leave it pending, at its last stage when there are two
		}
		deciders := d.l.deciders(d.app, stage)
		if len(deciders) == 0 {
			return d.app.Status, nil // nobody with the authority: it waits
		}
		verdict := loan.VerdictApprove
		comment := "同意"
		switch {
		case (a.Target == loan.StatusRejected || a.Target == loan.StatusReturned) && d.app.Stage >= a.RejectAt:
			verdict, comment = loan.VerdictReject, "还款能力不足"
			if a.Target == loan.StatusReturned {
				verdict, comment = loan.VerdictReturn, "请补充近六个月银行流水"
			}
		case rep.Decision == credit.Decline || !rep.Limit.IsPositive():
			verdict, comment = loan.VerdictReject, "评估结论为拒绝"
		}
		cmd := loan.Decide{Stage: d.app.Stage, Verdict: verdict, Comment: comment}
		if verdict == loan.VerdictApprove && rep.Limit.LessThan(d.onTable()) {
			cmd.Amount, cmd.Comment = rep.Limit, "按评估额度批准"
		}
		before := d.app.Stage
		quorum := max(stage.Approvals, 1)
		for i := 0; i < quorum && d.app.Status == loan.StatusUnderReview && i < len(deciders); i++ {
			_, err := d.do(ctx, deciders[i], appOp{cmd: cmd})
			var ge *loan.GroupLimitError
			if errors.As(err, &ge) || errors.Is(err, loan.ErrGroupLimit) {
				cmd = loan.Decide{Stage: d.app.Stage, Verdict: loan.VerdictReject, Comment: "超出集团授信余额"}
				_, err = d.do(ctx, deciders[i], appOp{cmd: cmd})
			}
			if err != nil {
				return 0, err
			}
			if verdict != loan.VerdictApprove {
				break
			}
		}
		if d.app.Status == loan.StatusUnderReview && d.app.Stage == before {
			return d.app.Status, nil // too few people for the quorum: it waits
		}
	}
	return d.app.Status, nil
}

// onTable is the amount an approval may not exceed: the requested amount or the lowest
// approved in this round.
func (d *demoDriver) onTable() (amount decimal.Decimal) {
	amount = d.app.Amount
	for _, dec := range d.app.Decisions {
		if dec.Round == d.app.Round && dec.Verdict == loan.VerdictApprove && dec.Amount.LessThan(amount) {
			amount = dec.Amount
		}
	}
	return amount
}

// supervisorOf is the supervisor of the branch of the officer with id.
func (l *demoLoader) supervisorOf(id string) string {
	branch := l.people[id].Officer.Branch
	for _, o := range l.bank.Officers {
		if o.Role == "supervisor" && o.Officer.Branch == branch {
			return o.Officer.ID
		}
	}
	return ""
}

// deciders lists the people who may decide at stage of app, best placed first: for an
// approver stage the approver of the customer's branch and then the head office's, for a
// committee stage the committee; never the maker, the preparing officer or anyone who
// already decided in this round.
func (l *demoLoader) deciders(app loan.Application, stage loan.Stage) []string {
	need := stage.Authority
	if app.Amount.GreaterThan(need) {
		need = app.Amount
	}
	decided := map[string]bool{app.Maker: true, app.Officer: true}
	for _, d := range app.Decisions {
		if d.Round == app.Round {
			decided[d.Actor] = true
		}
	}
	branch := l.people[app.Maker].Officer.Branch
	var local, others []string
	for _, o := range l.bank.Officers {
		id := o.Officer.ID
		if decided[id] || o.Officer.Authority.LessThan(need) || o.Role != stage.Role.String() {
			continue
		}
		if o.Officer.Branch == branch {
			local = append(local, id)
		} else if o.Officer.Branch == "HO" {
			others = append(others, id)
		}
	}
	return append(local, others...)
}

// String describes the load in one line, for the start-up output.
func (r DemoReport) String() string {
	if !r.Loaded {
		if r.Unfinished {
			return "demo bank: a load was started before and has not finished (another process may be loading it; if one was interrupted, start again from an empty data directory)"
		}
		return "demo bank: already loaded"
	}
	s := fmt.Sprintf("demo bank %s loaded in %s: %d branches, %d customer groups, %d customers, %d staff, applications",
		demo.BankName, r.Elapsed.Round(time.Millisecond), r.Branches, r.Groups, r.Customers, r.Officers)
	sep := " "
	for _, st := range loan.Statuses() {
		s += sep + st.String() + " " + strconv.Itoa(r.Applications[st])
		sep = ", "
	}
	return s
}
