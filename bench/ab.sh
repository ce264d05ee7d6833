#!/usr/bin/env bash
# ab.sh compares creditkit binaries under load, alternately, each run on a fresh demo
# database, and prints throughput, p99 latency and the server's CPU time per request (user
# and system, from /proc, so Linux only). Alternating matters: on a shared machine the
# speed drifts by tens of percent from one quarter of an hour to the next.
#
#	go build -o /tmp/ck-old ./cmd/creditkit     # e.g. on the commit before
#	go build -o /tmp/ck-new ./cmd/creditkit
#	bench/ab.sh -s post-assessment -r 0 -n 3 /tmp/ck-old /tmp/ck-new
#
# Options: -s scenario (bench/load's; post-assessment), -r rate (0: closed loop), -c
# connections (64), -d duration (8s), -n rounds (3), -w warm-up seconds after start (8).
# Environment variables such as GOGC pass through to the servers.
set -euo pipefail

scenario=post-assessment rate=0 conns=64 dur=8s rounds=3 warm=8
while getopts "s:r:c:d:n:w:" opt; do
	case $opt in
	s) scenario=$OPTARG ;; r) rate=$OPTARG ;; c) conns=$OPTARG ;; d) dur=$OPTARG ;;
	n) rounds=$OPTARG ;; w) warm=$OPTARG ;; *) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "usage: bench/ab.sh [options] binary..." >&2; exit 2; }

root=$(cd "$(dirname "$0")/.." && pwd)
load=$(mktemp -d)/load
(cd "$root" && go build -o "$load" ./bench/load)
addr=127.0.0.1:8097
tick=$(getconf CLK_TCK)

cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }

run() {
	local bin=$1 data log pid key out n t0 t1
	data=$(mktemp -d)
	log=$data/serve.log
	"$bin" serve --demo --rate-limit 0 --data "$data/db" --addr "$addr" >"$log" 2>&1 &
	pid=$!
	for _ in $(seq 1 200); do grep -q 'CREDITKIT_KEY=' "$log" && break; sleep 0.3; done
	key=$(grep -o 'CREDITKIT_KEY=ck_[A-Za-z0-9_-]*' "$log" | head -1 | cut -d= -f2)
	sleep "$warm"
	t0=$(cpu "$pid")
	out=$(cd "$root" && "$load" -key "$key" -url "http://$addr" -scenario "$scenario" -rate "$rate" -c "$conns" -d "$dur")
	t1=$(cpu "$pid")
	kill "$pid"
	wait "$pid" || true
	rm -rf "$data"
	n=$(sed -nE '1s/.*: ([0-9]+) ok.*/\1/p' <<<"$out")
	printf '%-24s %s; %s; server CPU %d µs/req\n' "$(basename "$bin")" \
		"$(sed -nE '1s/.*= ([0-9]+ req\/s).*/\1/p' <<<"$out")" \
		"$(sed -nE '2s/.*(p50 [^ ]+).*(p99 [^ ]+).*/\1 \2/p' <<<"$out")" \
		$(((t1 - t0) * 1000000 / tick / n))
}

echo "$scenario, rate $rate, $conns connections, $dur, $rounds rounds"
for _ in $(seq 1 "$rounds"); do
	for bin in "$@"; do run "$bin"; done
done
