-- Personal data sealed at rest (issue 9 §5), written only through server/store/customerdb.
--
-- From this migration on, the customer archive keeps no identity number, credit code,
-- mobile, e-mail or street address in plaintext:
--   customers.data              the customer's JSON with those values replaced by
--                               server/pii sealed strings ("v1.<key ID>.<AES-256-GCM>"),
--                               each bound to its customer number and JSON path;
--   customer_revisions.changes  the old and new values of changes to those paths, sealed
--                               the same way, bound to number, version, path and side;
--   customers.identity          the blind index (pii.Keyring.Index, HMAC-SHA-256) of
--                               "<doc type>:<number>" or "uscc:<code>" — still UNIQUE;
--   customers.doc_id            the blind index of the document number or credit code;
--   customers.mobile            the blind index of the mobile (without +86).
-- The column names and indexes of 0002 stay; only what the columns hold changes.
--
-- pii_key is the ID of the data key that sealed the row's values; NULL marks a row written
-- before this migration, still in plaintext: customerdb seals those rows when it opens the
-- database (customerdb.New), and the key rotation (customerdb rotators) treats them as
-- needing sealing too. A revision holding no personal value has pii_key ''. The partial
-- indexes find the rows still in plaintext without scanning the tables.
ALTER TABLE customers ADD COLUMN pii_key TEXT;
ALTER TABLE customer_revisions ADD COLUMN pii_key TEXT;
CREATE INDEX customers_unsealed ON customers (ord) WHERE pii_key IS NULL;
CREATE INDEX customer_revisions_unsealed ON customer_revisions (number, version) WHERE pii_key IS NULL;
