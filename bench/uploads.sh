#!/usr/bin/env bash
# Image figures of the real service on loopback, for one build of it:
#   - GET /samples?n=16 (PNG) requests/s at 8 connections, model idle (training off), wrk;
#   - POST /encode latency for a 28×28 PNG and a 1024×1024 JPEG photo of a digit (median of 200);
#   - the upload soak: the crafted-file corpus (tests/VaeWeb.Tests/Imaging/CraftedFiles.cs) sent
#     round and round, 4 at a time, with the service's resident memory before, every 500 uploads,
#     after 2,000 and after 10 s idle. Any 5xx fails the script.
#
#   bench/uploads.sh [path/to/VaeWeb.dll]     default: this tree's Release build
#   DURATION=10 REQUESTS=200 UPLOADS=2000 SKIP_SOAK=1 bench/uploads.sh
#
# Pass another build's VaeWeb.dll to measure it with the same files and the same load (the client
# side is always this tree's bench). Needs wrk (Debian package "wrk").
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DURATION="${DURATION:-10}"
REQUESTS="${REQUESTS:-200}"
UPLOADS="${UPLOADS:-2000}"
PORT="${PORT:-$((20000 + RANDOM % 20000))}"
BASE="http://127.0.0.1:$PORT"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)" >&2; exit 2; }

dotnet build "$ROOT/bench/VaeWeb.Bench" -c Release -v quiet -nologo >/dev/null
BENCH="$ROOT/bench/VaeWeb.Bench/bin/Release/net10.0/VaeWeb.Bench.dll"
DLL="${1:-$ROOT/src/VaeWeb/bin/Release/net10.0/VaeWeb.dll}"
[[ -f "$DLL" ]] || { echo "no service build at $DLL" >&2; exit 2; }
STATE="$(mktemp -d -t vaeweb-uploads-XXXXXX)"

cleanup() {
  if [[ -n "${PID:-}" ]] && kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
  fi
  rm -rf "$STATE"
}
trap cleanup EXIT

(
  cd "$(dirname "$DLL")"
  export ASPNETCORE_ENVIRONMENT=Production Vae__StateDirectory="$STATE/state" Vae__Training__AutoStart=false \
    Logging__LogLevel__Default=Warning
  exec dotnet "$(basename "$DLL")" --urls "$BASE"
) >"$STATE/service.log" 2>&1 &
PID=$!

for _ in $(seq 1 600); do
  curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
  kill -0 "$PID" 2>/dev/null || { cat "$STATE/service.log"; exit 1; }
  sleep 0.5
done

# One epoch of the reference model on the embedded digits, then the model is idle.
curl -fsS -X POST "$BASE/train" -H 'Content-Type: application/json' -d '{"epochs": 1, "dataset": "mnist", "seed": 0}' >/dev/null
for _ in $(seq 1 1800); do
  state="$(curl -fsS "$BASE/train" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')"
  [[ "$state" == "completed" ]] && break
  [[ "$state" == "failed" ]] && { echo "training failed" >&2; cat "$STATE/service.log"; exit 1; }
  sleep 0.5
done

echo "service: $DLL (pid $PID); CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) CPUs"
for _ in $(seq 1 50); do curl -fsS -o /dev/null "$BASE/samples?n=16"; done
rps="$(wrk -t1 -c8 -d"${DURATION}s" --latency "$BASE/samples?n=16" | tee "$STATE/wrk.txt" | awk '/Requests\/sec/ { print $2 }')"
p50="$(awk '$1 == "50%" { print $2 }' "$STATE/wrk.txt")"
echo "RESULT GET /samples?n=16, 8 connections, model idle: $rps req/s (p50 $p50)"
grep -q "Non-2xx" "$STATE/wrk.txt" && { grep "Non-2xx" "$STATE/wrk.txt"; exit 1; }

dotnet "$BENCH" --upload-latency --url "$BASE" --requests "$REQUESTS"
if [[ -z "${SKIP_SOAK:-}" ]]; then
  dotnet "$BENCH" --upload-soak --url "$BASE" --pid "$PID" --uploads "$UPLOADS"
fi
