#!/usr/bin/env bash
# Runs the benchmark of docs/BENCHMARKS.md and prints the medians.
#
#   bench/run.sh                      # SQLite and PostgreSQL, 3 repetitions of 20 s runs
#   ENGINES=sqlite REPEAT=1 D=10s bench/run.sh
#
# Environment:
#   ENGINES   engines to run: "sqlite postgres" (default)
#   REPEAT    repetitions of each measurement, each on a fresh database (3)
#   D, WARMUP duration of each measured run and of its warm-up (20s, 2s)
#   C         connections (64)
#   PGURL     PostgreSQL server, without database
#             (postgres://postgres@127.0.0.1:5432); a fresh database is
#             created for every repetition and dropped afterwards
#   OUT       where the JSON results and logs go (a new temporary directory)
#   OTHER_MAX, TRIES  a run during which other processes used more than
#             OTHER_MAX cores (0.15) is repeated, up to TRIES times (3)
#   CUSTOS, LOAD  prebuilt binaries; by default both are built from this tree
#   MIXED     1 (default) to run the mixed scenario too, 0 to skip it
#   WRK       1 (default when wrk is installed) to also measure banner GETs
#             with wrk, once gzipped (Accept-Encoding: gzip, as browsers
#             ask) and once plain; custos-load's client sends no
#             Accept-Encoding, so its banner numbers are the plain document
#
# Needs go, curl and jq, psql for PostgreSQL, and wrk for the gzip runs.
#
# Every run first waits (up to 2 minutes) for the machine to be idle, because
# the numbers only mean something on an otherwise idle machine. The server
# and the generator share the machine's cores, as the targets prescribe.
set -euo pipefail

cd "$(dirname "$0")/.."
ENGINES=${ENGINES:-"sqlite postgres"}
REPEAT=${REPEAT:-3}
D=${D:-20s}
WARMUP=${WARMUP:-2s}
C=${C:-64}
PGURL=${PGURL:-postgres://postgres@127.0.0.1:5432}
OUT=${OUT:-$(mktemp -d /tmp/custos-bench.XXXXXX)}
ADDR=127.0.0.1:18080
URL=http://$ADDR
mkdir -p "$OUT"

if [[ -z ${CUSTOS:-} ]]; then
	CUSTOS=$OUT/custos
	go build -o "$CUSTOS" ./cmd/custos
fi
if [[ -z ${LOAD:-} ]]; then
	LOAD=$OUT/custos-load
	go build -o "$LOAD" ./cmd/custos-load
fi

MIXED=${MIXED:-1}
if [[ -z ${WRK:-} ]]; then
	WRK=0
	command -v wrk >/dev/null && WRK=1
fi

# half the target rate, for the fixed-rate latency runs
declare -A HALF=([sqlite]=10000 [postgres]=5000)

pid=
stop_server() {
	if [[ -n $pid ]]; then
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		pid=
	fi
}
trap stop_server EXIT

# start_server ENGINE NAME: starts custos on a fresh database, sets pid and
# the args to start it again (serve_args).
serve_args=()
start_server() {
	local engine=$1 name=$2 data=$OUT/$2-data
	rm -rf "$data"
	serve_args=(serve --demo --addr "$ADDR" --data "$data")
	if [[ $engine == postgres ]]; then
		local db="custos_bench_${name//-/_}"
		psql -q "$PGURL/postgres" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
		serve_args+=(--db "$PGURL/$db?sslmode=disable")
	fi
	"$CUSTOS" "${serve_args[@]}" 2>"$OUT/$name-server.log" &
	pid=$!
	for _ in $(seq 1 500); do
		curl -fs "$URL/readyz" >/dev/null 2>&1 && return 0
		sleep 0.02
	done
	echo "server did not start; see $OUT/$name-server.log" >&2
	exit 1
}

# load NAME ARGS...: one measured run, JSON to $OUT/NAME.json. A run during
# which other processes used more than OTHER_MAX cores is repeated (up to
# TRIES times in all) and the least disturbed attempt is kept.
OTHER_MAX=${OTHER_MAX:-0.15}
TRIES=${TRIES:-3}
# quiet_enough and keep_best are the retry rule shared by load and wrkrun.
# They use the caller's locals name, k, best and bestother (bash scoping):
# quiet_enough remembers the least disturbed attempt so far and succeeds if
# attempt k was quiet enough to keep; keep_best copies that attempt to
# $OUT/NAME.{json,txt}.
quiet_enough() {
	local other
	other=$(jq -r '.other_cpu_cores // 0' "$OUT/$name.$k.json" 2>/dev/null || echo 9)
	if [[ -z $best ]] || awk -v a="$other" -v b="$bestother" 'BEGIN {exit !(a < b)}'; then
		best=$k bestother=$other
	fi
	awk -v a="$other" -v m="$OTHER_MAX" 'BEGIN {exit !(a <= m)}' && return 0
	echo "   other processes used $other cores during the run; trying again" >&2
	return 1
}
keep_best() {
	cp "$OUT/$name.$best.json" "$OUT/$name.json"
	cp "$OUT/$name.$best.txt" "$OUT/$name.txt"
}

load() {
	local name=$1 best= bestother= other k
	shift
	for k in $(seq 1 "$TRIES"); do
		echo "== $name (attempt $k): custos-load $*" >&2
		"$LOAD" -url "$URL" -c "$C" -d "$D" -warmup "$WARMUP" -pid "$pid" -wait-quiet 2m -json "${dbcomm[@]}" "$@" \
			>"$OUT/$name.$k.json" 2> >(tee "$OUT/$name.$k.txt" >&2) || echo "   (the run reported failures)" >&2
		sleep 0.2
		quiet_enough && break
	done
	keep_best
}

# busy_ticks: busy and total jiffies of the whole machine, from /proc/stat
busy_ticks() { awk '/^cpu / {t=0; for (i=2; i<=9; i++) t+=$i; print t-$5-$6, t}' /proc/stat; }
# proc_ticks PID...: utime+stime of the processes, in jiffies
proc_ticks() { local p s=0; for p in "$@"; do s=$((s + $(awk '{print $14+$15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo $s; }

# wait_quiet: as custos-load -wait-quiet, wait up to 2 minutes for the
# machine to be under 10 % busy over one second
wait_quiet() {
	local k a b
	for k in $(seq 1 120); do
		a=($(busy_ticks)); sleep 1; b=($(busy_ticks))
		(( (b[0]-a[0]) * 10 < (b[1]-a[1]) )) && return 0
	done
	echo "   warning: the machine did not get quiet within 2 minutes" >&2
}

# wrkrun NAME ARGS...: one banner run with wrk (1 thread, $C connections),
# summary JSON to $OUT/NAME.json with the server's, wrk's and everything
# else's CPU, in cores. Repeated as load() does when others used the CPU.
wrkrun() {
	local name=$1 best= bestother= other k secs
	shift
	secs=$(awk -v d="$D" 'BEGIN {sub(/s$/, "", d); print d}')
	for k in $(seq 1 "$TRIES"); do
		echo "== $name (attempt $k): wrk $*" >&2
		wait_quiet
		local hz m0 m1 s0 s1 d0 d1 w dbpids
		hz=$(getconf CLK_TCK)
		dbpids=$(pgrep -x "${dbcomm[1]:-nonexistent}" || true)
		m0=($(busy_ticks)); s0=$(proc_ticks "$pid"); d0=$(proc_ticks $dbpids)
		w=$( { TIMEFORMAT='%U %S'; time wrk -t1 -c "$C" -d "$D" --latency "$@" "$URL/api/v1/sites/demo/banner" >"$OUT/$name.$k.txt"; } 2>&1 )
		m1=($(busy_ticks)); s1=$(proc_ticks "$pid"); d1=$(proc_ticks $dbpids)
		jq -n --arg txt "$(cat "$OUT/$name.$k.txt")" --arg w "$w" \
			--argjson busy "$(( m1[0]-m0[0] ))" --argjson total "$(( m1[1]-m0[1] ))" \
			--argjson srv "$(( s1-s0 ))" --argjson db "$(( d1-d0 ))" --argjson hz "$hz" --argjson secs "$secs" '
			($txt | capture("Requests/sec:\\s+(?<r>[0-9.]+)").r | tonumber) as $rps
			| ($txt | capture("99%\\s+(?<v>[0-9.]+)(?<u>[um]?s)") | (.v|tonumber) * (if .u=="us" then 0.001 elif .u=="s" then 1000 else 1 end)) as $p99
			| ($w | split(" ") | map(tonumber) | add) as $wrkcpu
			| {throughput_rps: $rps, p99_ms: $p99,
			   server_cpu_cores: ($srv / $hz / $secs), db_cpu_cores: ($db / $hz / $secs), wrk_cpu_cores: ($wrkcpu / $secs),
			   machine_busy_cores: ($busy / $hz / $secs),
			   other_cpu_cores: (($busy - $srv - $db) / $hz / $secs - $wrkcpu / $secs),
			   non_2xx: ($txt | test("Non-2xx"))}' >"$OUT/$name.$k.json"
		cat "$OUT/$name.$k.txt" >&2
		quiet_enough && break
	done
	keep_best
}

for engine in $ENGINES; do
	dbcomm=()
	[[ $engine == postgres ]] && dbcomm=(-db-comm postgres)
	for i in $(seq 1 "$REPEAT"); do
		start_server "$engine" "$engine-$i"
		sleep 3 # idle memory after start-up
		grep -E '^(VmRSS|VmHWM)' /proc/$pid/status | tr -s ' \t' ' ' >"$OUT/$engine-$i-idle.txt"
		load "$engine-$i-consent" -scenario consent
		load "$engine-$i-consent-rate" -scenario consent -rate "${HALF[$engine]}"
		# and at half of what this server just sustained, for its latency
		# when it is not overloaded
		halfmax=$(jq -r '(.throughput_rps / 2 | floor)' "$OUT/$engine-$i-consent.json")
		load "$engine-$i-consent-halfmax" -scenario consent -rate "$halfmax"
		load "$engine-$i-banner" -scenario banner
		if [[ $WRK == 1 ]]; then
			wrkrun "$engine-$i-banner-wrk-gzip" -H 'Accept-Encoding: gzip'
			wrkrun "$engine-$i-banner-wrk-plain"
		fi
		[[ $MIXED == 1 ]] && load "$engine-$i-mixed" -scenario mixed
		# VmHWM is the peak since start, so this is the peak over all runs
		grep -E '^(VmRSS|VmHWM)' /proc/$pid/status | tr -s ' \t' ' ' >"$OUT/$engine-$i-end.txt"
		stop_server
		if [[ $i == "$REPEAT" ]]; then
			# start-up on the database the runs just filled
			"$LOAD" -url "$URL" -startup 7 -- "$CUSTOS" "${serve_args[@]}" | tee "$OUT/$engine-startup.txt" >&2
		fi
		if [[ $engine == postgres ]]; then
			psql -q "$PGURL/postgres" -c "DROP DATABASE IF EXISTS custos_bench_${engine}_$i" || true
		fi
	done
done

# Medians over the repetitions.
med() {
	sort -n | awk 'function p(x) {if (x >= 100 || x <= -100) printf "%.0f\n", x; else printf "%.3g\n", x}
		{a[NR]=$1} END {if (NR==0) print "-"; else if (NR%2) p(a[(NR+1)/2]); else p((a[NR/2]+a[NR/2+1])/2)}'
}
echo
echo "results in $OUT; medians of $REPEAT runs of $D, $C connections:"
for engine in $ENGINES; do
	q() { for f in "$OUT"/$engine-*-"$1".json; do jq -r "$2" "$f"; done | med; }
	echo "$engine:"
	echo "  consent closed loop:      $(q consent .throughput_rps) req/s, p99 $(q consent '.ops[0].latency.p99_ms') ms, server VmHWM $(q consent .server.vmhwm_mb) MB, server $(q consent .server.cpu_cores) cores, generator $(q consent .generator_cpu_cores) cores"
	echo "  consent at ${HALF[$engine]}/s:        $(q consent-rate .throughput_rps) req/s, p50 $(q consent-rate '.ops[0].latency.p50_ms') p90 $(q consent-rate '.ops[0].latency.p90_ms') p99 $(q consent-rate '.ops[0].latency.p99_ms') max $(q consent-rate '.ops[0].latency.max_ms') ms"
	echo "  consent at half the max:  $(q consent-halfmax .target_rate)/s: p50 $(q consent-halfmax '.ops[0].latency.p50_ms') p90 $(q consent-halfmax '.ops[0].latency.p90_ms') p99 $(q consent-halfmax '.ops[0].latency.p99_ms') max $(q consent-halfmax '.ops[0].latency.max_ms') ms"
	echo "  banner closed loop:       $(q banner .throughput_rps) req/s, p99 $(q banner '.ops[0].latency.p99_ms') ms, server $(q banner .server.cpu_cores) cores, generator $(q banner .generator_cpu_cores) cores"
	echo "  consent written to disk:  $(for f in "$OUT"/$engine-*-consent.json; do jq -r '.server.disk_write_mb_per_s * 1000 / .throughput_rps' "$f"; done | med) kB per consent (closed loop, server process)"
	if [[ $WRK == 1 ]]; then
		echo "  banner, wrk, gzip:        $(q banner-wrk-gzip .throughput_rps) req/s, p99 $(q banner-wrk-gzip .p99_ms) ms, server $(q banner-wrk-gzip .server_cpu_cores) cores, wrk $(q banner-wrk-gzip .wrk_cpu_cores) cores"
		echo "  banner, wrk, plain:       $(q banner-wrk-plain .throughput_rps) req/s, p99 $(q banner-wrk-plain .p99_ms) ms, server $(q banner-wrk-plain .server_cpu_cores) cores, wrk $(q banner-wrk-plain .wrk_cpu_cores) cores"
	fi
	[[ $MIXED == 1 ]] && echo "  mixed closed loop:        $(q mixed .throughput_rps) req/s"
	echo "  idle VmRSS after start:   $(for f in "$OUT"/$engine-*-idle.txt; do awk '/VmRSS/ {print $2/1024}' "$f"; done | med) MB"
	echo "  peak VmHWM over the runs: $(for f in "$OUT"/$engine-*-end.txt; do awk '/VmHWM/ {print $2/1024}' "$f"; done | med) MB"
	echo "  other processes' CPU:     $(for f in "$OUT"/$engine-*.json; do [[ $f =~ \.[0-9]+\.json$ ]] || jq -r '.other_cpu_cores // empty' "$f"; done | sort -n | awk 'NR==1 {lo=$1} {hi=$1} END {print lo " to " hi}') cores during the kept runs"
	grep median "$OUT/$engine-startup.txt" | sed 's/^ */  start-up /'
done
