-- Scorecards (credit.Scorecard, sealed) and the assessments made with them. Written only
-- through server/store/creditdb.
--
-- A scorecard version is "<kind>-<revision>": the customer kind it serves and its upload
-- number within that kind (the built-in card of a kind is revision 1). Versions are never
-- changed or deleted. Which version is active is the row of active_scorecards for the kind:
-- its primary key allows at most one active version per kind, the built-in card is made
-- active on first start so there is always one, and the composite foreign key makes the
-- active version one of that kind. scorecard_activations records every activation.
--
-- Assessments are immutable rows: the repository has no update or delete. Times are
-- BIGINT Unix nanoseconds, UTC. The limit is TEXT holding the decimal string.
CREATE TABLE scorecards (
    id            TEXT   NOT NULL PRIMARY KEY,           -- "<kind>-<revision>"
    kind          TEXT   NOT NULL CHECK (kind IN ('individual', 'enterprise')),
    revision      BIGINT NOT NULL CHECK (revision > 0),
    model_id      TEXT   NOT NULL,
    model_version TEXT   NOT NULL,
    sha256        TEXT   NOT NULL,                       -- hex SHA-256 of the canonical card
    card          TEXT   NOT NULL,                       -- the sealed card, JSON
    uploaded_by   TEXT   NOT NULL,
    uploaded_at   BIGINT NOT NULL,
    UNIQUE (kind, revision),
    UNIQUE (kind, model_id, model_version),
    UNIQUE (kind, sha256),
    UNIQUE (id, kind)                                    -- the target of active_scorecards' key
);

-- Exactly one active scorecard per customer kind.
CREATE TABLE active_scorecards (
    kind         TEXT   NOT NULL PRIMARY KEY,
    scorecard    TEXT   NOT NULL,
    activated_by TEXT   NOT NULL,
    activated_at BIGINT NOT NULL,
    FOREIGN KEY (scorecard, kind) REFERENCES scorecards (id, kind)
);

-- Append-only: one row per activation, the built-in installation included.
CREATE TABLE scorecard_activations (
    seq          {{serial}},
    kind         TEXT   NOT NULL,
    scorecard    TEXT   NOT NULL REFERENCES scorecards (id),
    previous     TEXT   NOT NULL,                        -- '' for the first
    activated_by TEXT   NOT NULL,
    activated_at BIGINT NOT NULL
);

CREATE TABLE assessments (
    id            TEXT             NOT NULL PRIMARY KEY,
    customer      TEXT             NOT NULL,             -- customer number
    customer_kind TEXT             NOT NULL,
    scorecard     TEXT             NOT NULL REFERENCES scorecards (id),
    request       TEXT             NOT NULL,             -- JSON credit.Request: amount, term, product, method
    facts         TEXT             NOT NULL,             -- JSON credit.Facts as assessed
    report        TEXT             NOT NULL,             -- JSON credit.Report
    grade         TEXT             NOT NULL,
    score         DOUBLE PRECISION NOT NULL,
    pd            DOUBLE PRECISION NOT NULL,
    decision      TEXT             NOT NULL,             -- approve, refer, decline
    credit_limit  TEXT             NOT NULL,             -- decimal string
    request_id    TEXT             NOT NULL,             -- X-Request-ID of the request that made it
    created_by    TEXT             NOT NULL,
    created_at    BIGINT           NOT NULL
);
CREATE INDEX assessments_by_customer ON assessments (customer, created_at);
CREATE INDEX assessments_by_scorecard ON assessments (scorecard, created_at);
