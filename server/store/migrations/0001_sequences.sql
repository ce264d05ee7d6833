-- Named counters drawn inside the caller's transaction (customer numbers and the like).
-- The counter lives in the database so that several server processes on one PostgreSQL
-- never hand out the same value.
CREATE TABLE sequences (
    name  TEXT   NOT NULL PRIMARY KEY,
    value BIGINT NOT NULL CHECK (value > 0)
);
