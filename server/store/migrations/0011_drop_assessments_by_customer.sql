-- The index of assessments by customer goes. Every assessment landed at a random place in
-- it, so each one cost a log frame and a checkpoint copy of its own: half the bytes and
-- system calls of storing an assessment. Its one reader, the portfolio analytics' latest
-- assessment of each customer, scanned every assessment anyway and probed the index for
-- each; it now numbers each customer's assessments with a window function instead, in one
-- scan and one sort, which on 300,000 assessments took 2.2 s against 10.3 s.
DROP INDEX IF EXISTS assessments_by_customer;
