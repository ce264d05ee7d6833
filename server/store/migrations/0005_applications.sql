-- Loan applications (loan.Application) and the events that produced each version
-- (loan.Event). Written only through server/store/loandb.
--
-- Scalars have columns of their own so that lists, filters and analytics are plain SQL;
-- the collections (documents, credit reports, approval stages, decisions, override) are
-- JSON text as loan marshals them. Money is TEXT holding the decimal string (exact in both
-- databases; sums are done in Go with decimals). Times are BIGINT Unix nanoseconds, UTC.
-- Enumerations are their loan names ("under_review", "individual", ...).
CREATE TABLE applications (
    id              TEXT    NOT NULL PRIMARY KEY,
    customer        TEXT    NOT NULL,
    customer_kind   TEXT    NOT NULL,
    product         TEXT    NOT NULL,
    amount          TEXT    NOT NULL,
    term_months     INTEGER NOT NULL,
    purpose         TEXT    NOT NULL,
    repayment       TEXT    NOT NULL,
    security        TEXT    NOT NULL,
    security_detail TEXT    NOT NULL,
    maker           TEXT    NOT NULL,
    officer         TEXT    NOT NULL,          -- '' until assigned
    status          TEXT    NOT NULL,
    round           INTEGER NOT NULL,
    stage           INTEGER NOT NULL,          -- pending stage while under review, else 0
    grade           TEXT    NOT NULL,          -- grade of the latest report, '' when none
    approved_amount TEXT    NOT NULL,          -- '0' until approved
    version         BIGINT  NOT NULL CHECK (version > 0),
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL,
    submitted_at    BIGINT,                    -- the first submission
    decided_at      BIGINT,                    -- the final approval or rejection
    documents       TEXT    NOT NULL,          -- JSON array of loan.Document
    reports         TEXT    NOT NULL,          -- JSON array of credit.Report, oldest first
    stages          TEXT    NOT NULL,          -- JSON array of loan.Stage
    decisions       TEXT    NOT NULL,          -- JSON array of loan.Decision
    override        TEXT    NOT NULL           -- JSON loan.Override, '' when none
);
CREATE INDEX applications_by_status ON applications (status, id);
CREATE INDEX applications_by_customer ON applications (customer, id);
CREATE INDEX applications_by_officer ON applications (officer, status);

-- Append-only: one row per version of an application; never updated or deleted.
CREATE TABLE application_events (
    seq         {{serial}},
    application TEXT    NOT NULL REFERENCES applications (id),
    version     BIGINT  NOT NULL CHECK (version > 0),
    action      TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    role        TEXT    NOT NULL,
    at          BIGINT  NOT NULL,
    from_status TEXT    NOT NULL,              -- '' for creation
    to_status   TEXT    NOT NULL,
    comment     TEXT    NOT NULL,
    details     TEXT    NOT NULL,              -- JSON object of strings, '{}' when none
    UNIQUE (application, version)
);

-- One row that every approving transaction updates first, so that group-limit checks and
-- the exposure they allow are serialised across server processes on one PostgreSQL (on
-- SQLite the write lock already does this).
CREATE TABLE application_approval_gate (
    id        INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    approvals BIGINT  NOT NULL
);
INSERT INTO application_approval_gate (id, approvals) VALUES (1, 0);
