-- Security tables (issue 9): custom roles, API keys, the hash-chained audit trail, the
-- registry of data keys and Idempotency-Key records. Times are Unix nanoseconds (UTC);
-- hashes are lower-case hex.

-- Custom roles beside the built-in admin, officer, approver, auditor and analyst
-- (server/perm), which are not stored. permissions is a JSON array of permission names.
CREATE TABLE roles (
    name          TEXT    NOT NULL PRIMARY KEY,
    description   TEXT    NOT NULL,
    permissions   TEXT    NOT NULL,
    assigned_only INTEGER NOT NULL CHECK (assigned_only IN (0, 1)),
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);

-- API keys (server/auth). The secret itself is never stored, only its SHA-256. subject is
-- the actor's ID (for an officer, the officer ID its customers carry); node is the tree
-- node the key is bound to (1 is the bank). A revoked key stays, for the audit trail.
CREATE TABLE api_keys (
    id          TEXT   NOT NULL PRIMARY KEY,
    secret_hash TEXT   NOT NULL,
    subject     TEXT   NOT NULL,
    name        TEXT   NOT NULL,
    role        TEXT   NOT NULL,
    node        BIGINT NOT NULL CHECK (node > 0),
    created_at  BIGINT NOT NULL,
    created_by  TEXT   NOT NULL,
    expires_at  BIGINT,
    revoked_at  BIGINT
);
CREATE INDEX api_keys_by_subject ON api_keys (subject, id);

-- The head of the audit chain: the last record's sequence number and hash (64 zeros while
-- the trail is empty). Every append updates this one row first, which on PostgreSQL makes
-- concurrent appenders, from any process, wait for each other: the trail is one chain.
CREATE TABLE audit_head (
    id   INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    seq  BIGINT  NOT NULL CHECK (seq >= 0),
    hash TEXT    NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Append-only audit records (server/audit). hash = SHA-256(prev_hash, canonical content);
-- before_data and after_data are compact JSON with personal data masked ('null' when
-- there is none). Kept as TEXT, never JSONB, so the stored bytes are the hashed bytes.
CREATE TABLE audit_log (
    seq         BIGINT NOT NULL PRIMARY KEY CHECK (seq > 0),
    at          BIGINT NOT NULL,
    actor       TEXT   NOT NULL,
    role        TEXT   NOT NULL,
    action      TEXT   NOT NULL,
    entity_type TEXT   NOT NULL,
    entity_id   TEXT   NOT NULL,
    before_data TEXT   NOT NULL,
    after_data  TEXT   NOT NULL,
    request_id  TEXT   NOT NULL,
    prev_hash   TEXT   NOT NULL,
    hash        TEXT   NOT NULL
);
CREATE INDEX audit_log_by_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_by_entity ON audit_log (entity_type, entity_id, seq);
CREATE INDEX audit_log_by_at ON audit_log (at, seq);

-- The data keys (server/pii) that have sealed values in this database, by key ID (derived
-- from the key; the key itself is never stored here). A server refuses to start without
-- every key that is not retired, so a replica with a different key cannot write data its
-- peers cannot read. retired_at is set once a rotation has re-sealed everything.
CREATE TABLE data_keys (
    id         TEXT   NOT NULL PRIMARY KEY,
    added_at   BIGINT NOT NULL,
    retired_at BIGINT
);

-- Idempotency-Key records of POST requests, per caller (scope). fingerprint is the SHA-256
-- of method, path and body. state: pending (a request holds it until locked_until),
-- committed (the write committed, its response is not stored yet) or done (status,
-- headers and body are the response to replay).
CREATE TABLE idempotency_keys (
    scope        TEXT     NOT NULL,
    idem_key     TEXT     NOT NULL,
    fingerprint  TEXT     NOT NULL,
    state        TEXT     NOT NULL CHECK (state IN ('pending', 'committed', 'done')),
    locked_until BIGINT   NOT NULL,
    status       INTEGER  NOT NULL,
    headers      TEXT     NOT NULL,
    body         {{blob}} NOT NULL,
    created_at   BIGINT   NOT NULL,
    PRIMARY KEY (scope, idem_key)
);
CREATE INDEX idempotency_keys_by_created ON idempotency_keys (created_at);
