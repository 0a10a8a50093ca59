#!/usr/bin/env bash
# Image figures of the real service on loopback, for one build or several side by side:
#   - GET /samples?n=16 (PNG) requests/s at 8 connections, model idle (training off), wrk;
#   - POST /encode latency for a 28×28 PNG and a 1024×1024 JPEG photo of a digit;
#   - the upload soak: the crafted-file corpus (tests/VaeWeb.Tests/Imaging/CraftedFiles.cs) sent
#     round and round, 4 at a time, with the service's resident memory before, every 500 uploads,
#     after 2,000 and after 10 s idle. Any 5xx fails the script.
#
#   bench/uploads.sh                                   this tree's Release build
#   bench/uploads.sh OLD/VaeWeb.dll NEW/VaeWeb.dll     two builds, measured interleaved
#   ROUNDS=3 DURATION=10 REQUESTS=200 UPLOADS=2000 SKIP_SOAK=1 bench/uploads.sh …
#
# With several builds they all run at once, each trained for one epoch first (one after the other),
# and every figure alternates between them: wrk windows take turns (ROUNDS of each, median kept) and
# latency requests go to each build in turn, so a shared machine's load falls on all of them alike.
# The client side is always this tree's bench. Needs wrk (Debian package "wrk").
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-10}"
REQUESTS="${REQUESTS:-200}"
UPLOADS="${UPLOADS:-2000}"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)" >&2; exit 2; }

dotnet build "$ROOT/bench/VaeWeb.Bench" -c Release -v quiet -nologo >/dev/null
BENCH="$ROOT/bench/VaeWeb.Bench/bin/Release/net10.0/VaeWeb.Bench.dll"
DLLS=("$@")
[[ ${#DLLS[@]} -gt 0 ]] || DLLS=("$ROOT/src/VaeWeb/bin/Release/net10.0/VaeWeb.dll")
STATE="$(mktemp -d -t vaeweb-uploads-XXXXXX)"
BASE_PORT="${PORT:-$((20000 + RANDOM % 20000))}"
PIDS=()
URLS=()

cleanup() {
  for pid in "${PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$STATE"
}
trap cleanup EXIT

train_state() { curl -fsS "$1/train" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])'; }

for i in "${!DLLS[@]}"; do
  dll="${DLLS[$i]}"
  [[ -f "$dll" ]] || { echo "no service build at $dll" >&2; exit 2; }
  url="http://127.0.0.1:$((BASE_PORT + i))"
  mkdir -p "$STATE/$i"
  (
    cd "$(dirname "$dll")"
    export ASPNETCORE_ENVIRONMENT=Production Vae__StateDirectory="$STATE/$i/state" Vae__Training__AutoStart=false \
      Logging__LogLevel__Default=Warning
    exec dotnet "$(basename "$dll")" --urls "$url"
  ) >"$STATE/$i/service.log" 2>&1 &
  PIDS+=($!)
  URLS+=("$url")
  for _ in $(seq 1 600); do
    curl -fsS "$url/healthz" >/dev/null 2>&1 && break
    kill -0 "${PIDS[$i]}" 2>/dev/null || { cat "$STATE/$i/service.log"; exit 1; }
    sleep 0.5
  done
  # One epoch of the reference model on the embedded digits, then the model is idle.
  curl -fsS -X POST "$url/train" -H 'Content-Type: application/json' -d '{"epochs": 1, "dataset": "mnist", "seed": 0}' >/dev/null
  for _ in $(seq 1 1800); do
    state="$(train_state "$url")"
    [[ "$state" == "completed" ]] && break
    [[ "$state" == "failed" ]] && { echo "training failed" >&2; cat "$STATE/$i/service.log"; exit 1; }
    sleep 0.5
  done
  for _ in $(seq 1 50); do curl -fsS -o /dev/null "$url/samples?n=16"; done
  echo "build $i: $dll (pid ${PIDS[$i]}, $url)"
done
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"

for round in $(seq 1 "$ROUNDS"); do
  for i in "${!URLS[@]}"; do
    wrk -t1 -c8 -d"${DURATION}s" --latency "${URLS[$i]}/samples?n=16" >"$STATE/$i/wrk-$round.txt"
    if grep -q "Non-2xx" "$STATE/$i/wrk-$round.txt"; then grep "Non-2xx" "$STATE/$i/wrk-$round.txt"; exit 1; fi
  done
done
for i in "${!URLS[@]}"; do
  rates="$(awk '/Requests\/sec/ { print $2 }' "$STATE/$i"/wrk-*.txt | sort -n | tr '\n' ' ')"
  median="$(echo "$rates" | tr ' ' '\n' | grep . | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')"
  echo "RESULT build $i: GET /samples?n=16, 8 connections, model idle: median $median req/s (windows: $rates)"
done

dotnet "$BENCH" --upload-latency --url "$(IFS=,; echo "${URLS[*]}")" --requests "$REQUESTS"
echo "load average $(cut -d' ' -f1-3 /proc/loadavg)"

if [[ -z "${SKIP_SOAK:-}" ]]; then
  for i in "${!URLS[@]}"; do
    echo "soak, build $i:"
    dotnet "$BENCH" --upload-soak --url "${URLS[$i]}" --pid "${PIDS[$i]}" --uploads "$UPLOADS" || echo "RESULT build $i answered 5xx"
  done
fi
