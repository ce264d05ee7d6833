-- An assessment's request, facts and report are stored packed in docs (S2 against a fixed
-- dictionary; the format is in server/store/creditdb/docs.go): a row fits in one page
-- instead of spilling ~6 KB of JSON into overflow pages. Rows written from this migration
-- on have docs set and '' in request, facts and report; older rows keep their documents
-- there, with docs NULL, and are read as they are.
ALTER TABLE assessments ADD COLUMN docs {{blob}};
