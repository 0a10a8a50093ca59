#!/usr/bin/env bash
# Checks and measures the scale-out topology of deploy/local on loopback, bounded in time (3-6
# minutes; --quick 1-3, most of it the build): one trainer, two serve-only replicas (run as a user who cannot write
# the state directory when started as root), nginx in front.
#
#   1. follow:     the trainer trains EPOCHS epochs; each replica must serve every new version within
#                  MAX_DELAY seconds of the trainer writing its checkpoint (median and max printed).
#   2. kill:       KILL_SECONDS of 8-connection GET /samples?n=16 load through nginx; a third of the
#                  way in one replica gets SIGKILL, two thirds in it is started again. Clients must
#                  see 0 5xx and 0 socket errors.
#   3. throughput: LOAD_SECONDS of the same load through nginx with 2 replicas, then with 1;
#                  requests/s, per replica, per core; the CPU the replicas and nginx used, and how
#                  busy the whole machine was (other work on it takes cores from the replicas).
#
# Needs nginx, wrk and curl (apt-get install -y nginx-light wrk curl). Exit 1 when a check fails.
#   deploy/local/check.sh            # EPOCHS=10 KILL_SECONDS=30 LOAD_SECONDS=20
#   deploy/local/check.sh --quick    # EPOCHS=3  KILL_SECONDS=12 LOAD_SECONDS=5 (CI)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

if [[ "${1:-}" == "--quick" ]]; then
  EPOCHS="${EPOCHS:-3}" KILL_SECONDS="${KILL_SECONDS:-12}" LOAD_SECONDS="${LOAD_SECONDS:-5}"
fi
EPOCHS="${EPOCHS:-10}"
KILL_SECONDS="${KILL_SECONDS:-30}"
LOAD_SECONDS="${LOAD_SECONDS:-20}"
MAX_DELAY="${MAX_DELAY:-5}"
CONNECTIONS="${CONNECTIONS:-8}"
need wrk wrk
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

trap 'down; [[ -n "${KEEP:-}" ]] || rm -rf "$RUN_DIR"' EXIT
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; run folder $RUN_DIR"
up

# --- 1. follow ---------------------------------------------------------------------------------
echo
echo "== 1. publish -> every replica serving ($EPOCHS epochs on $TRAIN_LIMIT images, replicas poll every $FOLLOW_INTERVAL)"
code="$(curl -s -o "$RUN_DIR/train.json" -w '%{http_code}' -X POST "$LB/train" -H 'Content-Type: application/json' \
  -d "{\"dataset\":\"slice\",\"epochs\":$EPOCHS,\"seed\":1}")"
[[ "$code" == 202 ]] || { cat "$RUN_DIR/train.json"; fail "POST /train through nginx answered $code, not 202"; exit 1; }
run_id="$(sed -n 's/.*"runId":"\([^"]*\)".*/\1/p' "$RUN_DIR/train.json")"
echo "run $run_id started through the balancer (routed to the trainer)"
final="$run_id.e$EPOCHS"
deadline=$((SECONDS + 60 + EPOCHS * 20))
until [[ "$(model_version "http://127.0.0.1:${REPLICA_PORTS[0]}")" == "$final" && "$(model_version "http://127.0.0.1:${REPLICA_PORTS[1]}")" == "$final" ]]; do
  ((SECONDS < deadline)) || { fail "the replicas did not reach $final in time"; break; }
  sleep 0.5
done

# Each replica logs "Now serving <version>, <ms> ms after the trainer wrote its manifest"; an epoch's
# delay is the slowest replica's.
for i in "${!REPLICA_PORTS[@]}"; do
  sed -n "s/.*Now serving \($run_id\.e[0-9]*\), \([0-9]*\) ms after.*/\1 \2/p" "$RUN_DIR/replica$i.log" | sed "s/^/$i /"
done >"$RUN_DIR/delays.txt"
# (awk without gawk's asort: mawk is Debian's default.)
awk -v replicas="${#REPLICA_PORTS[@]}" '{ n[$2]++; if ($3 > worst[$2]) worst[$2] = $3 } END { for (v in n) if (n[v] == replicas) print worst[v] }' \
  "$RUN_DIR/delays.txt" | sort -n >"$RUN_DIR/epoch-delays.txt"
awk -v epochs="$EPOCHS" -v limit="$MAX_DELAY" '
  { d[NR] = $1 }
  END {
    if (NR == 0) { print "RESULT follow epochs_seen_by_all=0"; exit 1 }
    median = (NR % 2) ? d[(NR + 1) / 2] : (d[NR / 2] + d[NR / 2 + 1]) / 2
    printf "RESULT follow epochs_seen_by_all=%d/%d delay_median_ms=%.0f delay_max_ms=%.0f\n", NR, epochs, median, d[NR]
    if (d[NR] > limit * 1000) exit 2
  }' "$RUN_DIR/epoch-delays.txt" || fail "publish -> all replicas serving took longer than $MAX_DELAY s, or no epoch reached every replica"
for port in "${REPLICA_PORTS[@]}"; do
  runs_epochs="$(curl -s "http://127.0.0.1:$port/runs/$run_id" | grep -o '"epoch":' | wc -l)"
  echo "replica :$port serves $(model_version "http://127.0.0.1:$port"); GET /runs/$run_id lists $runs_epochs epochs"
  [[ "$runs_epochs" == "$EPOCHS" ]] || fail "replica :$port history has $runs_epochs epochs, not $EPOCHS"
done
if [[ -n "$(replica_user)" ]]; then
  echo "replicas ran as uid 65534, which may not write the state directory ($(stat -c '%A %U' "$STATE"))"
  ! grep -qi "denied\|read-only" "$RUN_DIR"/replica*.log || fail "a replica tried to write: $(grep -hi 'denied\|read-only' "$RUN_DIR"/replica*.log | head -1)"
fi

# --- 2. kill a replica under load --------------------------------------------------------------
echo
echo "== 2. SIGKILL of a replica under ${CONNECTIONS}-connection GET load through nginx (${KILL_SECONDS}s)"
: >"$RUN_DIR/nginx-access.log"
wrk -t2 -c"$CONNECTIONS" -d"${KILL_SECONDS}s" --timeout 30s --latency -s "$ROOT/bench/load-samples.lua" "$LB/samples?n=16" >"$RUN_DIR/wrk-kill.txt" &
wrk_pid=$!
sleep $((KILL_SECONDS / 3))
victim="$(pid_of replica1)"
kill -KILL "$victim"
echo "t=$((KILL_SECONDS / 3))s: SIGKILL replica1 (pid $victim)"
sleep $((KILL_SECONDS / 3))
start_replica 1
echo "t=$((2 * KILL_SECONDS / 3))s: replica1 started again"
wait "$wrk_pid" || true
grep RESULT "$RUN_DIR/wrk-kill.txt" | sed 's/^RESULT /RESULT kill /'
grep -q "status_5xx=0 " "$RUN_DIR/wrk-kill.txt" || fail "clients saw 5xx while a replica was killed"
grep -q "connect=0 read=0 write=0 timeout=0" "$RUN_DIR/wrk-kill.txt" || fail "clients saw socket errors while a replica was killed"
retried="$(grep -c 'upstream=\[[^]]*, ' "$RUN_DIR/nginx-access.log" || true)"
echo "RESULT kill requests_nginx_retried_on_the_other_replica=$retried"
wait_for "http://127.0.0.1:${REPLICA_PORTS[1]}/readyz" 60 || fail "replica1 did not come back"

# --- 3. throughput with 2 and 1 replicas ---------------------------------------------------------
echo
echo "== 3. /samples?n=16 through nginx, $CONNECTIONS connections, ${LOAD_SECONDS}s each (training idle)"
measure() {
  local label="$1" replicas="$2"
  local pids=() before=() after=() total=0
  for ((i = 0; i < replicas; i++)); do pids+=("$(pid_of "replica$i")"); done
  pids+=("$(cat "$RUN_DIR/nginx.pid")")
  curl -s -o /dev/null "$LB/samples?n=16"
  local workers
  workers="$(pgrep -P "$(cat "$RUN_DIR/nginx.pid")" | tr '\n' ' ')"
  read -r -a workers_a <<<"$workers"
  pids+=("${workers_a[@]}")
  for p in "${pids[@]}"; do before+=("$(cpu_seconds "$p")"); done
  local machine_before machine_after
  machine_before="$(machine_cpu)"
  wrk -t2 -c"$CONNECTIONS" -d"${LOAD_SECONDS}s" --timeout 30s --latency -s "$ROOT/bench/load-samples.lua" "$LB/samples?n=16" >"$RUN_DIR/wrk-$label.txt"
  machine_after="$(machine_cpu)"
  for p in "${pids[@]}"; do after+=("$(cpu_seconds "$p")"); done
  local nginx_cpu=0
  for i in "${!pids[@]}"; do
    if ((i < replicas)); then
      total="$(awk -v t="$total" -v a="${after[$i]}" -v b="${before[$i]}" 'BEGIN { print t + a - b }')"
    else
      nginx_cpu="$(awk -v t="$nginx_cpu" -v a="${after[$i]}" -v b="${before[$i]}" 'BEGIN { print t + a - b }')"
    fi
  done
  local rps requests rss=""
  rps="$(sed -n 's/.*rps=\([0-9.]*\).*/\1/p' "$RUN_DIR/wrk-$label.txt")"
  requests="$(sed -n 's/.*requests=\([0-9]*\) .*/\1/p' "$RUN_DIR/wrk-$label.txt")"
  for ((i = 0; i < replicas; i++)); do rss+="$(rss_mb "${pids[$i]}")MB,"; done
  awk -v label="$label" -v r="$replicas" -v rps="$rps" -v n="$requests" -v cpu="$total" -v ngx="$nginx_cpu" -v cores="$(nproc)" -v secs="$LOAD_SECONDS" -v rss="${rss%,}" \
    -v mb="$machine_before" -v ma="$machine_after" -v load="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN {
    split(mb, b, " "); split(ma, a, " "); busy = (a[1] - b[1]) / (a[2] - b[2])
    printf "RESULT throughput %s replicas=%d rps=%.1f rps_per_replica=%.1f rps_per_core=%.1f rss=%s\n", label, r, rps, rps / r, rps / cores, rss
    printf "RESULT throughput %s replica_cpu_ms_per_request=%.1f cpu_bound_ceiling_rps_per_core=%.0f replicas_used_cores=%.2f nginx_used_cores=%.2f machine_busy=%.0f%% loadavg=%s\n",
      label, 1000 * cpu / n, n / cpu, cpu / secs, ngx / secs, 100 * busy, load }'
  grep RESULT "$RUN_DIR/wrk-$label.txt" | grep -v rps= | sed "s/^RESULT /RESULT throughput $label /"
  grep -q "status_5xx=0 " "$RUN_DIR/wrk-$label.txt" || fail "5xx in the $label measurement"
}
measure two 2
reload_nginx 1
measure one 1
echo "trainer: $(rss_mb "$(pid_of trainer)") MB resident; replicas: $(for i in "${!REPLICA_PORTS[@]}"; do echo -n "$(rss_mb "$(pid_of "replica$i")") MB "; done)"

echo
if ((failures > 0)); then
  echo "$failures check(s) failed; logs in $RUN_DIR (KEEP=1 keeps it)"
  exit 1
fi
echo "all scale-out checks passed"
