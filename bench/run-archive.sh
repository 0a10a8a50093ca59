#!/usr/bin/env bash
# Moving a run between machines, measured: instance A (Release, empty state directory) trains the default
# model for a few epochs on the embedded MNIST; its run is exported 3 times, then imported 3 times, each
# into a fresh instance B with an empty state directory; every B must answer GET /samples?n=8&seed=3 with
# the bytes A gave. Prints the CPU, the export's size, and the median (and each) time of export and import.
# Usage: bench/run-archive.sh [epochs] [port]
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=${1:-4}
port=${2:-5391}
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT

dotnet build -c Release src/VaeWeb >/dev/null
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"

start() { # state port: a service with that state directory answering on that port; its pid in $started
  Vae__StateDirectory="$1" Vae__Training__AutoStart=false dotnet src/VaeWeb/bin/Release/net10.0/VaeWeb.dll --urls "http://127.0.0.1:$2" >"$1.log" 2>&1 &
  started=$!
  pids+=("$started")
  until curl -sf -o /dev/null "http://127.0.0.1:$2/healthz"; do sleep 0.2; done
}
median() { python3 -c "import statistics,sys; v=[float(x) for x in sys.argv[1:]]; print(f'{statistics.median(v):.3f} s (runs: ' + ', '.join(f'{x:.3f}' for x in v) + ')')" "$@"; }

a="http://127.0.0.1:$port"
start "$work/a" "$port"
curl -sf -X POST "$a/train" -H 'Content-Type: application/json' -d "{\"epochs\": $epochs, \"seed\": 0}" >/dev/null
until [ "$(curl -sf "$a/train" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')" = "completed" ]; do sleep 1; done
run=$(curl -sf "$a/train" | python3 -c 'import json,sys; print(json.load(sys.stdin)["runId"])')
curl -sf -D "$work/a.headers" -o "$work/a.png" "$a/samples?n=8&seed=3"
echo "run $run: $epochs epochs of the default model, $(ls "$work/a/checkpoints/$run"/*.manifest.json | wc -l) checkpoints kept"

exports=()
for i in 1 2 3; do
  exports+=("$(curl -sf -o "$work/run.zip" -w '%{time_total}' "$a/runs/$run/export")")
done
unpacked=$(du -cb "$work/a/checkpoints/$run"/* | tail -1 | cut -f1)
echo "export: $(stat -c %s "$work/run.zip") bytes ($unpacked bytes of checkpoint files); time $(median "${exports[@]}")"
# Baseline in the same run: reading and hashing the same checkpoint files once (sha256sum), no HTTP.
hashes=()
for i in 1 2 3; do
  hashes+=("$(python3 -c "import subprocess,time,glob; t=time.perf_counter(); subprocess.run(['sha256sum', *glob.glob('$work/a/checkpoints/$run/*')], capture_output=True, check=True); print(time.perf_counter()-t)")")
done
echo "baseline, sha256sum of the run's checkpoint files: $(median "${hashes[@]}")"

imports=()
for i in 1 2 3; do
  b_port=$((port + i))
  start "$work/b$i" "$b_port"
  pid_b=$started
  imports+=("$(curl -sf -o /dev/null -w '%{time_total}' -X POST "http://127.0.0.1:$b_port/runs/import" --data-binary @"$work/run.zip" -H 'Content-Type: application/zip')")
  curl -sf -D "$work/b.headers" -o "$work/b.png" "http://127.0.0.1:$b_port/samples?n=8&seed=3"
  if cmp -s "$work/a.png" "$work/b.png"; then same=identical; else same=DIFFERENT; fi
  echo "instance B$i: samples?n=8&seed=3 $same ($(stat -c %s "$work/b.png") bytes), X-Model-Version A $(grep -i x-model-version "$work/a.headers" | tr -d '\r' | cut -d' ' -f2) / B $(grep -i x-model-version "$work/b.headers" | tr -d '\r' | cut -d' ' -f2)"
  kill "$pid_b"; wait "$pid_b" 2>/dev/null || true
done
echo "import: time $(median "${imports[@]}")"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
