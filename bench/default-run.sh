#!/usr/bin/env bash
# The full default run of issue 2, measured: starts the service (Release) on a loopback port with an empty
# state directory, lets it train the reference model (30 epochs, seed 0, embedded MNIST) on its own, times
# 200 sequential GET /samples?n=16 while it trains, and prints the final test loss parts, wall time and
# training images/s. Usage: [PRECISION=fp32|bf16] bench/default-run.sh [port]
set -euo pipefail
cd "$(dirname "$0")/.."
port=${1:-5097}
state=$(mktemp -d)
log=$(mktemp)
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$state" "$log"' EXIT

dotnet build -c Release src/VaeWeb >/dev/null
start=$(date +%s.%N)
echo "precision: ${PRECISION:-fp32}"
Vae__Training__Precision="${PRECISION:-fp32}" Vae__StateDirectory="$state" dotnet src/VaeWeb/bin/Release/net10.0/VaeWeb.dll --urls "http://127.0.0.1:$port" >"$log" 2>&1 &
pid=$!

status() { curl -sf "http://127.0.0.1:$port/train" || true; }
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print(d.get('$1'))"; }

until [ "$(status | field state 2>/dev/null)" = "running" ]; do sleep 0.2; done
echo "training running after $(python3 -c "print(round($(date +%s.%N) - $start, 1))") s"
until curl -sf -o /dev/null "http://127.0.0.1:$port/samples?n=16&seed=1"; do sleep 0.5; done
echo "first /samples PNG after $(python3 -c "print(round($(date +%s.%N) - $start, 1))") s"

times=$(mktemp)
for i in $(seq 200); do
  curl -s -o /dev/null -w '%{http_code} %{time_total}\n' "http://127.0.0.1:$port/samples?n=16&seed=$i" >>"$times"
done
python3 - "$times" <<'PY'
import sys, statistics
rows = [l.split() for l in open(sys.argv[1])]
ok = [float(t) * 1000 for c, t in rows if c == "200"]
ok.sort()
p = lambda q: ok[min(len(ok) - 1, int(q * len(ok)))]
print(f"/samples?n=16 while training: {len(ok)}/{len(rows)} ok, p50 {p(0.5):.1f} ms, p99 {p(0.99):.1f} ms, max {ok[-1]:.1f} ms")
PY
rm -f "$times"

until [ "$(status | field state)" = "completed" ]; do sleep 2; done
end=$(date +%s.%N)
status | python3 -c "
import json, sys
d = json.load(sys.stdin)
print(f\"final: epoch {d['epoch']}/{d['epochs']}, test loss {d['testLoss']:.3f} (reconstruction {d['testReconstruction']:.3f}, KL {d['testKl']:.3f}), train loss {d['loss']:.3f}\")
"
run=$(status | field runId)
curl -s "http://127.0.0.1:$port/runs/$run" | python3 -c "
import json, sys, statistics
d = json.load(sys.stdin)
e = d['epochs']
secs = sum(x['seconds'] for x in e)
print(f\"epochs: {len(e)}, training+eval time {secs:.1f} s, images/s per epoch median {statistics.median(x['imagesPerSecond'] for x in e):.0f} (min {min(x['imagesPerSecond'] for x in e):.0f}, max {max(x['imagesPerSecond'] for x in e):.0f})\")
print('test loss per epoch: ' + ', '.join(f\"{x['testLoss']:.2f}\" for x in e))
print('train loss per epoch: ' + ', '.join(f\"{x['loss']:.2f}\" for x in e))
"
echo "wall time from process start to completed: $(python3 -c "print(round($end - $start, 1))") s"

# The model's bound on the test split (k = 100 importance samples) and its active latent units.
curl -s -X POST -H 'Content-Type: application/json' -d '{"k":100}' "http://127.0.0.1:$port/evaluate" | python3 -c "
import json, sys
d = json.load(sys.stdin)
print(f\"test -ELBO {d['negativeElbo']:.2f} nats, IWAE_{d['k']} {d['iwae']:.2f} ± {d['iwaeStandardError']:.2f} nats ({d['images']} images, {d['seconds']:.1f} s)\")
"
curl -s "http://127.0.0.1:$port/model" | python3 -c "
import json, sys
d = json.load(sys.stdin)
k = d['klPerDimension']
print(f\"active latent units: {d['activeUnits']} of {len(k)} (KL > {d['activeThreshold']} nats), {sum(1 for v in k if v > 0.1)} above 0.1 nats\")
"
