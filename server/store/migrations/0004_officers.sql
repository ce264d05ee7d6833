-- Credit officers (assign.Officer with their raw performance figures) and the dated
-- history of who owns which application (assign.Entry). Written only through
-- server/store/assigndb.
--
-- Lists (regions, kinds, skills, certifications, leave, linked customers) are JSON arrays;
-- performance and rating are JSON objects. Authority is TEXT holding the decimal string.
-- Times are BIGINT Unix nanoseconds, UTC; leave dates are JSON "YYYY-MM-DD".
CREATE TABLE officers (
    id              TEXT             NOT NULL PRIMARY KEY,
    name            TEXT             NOT NULL,
    branch          TEXT             NOT NULL,           -- branch node of the customer tree
    regions         TEXT             NOT NULL,
    kinds           TEXT             NOT NULL,
    skills          TEXT             NOT NULL,
    certifications  TEXT             NOT NULL,
    authority       TEXT             NOT NULL,
    seniority_years INTEGER          NOT NULL CHECK (seniority_years >= 0),
    capacity        INTEGER          NOT NULL CHECK (capacity >= 0),
    leave           TEXT             NOT NULL,
    linked          TEXT             NOT NULL,
    performance     TEXT             NOT NULL,           -- JSON assign.Performance, '' when none
    rating          TEXT             NOT NULL,           -- JSON assign.Rating
    rating_overall  DOUBLE PRECISION NOT NULL,
    version         BIGINT           NOT NULL CHECK (version > 0),
    created_by      TEXT             NOT NULL,
    created_at      BIGINT           NOT NULL,
    updated_by      TEXT             NOT NULL,
    updated_at      BIGINT           NOT NULL
);
CREATE INDEX officers_by_branch ON officers (branch, id);

-- Append-only: every version of every officer, as JSON, with who wrote it and when.
CREATE TABLE officer_versions (
    officer    TEXT   NOT NULL REFERENCES officers (id),
    version    BIGINT NOT NULL CHECK (version > 0),
    data       TEXT   NOT NULL,
    changed_by TEXT   NOT NULL,
    changed_at BIGINT NOT NULL,
    PRIMARY KEY (officer, version)
);

-- One row per spell of ownership: officer owned application from from_at (inclusive) to
-- to_at (exclusive; NULL while open). An application has at most one open spell; an
-- officer's load is the number of its open spells. case_data is the assign.Case as
-- matched ('' when not known), so an officer's open cases can be redistributed.
CREATE TABLE assignments (
    seq         {{serial}},
    application TEXT             NOT NULL,
    customer    TEXT             NOT NULL,
    officer     TEXT             NOT NULL REFERENCES officers (id),
    from_at     BIGINT           NOT NULL,
    to_at       BIGINT,
    reason      TEXT             NOT NULL,
    assigned_by TEXT             NOT NULL,
    score       DOUBLE PRECISION NOT NULL,           -- soft score of the placement, 0-100
    case_data   TEXT             NOT NULL,
    CHECK (to_at IS NULL OR to_at >= from_at)
);
CREATE UNIQUE INDEX assignments_one_open ON assignments (application) WHERE to_at IS NULL;
CREATE INDEX assignments_by_officer ON assignments (officer, from_at);
CREATE INDEX assignments_open_by_officer ON assignments (officer) WHERE to_at IS NULL;

-- One row that every write to officers or assignments changes: a fresh random token. A
-- server's in-memory matcher is valid while the token it was built at is the stored one;
-- assigning transactions lock this row first, so matching decisions are serialised across
-- server processes on one PostgreSQL.
CREATE TABLE assign_state (
    id      INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    version BIGINT  NOT NULL,
    token   TEXT    NOT NULL
);
INSERT INTO assign_state (id, version, token) VALUES (1, 1, 'initial');
