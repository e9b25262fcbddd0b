#!/bin/sh
# Side by side: the same events in monthend (bbolt, daily rollups) and in
# sqlite3 (one table, an index on (metric, timestamp)), the same March
# GROUP BY, both timings and their ratio.
#
#   ledger/sqlitecompare/compare.sh [EVENTS]      (default 1000000; run from the repository root)
#
# Needs sqlite3 (Debian: apt-get install -y sqlite3).
set -eu
N=${1:-1000000}
DIR=$(mktemp -d "${TMPDIR:-/tmp}/monthend-sqlite.XXXXXX")
trap 'rm -rf "$DIR"' EXIT
go build -o "$DIR/sqlitecompare" ./ledger/sqlitecompare
echo "generating $N events in $DIR"
"$DIR/sqlitecompare" gen -n "$N" -dir "$DIR"

echo "== monthend"
"$DIR/sqlitecompare" monthend -dir "$DIR" | tee "$DIR/monthend.out"
M_MS=$(sed -n 's/^MONTHEND_QUERY_MS=//p' "$DIR/monthend.out")

echo "== sqlite3 $(sqlite3 --version | cut -d' ' -f1)"
start=$(date +%s.%N)
sqlite3 "$DIR/events.sqlite" >/dev/null <<SQL
PRAGMA journal_mode=WAL;
CREATE TABLE events(id TEXT PRIMARY KEY, customer TEXT, metric TEXT, timestamp TEXT, value NUMERIC, user TEXT);
.mode csv
.import --skip 1 $DIR/events.csv events
CREATE INDEX events_month ON events(metric, timestamp);
SQL
end=$(date +%s.%N)
echo "sqlite3 load + index: $(echo "$end - $start" | bc) s"
QUERY="SELECT customer, metric, count(*), sum(value), count(DISTINCT user) FROM events
 WHERE timestamp >= '2026-03-01T00:00:00Z' AND timestamp < '2026-04-01T00:00:00Z'
 GROUP BY customer, metric;"
best=""
for i in 1 2 3 4 5; do
  t=$(printf '.timer on\n.output /dev/null\n%s\n' "$QUERY" | sqlite3 "$DIR/events.sqlite" 2>&1 | sed -n 's/^Run Time: real \([0-9.]*\).*/\1/p' | tail -1)
  best="$best $t"
done
S_S=$(echo $best | tr ' ' '\n' | sort -n | sed -n 3p)
S_MS=$(echo "$S_S * 1000" | bc)
echo "sqlite3 month GROUP BY, median of 5: $S_MS ms"
echo "== ratio: sqlite3 / monthend = $(echo "scale=1; $S_MS / $M_MS" | bc)x"
