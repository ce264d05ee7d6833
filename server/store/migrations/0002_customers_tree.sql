-- The customer archive (customer.Customer), its history and contact log, and the customer
-- tree (tree.Row) with per-customer exposure. Written only through server/store/customerdb.
--
-- Sort and search keys are binary ({{blob}}: BLOB on SQLite, BYTEA on PostgreSQL), so both
-- databases compare them bytewise whatever the database collation, and a prefix search is a
-- range scan of an index (key >= prefix AND key < prefix+1), never LIKE '%x%':
--   name_key   customer.Indexer.NameKey(name): name order (pinyin order for Chinese);
--   prefix_key customer.FoldName(name), 0x00, name_key: case-insensitive name prefix;
--   spelling   one pinyin spelling or its initials, 0x00, name_key: pinyin prefix.
-- Ties are broken by ord, which orders like customer.Number.Compare (enterprises, then
-- individuals, each by sequence): 10^10 for E, 2*10^10 for P, plus the sequence. ord is
-- always given explicitly: its serial type is there to make it SQLite's rowid, never to
-- draw values.
-- The cursors of customerdb carry exactly these keys, in customer.Cursor's format.
--
-- Times are BIGINT Unix nanoseconds, UTC. Exposure is BIGINT hundredths (分) so that adding
-- to it is one exact, atomic UPDATE in both databases (the tree holds int64 hundredths
-- too); limits are TEXT decimal strings (exact, no arithmetic in SQL).
CREATE TABLE customers (
    ord        {{serial}},                -- the key: SQLite's rowid, so a look-up is one search
    number     TEXT     NOT NULL UNIQUE,
    kind       TEXT     NOT NULL CHECK (kind IN ('individual', 'enterprise')),
    status     TEXT     NOT NULL CHECK (status IN ('active', 'closed')),
    name       TEXT     NOT NULL,
    name_key   {{blob}} NOT NULL,
    prefix_key {{blob}} NOT NULL,
    branch     TEXT     NOT NULL,
    officer    TEXT     NOT NULL,
    identity   TEXT     NOT NULL UNIQUE,  -- "resident_id:11010519491231002X", "uscc:9135..."
    doc_id     TEXT     NOT NULL,         -- upper-case document number, or the credit code
    mobile     TEXT     NOT NULL,         -- without +86
    birth      INTEGER,                   -- yyyymmdd of an individual's birth date, for ages
    region     TEXT     NOT NULL,         -- province of the address
    node       BIGINT,                    -- the customer's tree node; NULL when not placed
    version    BIGINT   NOT NULL CHECK (version > 0),
    created_at BIGINT   NOT NULL,
    updated_at BIGINT   NOT NULL,
    data       TEXT     NOT NULL          -- the whole customer.Customer as JSON
);
CREATE INDEX customers_by_name ON customers (name_key, ord);
CREATE INDEX customers_by_prefix ON customers (prefix_key, ord);
CREATE INDEX customers_by_doc ON customers (doc_id);
CREATE INDEX customers_by_mobile ON customers (mobile);
CREATE INDEX customers_by_branch ON customers (branch, name_key, ord);

-- Every pinyin spelling and initials of every name (up to four readings each), by the
-- customer's ord.
CREATE TABLE customer_spellings (
    spelling {{blob}} NOT NULL,
    ord      BIGINT   NOT NULL REFERENCES customers (ord),
    PRIMARY KEY (spelling, ord)
);
CREATE INDEX customer_spellings_by_customer ON customer_spellings (ord, spelling);

CREATE TABLE customer_tags (
    ord BIGINT NOT NULL REFERENCES customers (ord),
    tag TEXT   NOT NULL,
    PRIMARY KEY (ord, tag)
);

-- Append-only: one row per version of a customer (customer.Revision).
CREATE TABLE customer_revisions (
    number  TEXT   NOT NULL REFERENCES customers (number),
    version BIGINT NOT NULL CHECK (version > 0),
    at      BIGINT NOT NULL,
    actor   TEXT   NOT NULL,
    action  TEXT   NOT NULL,
    changes TEXT   NOT NULL,  -- JSON array of customer.Change, '[]' when none
    PRIMARY KEY (number, version)
);

-- Append-only contact log (customer.Contact).
CREATE TABLE customer_contacts (
    id      {{serial}},
    number  TEXT   NOT NULL REFERENCES customers (number),
    at      BIGINT NOT NULL,
    officer TEXT   NOT NULL,
    channel TEXT   NOT NULL,
    note    TEXT   NOT NULL
);
CREATE INDEX customer_contacts_by_customer ON customer_contacts (number, at, id);

-- The tree's version counter. Every transaction that changes a node or an exposure first
-- bumps version (which, on PostgreSQL, also serialises tree writers on this row) and stamps
-- every row it changes with the new value in "changed"; a server compares version with the
-- one its in-memory tree reflects and reads the rows changed since. total is the sum of all
-- exposure, kept so that no subtree total can overflow the tree's int64 hundredths.
CREATE TABLE tree_state (
    id      INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    version BIGINT  NOT NULL,
    total   BIGINT  NOT NULL CHECK (total >= 0)
);
INSERT INTO tree_state (id, version, total) VALUES (1, 0, 0);

-- The nodes of the tree. The bank is node 1, the only node without a parent. IDs come from
-- the sequence "tree_node".
CREATE TABLE tree_nodes (
    id           BIGINT   NOT NULL PRIMARY KEY,
    parent       BIGINT   REFERENCES tree_nodes (id),
    kind         TEXT     NOT NULL CHECK (kind IN ('bank', 'branch', 'group', 'customer')),
    name         TEXT     NOT NULL,
    name_key     {{blob}} NOT NULL,      -- customer.Indexer.NameKey(name), for children pages
    customer     TEXT     UNIQUE REFERENCES customers (number),
    attrs        TEXT     NOT NULL,      -- JSON object of strings, '{}' when none
    credit_limit TEXT,                   -- decimal string; NULL: no limit
    version      BIGINT   NOT NULL CHECK (version > 0),
    changed      BIGINT   NOT NULL,      -- tree_state.version of the last change
    created_at   BIGINT   NOT NULL,
    updated_at   BIGINT   NOT NULL,
    CHECK ((parent IS NULL) = (id = 1)),
    CHECK ((customer IS NULL) = (kind <> 'customer'))
);
CREATE INDEX tree_nodes_children ON tree_nodes (parent, name_key, id);
CREATE INDEX tree_nodes_changed ON tree_nodes (changed);

-- The exposure of each customer node, in hundredths.
CREATE TABLE tree_exposure (
    customer TEXT   NOT NULL PRIMARY KEY REFERENCES customers (number),
    node     BIGINT NOT NULL UNIQUE REFERENCES tree_nodes (id),
    cents    BIGINT NOT NULL CHECK (cents >= 0 AND cents <= 100000000000000000),
    changed  BIGINT NOT NULL
);
CREATE INDEX tree_exposure_changed ON tree_exposure (changed);
