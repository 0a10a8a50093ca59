#!/usr/bin/env bash
# Memory and latency of serving many runs at once (model=<runId>), on this tree's Release build:
#   - trains RUNS runs of the default model (one sweep over seeds, 1 epoch on a 1,024-image slice);
#   - resident memory (VmRSS) with only the serving model, then after each further model is loaded
#     with GET /samples?model=…, with Vae:Serving:CachedModels = CACHED (default 10);
#   - the same ten models asked for round and round (ROUNDS times): memory stays where it was;
#   - GET /samples?n=16 latency: a model loaded from its checkpoint (cache miss) vs one already held
#     vs the serving model (the baseline, same run), median of the requests.
#
#   bench/model-cache.sh                 10 models held
#   CACHED=4 bench/model-cache.sh        the bound at work: ten asked for, four held
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RUNS="${RUNS:-11}"
CACHED="${CACHED:-10}"
ROUNDS="${ROUNDS:-3}"
PORT="${PORT:-$((20000 + RANDOM % 20000))}"
URL="http://127.0.0.1:$PORT"
STATE="$(mktemp -d -t vaeweb-models-XXXXXX)"
LOG="$STATE/service.log"

dotnet build "$ROOT/src/VaeWeb" -c Release -v quiet -nologo >/dev/null || { echo "the Release build failed"; exit 1; }
cleanup() {
  [[ -n "${PID:-}" ]] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  rm -rf "$STATE"
}
trap cleanup EXIT

(cd "$ROOT" && ASPNETCORE_ENVIRONMENT=Production \
  Vae__StateDirectory="$STATE/state" Vae__Training__AutoStart=false Vae__Judge__Enabled=false \
  Vae__Datasets__mnist__TrainLimit=1024 Vae__Datasets__mnist__TestLimit=256 \
  Vae__Serving__CachedModels="$CACHED" \
  exec dotnet src/VaeWeb/bin/Release/net10.0/VaeWeb.dll --urls "$URL" >"$LOG" 2>&1) &
PID=$!
for _ in $(seq 1 600); do curl -fs "$URL/healthz" >/dev/null 2>&1 && break; sleep 0.5; done
curl -fs "$URL/healthz" >/dev/null || { echo "the service did not come up:"; tail -20 "$LOG"; exit 1; }
# The service's own process: dotnet execs the app, so the PID is the server.
SERVER_PID="$PID"

rss_mb() { awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$SERVER_PID/status"; }
held() { curl -fs "$URL/metrics" | awk '/^vaeweb_models_cached / { print $2 }'; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

SEEDS="$(python3 -c "print(','.join(str(i) for i in range(1, $RUNS + 1)))")"
SWEEP="$(curl -fs -X POST "$URL/sweeps" -H 'Content-Type: application/json' \
  -d "{\"base\": {\"epochs\": 1}, \"grid\": {\"seed\": [$SEEDS]}}" | json 'd["sweepId"]')"
for _ in $(seq 1 1200); do
  FINISHED="$(curl -fs "$URL/sweeps/$SWEEP" | json 'd["finished"]')"
  [[ "$FINISHED" == "$RUNS" ]] && break
  sleep 1
done
[[ "$FINISHED" == "$RUNS" ]] || { echo "the sweep did not finish"; exit 1; }
mapfile -t IDS < <(curl -fs "$URL/sweeps/$SWEEP" | json '"\n".join(r["runId"] for r in d["runs"])')
SERVING="$(curl -fs "$URL/serving" | json 'd["serving"]')"
OTHERS=()
for id in "${IDS[@]}"; do [[ "$SERVING" == "$id".* ]] || OTHERS+=("$id"); done

time_ms() { curl -fs -o /dev/null -w '%{time_total}\n' "$1" | awk '{ printf "%.1f", $1 * 1000 }'; }
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

sleep 2
echo "## Serving many runs: resident memory and latency"
echo
FLAGS="$(grep -m1 '^flags' /proc/cpuinfo)"
has() { [[ "$FLAGS" == *" $1"* ]] && echo yes || echo no; }
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), family $(grep -m1 '^cpu family' /proc/cpuinfo | awk '{ print $NF }'), $(nproc) cores, avx512_bf16 $(has avx512_bf16), amx_bf16 $(has amx_bf16); Vae:Serving:CachedModels = $CACHED; $RUNS runs of the default model (latent 64)"
echo
echo "| models held besides the serving one | resident memory (MB) |"
echo "|---|---|"
echo "| 0 | $(rss_mb) |"
COLD=()
for i in "${!OTHERS[@]}"; do
  [[ $i -lt 10 ]] || break
  COLD+=("$(time_ms "$URL/samples?n=16&seed=1&model=${OTHERS[$i]}")")
  echo "| $((i + 1)) asked for, $(held) held (vaeweb_models_cached) | $(rss_mb) |"
done
for _ in $(seq 1 "$ROUNDS"); do
  for i in "${!OTHERS[@]}"; do
    [[ $i -lt 10 ]] || break
    curl -fs -o /dev/null "$URL/samples?n=16&seed=2&model=${OTHERS[$i]}"
  done
done
echo "| the same 10, asked for $ROUNDS more times each, $(held) held | $(rss_mb) |"
echo
HIT=(); BASE=()
for seed in $(seq 10 30); do
  HIT+=("$(time_ms "$URL/samples?n=16&seed=$seed&model=${OTHERS[0]}")")
  BASE+=("$(time_ms "$URL/samples?n=16&seed=$seed")")
done
cold="$(printf '%s\n' "${COLD[@]}" | median)"
hit="$(printf '%s\n' "${HIT[@]}" | median)"
base="$(printf '%s\n' "${BASE[@]}" | median)"
echo "| GET /samples?n=16, fresh seeds | median ms | ratio to the serving model |"
echo "|---|---|---|"
echo "| serving model (baseline) | $base | 1.00 |"
echo "| model= held in the cache | $hit | $(awk -v a="$hit" -v b="$base" 'BEGIN { printf "%.2f", a / b }') |"
echo "| model= first request (verify + load, ${#COLD[@]} models) | $cold | $(awk -v a="$cold" -v b="$base" 'BEGIN { printf "%.2f", a / b }') |"
