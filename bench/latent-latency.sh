#!/usr/bin/env bash
# Latency of the latent-space endpoints against a running service whose model is idle (no run active).
# Time per request = curl's time_total − time_pretransfer: from the first byte of the request to the
# last byte of the answer, over loopback (so it is the server's time plus a loopback copy of the body).
# Not time_starttransfer: for a large upload curl reported it equal to time_pretransfer (no server time).
# "Expect:" is cleared so curl does not wait for a 100-continue before sending a body.
# The median of N requests is printed for each case.
#
#   bench/latent-latency.sh [base-url] [requests]      (defaults: http://127.0.0.1:5080, 200)
#
# Cases: one z decoded to JSON; 256 zs decoded (PNG grid and JSON); /latent-map over the full test
# split warm (cached); and cold — every call a cache miss, made so by asking for n = N_test, N_test − 1, …
# (each n is its own cache entry), plus the very first full-set call after start-up when it is still cold.
set -euo pipefail
base="${1:-http://127.0.0.1:5080}"
count="${2:-200}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

state="$(curl -sf "$base/train" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')"
if [[ "$state" == "running" || "$state" == "queued" ]]; then
  echo "a training run is active; wait until it finishes (the model must be idle)" >&2
  exit 1
fi

read -r latent tests version < <(curl -sf "$base/model" | python3 -c '
import json,sys; m=json.load(sys.stdin); print(m["latentDim"], m["testImages"], m["modelVersion"])')
python3 - "$latent" "$work" <<'PY'
import json, random, sys
d, work = int(sys.argv[1]), sys.argv[2]
random.seed(0)
z = lambda: [random.gauss(0, 1) for _ in range(d)]
json.dump({"z": z()}, open(f"{work}/one.json", "w"))
json.dump({"zs": [z() for _ in range(256)]}, open(f"{work}/batch.json", "w"))
PY

# time one request in milliseconds; extra curl arguments follow the URL
timed() {
  curl -s -o /dev/null -H 'Expect:' -w '%{time_pretransfer} %{time_total} %{http_code}\n' "$@" |
    awk '{ if ($3 != 200) { print "HTTP " $3 > "/dev/stderr"; exit 1 } printf "%.3f\n", ($2 - $1) * 1000 }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.2f ms (n=%d, min %.2f, max %.2f)\n", m, NR, v[1], v[NR] }'; }

run() {
  local label="$1"; shift
  timed "$@" >/dev/null   # one warm-up request (JIT, first allocation)
  for _ in $(seq "$count"); do timed "$@"; done | median | sed "s|^|$label: |"
}

echo "model $version, latentDim $latent, test images $tests, $count requests per case"
# The full-set map is cold only until someone asks for it once after a publish.
first="$(curl -s -D "$work/h" -o /dev/null -w '%{time_pretransfer} %{time_total}' "$base/latent-map?n=$tests" | awk '{ printf "%.1f", ($2 - $1) * 1000 }')"
echo "latent-map n=$tests first call ($(grep -i '^x-cache' "$work/h" | tr -d '\r' | cut -d' ' -f2)): $first ms"

run "decode 1 z → JSON" -X POST -H 'Content-Type: application/json' -H 'Accept: application/json' --data-binary "@$work/one.json" "$base/decode"
run "decode 256 zs → JSON" -X POST -H 'Content-Type: application/json' -H 'Accept: application/json' --data-binary "@$work/batch.json" "$base/decode"
run "decode 256 zs → PNG grid" -X POST -H 'Content-Type: application/json' --data-binary "@$work/batch.json" "$base/decode"
run "latent-map n=$tests warm (cache hit)" "$base/latent-map?n=$tests"

for i in $(seq "$count"); do
  n=$((tests - i))
  curl -s -D "$work/h" -o /dev/null -w '%{time_pretransfer} %{time_total}\n' "$base/latent-map?n=$n" |
    awk '{ printf "%.3f\n", ($2 - $1) * 1000 }'
  grep -qi '^x-cache: miss' "$work/h" || { echo "n=$n was not a cache miss" >&2; exit 1; }
done | median | sed "s|^|latent-map cold (cache miss, n=$((tests - count))…$((tests - 1))): |"
