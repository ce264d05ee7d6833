-- The two secondary indexes of assessments go; every assessment paid for them and no
-- query needs them.
--
-- assessments_by_customer: every assessment landed at a random place in it, so each one
-- cost a log frame and a checkpoint copy of its own, half the bytes and system calls of
-- storing an assessment. Its one reader, the portfolio analytics' latest assessment of each
-- customer, scanned every assessment anyway and probed the index for each; it now numbers
-- each customer's assessments with a window function instead, in one scan and one sort,
-- which on 300,000 assessments took 2.2 s against 10.3 s.
--
-- assessments_by_scorecard: no query read it. Each card's assessments were appended in the
-- middle of it, before the next card's, where SQLite splits pages in half: 5–10% of the
-- bytes written per assessment. Scorecards are never deleted, so the foreign key needs no
-- index on this side either.
DROP INDEX IF EXISTS assessments_by_customer;
DROP INDEX IF EXISTS assessments_by_scorecard;
