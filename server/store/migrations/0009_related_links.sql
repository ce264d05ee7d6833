-- Related-party links (关联关系, tree.Link) between customers, written only through
-- server/store/customerdb (links.go). Control is directed (from_number controls to_number,
-- share is from's ownership of to, a decimal string from 0.5 to 1); the other kinds are
-- symmetric, carry share '0' and are stored in canonical order (from_number before
-- to_number bytewise, ordered by Go, not by a collation), as tree.Tree keeps them, so one
-- pair has one row per kind.
--
-- created_at (Unix nanoseconds, UTC) and created_by (the actor's ID) record who set the
-- link as it stands: replacing a link (a new control share) rewrites them; the audit trail
-- keeps the history. changed is the tree_state.version of the transaction that set it.
CREATE TABLE related_links (
    from_number TEXT   NOT NULL REFERENCES customers (number),
    to_number   TEXT   NOT NULL REFERENCES customers (number),
    kind        TEXT   NOT NULL CHECK (kind IN ('control', 'same_controller', 'mutual_guarantee', 'key_management')),
    share       TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    created_by  TEXT   NOT NULL,
    changed     BIGINT NOT NULL,
    PRIMARY KEY (from_number, to_number, kind),
    CHECK (from_number <> to_number)
);
CREATE INDEX related_links_by_to ON related_links (to_number, from_number);

-- The tree version of the last transaction that put or deleted a link. A link write bumps
-- tree_state.version like a node write and stamps it here too; a server whose cached tree
-- reflects an older links_version reloads the (few) links and applies the difference.
ALTER TABLE tree_state ADD COLUMN links_version BIGINT NOT NULL DEFAULT 0;
