#!/usr/bin/env bash
# Bounded load on GET /samples?n=16 while the service trains: 32 connections for 60 s against
# loopback only. Prints requests served, p50/p99, 5xx and socket errors, and the service's
# resident memory before and after. Needs wrk (Debian package "wrk") and a built VaeWeb.
#
#   bench/load-samples.sh            # Release build, 32 connections, 60 s
#   CONNECTIONS=8 DURATION=20 bench/load-samples.sh
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CONNECTIONS="${CONNECTIONS:-32}"
DURATION="${DURATION:-60}"
THREADS="${THREADS:-2}"
PORT="${PORT:-$((20000 + RANDOM % 20000))}"
CONFIGURATION="${CONFIGURATION:-Release}"
# A 2,048-image slice of the embedded MNIST so the first model is served within seconds and
# training keeps running (many short epochs) for the whole measurement.
TRAIN_LIMIT="${TRAIN_LIMIT:-2048}"

command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)" >&2; exit 2; }

dotnet build "$ROOT/src/VaeWeb/VaeWeb.csproj" -c "$CONFIGURATION" -v quiet -nologo >/dev/null
APP_DIR="$ROOT/src/VaeWeb/bin/$CONFIGURATION/net10.0"
STATE="$(mktemp -d -t vaeweb-load-XXXXXX)"
LOG="$STATE/service.log"

cleanup() {
  if [[ -n "${PID:-}" ]] && kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
  fi
  rm -rf "$STATE"
}
trap cleanup EXIT

rss_mb() { awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }

(
  cd "$APP_DIR"
  export ASPNETCORE_ENVIRONMENT=Production Vae__StateDirectory="$STATE/state" \
    Vae__Training__AutoStart=true Vae__Training__Epochs=1000 \
    Vae__Datasets__mnist__TrainLimit="$TRAIN_LIMIT" Logging__LogLevel__Default=Warning
  exec dotnet VaeWeb.dll --urls "http://127.0.0.1:$PORT"
) >"$LOG" 2>&1 &
PID=$!

echo "waiting for the first model (readyz) on 127.0.0.1:$PORT ..."
for _ in $(seq 1 600); do
  if curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; then break; fi
  kill -0 "$PID" 2>/dev/null || { cat "$LOG"; exit 1; }
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null || { echo "service never became ready" >&2; exit 1; }

# Warm up (JIT, first allocations) so "before" is the settled footprint.
for _ in $(seq 1 20); do curl -fsS -o /dev/null "http://127.0.0.1:$PORT/samples?n=16"; done
TRAIN_BEFORE="$(curl -fsS "http://127.0.0.1:$PORT/train")"
RSS_BEFORE="$(rss_mb "$PID")"

echo "wrk: $CONNECTIONS connections, $THREADS threads, ${DURATION}s on /samples?n=16 while training"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 30s --latency \
  -s "$ROOT/bench/load-samples.lua" "http://127.0.0.1:$PORT/samples?n=16" | tee "$STATE/wrk.txt"

RSS_AFTER="$(rss_mb "$PID")"
TRAIN_AFTER="$(curl -fsS "http://127.0.0.1:$PORT/train")"
echo
echo "RESULT rss_before_mb=$RSS_BEFORE rss_after_mb=$RSS_AFTER"
summary() { python3 -c 'import json,sys; s=json.load(sys.stdin); print("state=%s epoch=%s model=%s" % (s["state"], s["epoch"], s.get("modelVersion")))'; }
echo "RESULT training_before: $(echo "$TRAIN_BEFORE" | summary)"
echo "RESULT training_after:  $(echo "$TRAIN_AFTER" | summary)"
grep -q "status_5xx=0 " "$STATE/wrk.txt" || { echo "FAIL: 5xx answers" >&2; exit 1; }
grep -q "connect=0 read=0 write=0 timeout=0" "$STATE/wrk.txt" || { echo "FAIL: socket errors" >&2; exit 1; }
