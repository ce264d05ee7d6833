#!/usr/bin/env bash
# Side-by-side figure for package tree: loads the same seeded rows as tree's benchmarks
# (treegen.Large: 1M customers under 10k groups, depth 6) into PostgreSQL with the ltree
# extension and times the subtree-sum query
#
#   SELECT sum(exposure) FROM nodes WHERE path <@ (SELECT path FROM nodes WHERE id = $1)
#
# for a subgroup (~100 customers), a conglomerate (~10k customers), a region (250k) and the
# whole bank, averaged over several runs inside the server (no client round trip). It is a
# script, not a test: `go test ./...` never runs it.
#
# Usage: bench/ltree/run.sh             (CUSTOMERS=100000 RUNS=20 KEEP=1 to change the defaults)
# Connection: PGHOST/PGPORT/PGUSER/PGDATABASE, default 127.0.0.1:5432, postgres, test.
# Exits 0 with "skipped" when psql, the server or the ltree extension is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}" PGDATABASE="${PGDATABASE:-test}"
CUSTOMERS="${CUSTOMERS:-1000000}"
RUNS="${RUNS:-20}"
SCHEMA=creditkit_ltree_bench

if ! command -v psql >/dev/null 2>&1; then
  echo "ltree benchmark skipped: psql is not installed"; exit 0
fi
if ! psql -qAt -c 'SELECT 1' >/dev/null 2>&1; then
  echo "ltree benchmark skipped: PostgreSQL is not reachable at $PGHOST:$PGPORT (user $PGUSER, database $PGDATABASE)"; exit 0
fi
if ! psql -qAt -c 'CREATE EXTENSION IF NOT EXISTS ltree' >/dev/null 2>&1; then
  echo "ltree benchmark skipped: the ltree extension cannot be created"; exit 0
fi

csv="$(mktemp --suffix=.csv)"
cleanup() {
  rm -f "$csv"
  if [ -z "${KEEP:-}" ]; then psql -qAt -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

echo "generating $CUSTOMERS customers ..."
go run ./bench/ltree -customers "$CUSTOMERS" >"$csv"
chmod 644 "$csv"

echo "loading into PostgreSQL ($(psql -qAt -c 'SHOW server_version')) ..."
start=$(date +%s)
psql -q -v ON_ERROR_STOP=1 <<SQL
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS $SCHEMA CASCADE;
CREATE SCHEMA $SCHEMA;
SET search_path = $SCHEMA, public;
CREATE TABLE nodes (
  id           bigint PRIMARY KEY,
  parent       bigint,
  kind         text NOT NULL,
  path         ltree NOT NULL,
  exposure     numeric(20,2) NOT NULL,
  credit_limit numeric(20,2)
);
\copy nodes FROM '$csv' WITH (FORMAT csv, HEADER true)
CREATE INDEX nodes_path_gist ON nodes USING gist (path);
ANALYZE nodes;
SQL
echo "loaded and indexed in $(( $(date +%s) - start )) s"

# One timed query per target: mean milliseconds over RUNS executions inside a DO block.
time_subtree() { # label, SQL selecting the target id
  psql -qAt -v ON_ERROR_STOP=1 <<SQL 2>&1 | sed -n 's/^.*NOTICE: *//p'
SET search_path = $SCHEMA, public;
DO \$\$
DECLARE
  target bigint; members bigint; total numeric; t0 timestamptz; ms numeric;
BEGIN
  $2;
  SELECT count(*) - 1 INTO members FROM nodes WHERE path <@ (SELECT path FROM nodes WHERE id = target);
  SELECT sum(exposure) INTO total FROM nodes WHERE path <@ (SELECT path FROM nodes WHERE id = target);  -- warm
  t0 := clock_timestamp();
  FOR i IN 1..$RUNS LOOP
    SELECT sum(exposure) INTO total FROM nodes WHERE path <@ (SELECT path FROM nodes WHERE id = target);
  END LOOP;
  ms := extract(epoch FROM clock_timestamp() - t0) * 1000 / $RUNS;
  RAISE NOTICE 'ltree subtree sum, %: % ms/query (% nodes below, total %)', '$1', round(ms, 3), members, total;
END
\$\$;
SQL
}

time_subtree "subgroup"     "SELECT id INTO target FROM nodes WHERE kind = 'group' AND nlevel(path) = 6 ORDER BY id LIMIT 1"
time_subtree "conglomerate" "SELECT id INTO target FROM nodes WHERE kind = 'group' AND nlevel(path) = 5 ORDER BY id LIMIT 1"
time_subtree "region"       "SELECT id INTO target FROM nodes WHERE kind = 'branch' AND nlevel(path) = 2 ORDER BY id LIMIT 1"
time_subtree "bank"         "SELECT id INTO target FROM nodes WHERE nlevel(path) = 1"
echo "in memory (package tree): Exposure(id) is O(1) for any subtree; see BenchmarkExposure"
