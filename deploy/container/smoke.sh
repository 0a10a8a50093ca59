#!/usr/bin/env bash
# Smoke test of the VaeWeb image with podman, on loopback, bounded (about 3 minutes):
#   1. a trainer container (non-root, read-only root file system, state in a host folder): /healthz,
#      a short run, /samples is a PNG, its resident memory;
#   2. a serve-only replica container with the same folder mounted read-only (:ro) follows a second
#      run of the trainer to its last epoch;
#   3. podman stop (SIGTERM) mid-run writes a mid-epoch checkpoint; a new container on the same folder
#      serves it at once and lists the run as interrupted.
#
#   IMAGE=localhost/vaeweb:latest deploy/container/smoke.sh
set -euo pipefail
IMAGE="${IMAGE:-localhost/vaeweb:latest}"
PORT="${PORT:-5088}"
REPLICA_PORT="${REPLICA_PORT:-5089}"
KEY="smoke-$RANDOM$RANDOM"
STATE="$(mktemp -d -t vaeweb-smoke-XXXXXX)"
NAME="vaeweb-smoke-$$"
URL="http://127.0.0.1:$PORT"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

cleanup() {
  # One at a time: podman rm stops at a name that is already gone.
  for container in "$NAME-trainer" "$NAME-replica" "$NAME-again"; do
    podman rm -f -i -t 5 "$container" >/dev/null 2>&1 || true
  done
  rm -rf "$STATE"
}
trap cleanup EXIT
# The image runs as uid 10001; the state folder is its to write.
chown 10001 "$STATE"

wait_for() {
  local deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null "$1" 2>/dev/null; do
    ((SECONDS < deadline)) || { echo "no answer from $1 within $2 s" >&2; return 1; }
    sleep 0.5
  done
}
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }
wait_state() { # URL STATE SECONDS
  local deadline=$((SECONDS + $3))
  until curl -fsS "$1/train" | grep -q "\"state\":\"$2\""; do
    ((SECONDS < deadline)) || { echo "run not $2 within $3 s: $(curl -s "$1/train")" >&2; return 1; }
    sleep 1
  done
}
run_container() { # NAME PORT EXTRA...
  local name="$1" port="$2"
  shift 2
  podman run -d --name "$name" -p "127.0.0.1:$port:8080" --read-only --tmpfs /tmp \
    -e Vae__Security__ApiKey="$KEY" -e Vae__Training__AutoStart=false \
    -e Vae__Datasets__mnist__TrainLimit=2048 -e Vae__Datasets__mnist__TestLimit=512 "$@" "$IMAGE" >/dev/null
}
rss_mb() { awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$(podman inspect --format '{{.State.Pid}}' "$1")/status"; }

echo "image $IMAGE: $(podman image inspect --format '{{.Size}}' "$IMAGE" | awk '{ printf "%.0f MB", $1 / 1e6 }')"

echo "== 1. trainer container"
run_container "$NAME-trainer" "$PORT" -v "$STATE:/data"
wait_for "$URL/healthz" 60 || { podman logs "$NAME-trainer"; exit 1; }
echo "healthz: $(curl -s "$URL/healthz")"
echo "rss idle: $(rss_mb "$NAME-trainer") MB"
code="$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/train" -H 'Content-Type: application/json' -d '{"epochs":2}')"
[[ "$code" == 401 ]] || fail "POST /train without the key answered $code, not 401"
curl -fsS -X POST "$URL/train" -H "X-Api-Key: $KEY" -H 'Content-Type: application/json' -d '{"epochs":2,"seed":3}' >/dev/null
wait_state "$URL" completed 180 || fail "the first run did not complete"
echo "rss after training: $(rss_mb "$NAME-trainer") MB"
curl -fsS -D "$STATE/headers.txt" -o "$STATE/samples.png" "$URL/samples?n=16&seed=1"
signature="$(head -c 8 "$STATE/samples.png" | od -An -tx1 | tr -d ' \n')"
[[ "$signature" == 89504e470d0a1a0a ]] || fail "/samples is not a PNG ($signature)"
echo "samples: $(stat -c %s "$STATE/samples.png") bytes, PNG signature ok, $(grep -i '^x-model-version' "$STATE/headers.txt" | tr -d '\r')"
for _ in $(seq 1 50); do curl -fsS -o /dev/null "$URL/samples?n=16"; done
echo "rss after 50 sample grids: $(rss_mb "$NAME-trainer") MB"

echo "== 2. read-only replica container on the same folder"
run_container "$NAME-replica" "$REPLICA_PORT" -v "$STATE:/data:ro" -e Vae__Training__Enabled=false -e Vae__Serving__FollowInterval=00:00:01
wait_for "http://127.0.0.1:$REPLICA_PORT/readyz" 60 || fail "the replica is not ready"
echo "replica serves $(curl -s "http://127.0.0.1:$REPLICA_PORT/readyz" | field modelVersion)"
run="$(curl -fsS -X POST "$URL/train" -H "X-Api-Key: $KEY" -H 'Content-Type: application/json' -d '{"epochs":3,"seed":4}' | field runId)"
wait_state "$URL" completed 240 || fail "the second run did not complete"
deadline=$((SECONDS + 20))
until [[ "$(curl -s "http://127.0.0.1:$REPLICA_PORT/readyz" | field modelVersion)" == "$run.e3" ]]; do
  ((SECONDS < deadline)) || { fail "the read-only replica did not follow to $run.e3"; break; }
  sleep 0.5
done
echo "replica (state mounted :ro) now serves $(curl -s "http://127.0.0.1:$REPLICA_PORT/readyz" | field modelVersion); its log:"
podman logs "$NAME-replica" 2>&1 | grep -E "Now serving|skipped|denied|Read-only" | sed 's/^/  /'
echo "replica rss: $(rss_mb "$NAME-replica") MB"
podman logs "$NAME-replica" 2>&1 | grep -qiE "denied|read-only file system" && fail "the replica tried to write"

echo "== 3. SIGTERM mid-run, then a new container on the same folder"
stopped_run="$(curl -fsS -X POST "$URL/train" -H "X-Api-Key: $KEY" -H 'Content-Type: application/json' -d '{"epochs":20,"seed":5}' | field runId)"
wait_state "$URL" running 60
sleep 4
podman stop -t 40 "$NAME-trainer" >/dev/null
echo "podman stop: $(podman logs "$NAME-trainer" 2>&1 | grep -o 'stopped mid-epoch; saved checkpoint [^ ]*' | tail -1)"
podman rm "$NAME-trainer" >/dev/null
run_container "$NAME-again" "$PORT" -v "$STATE:/data"
wait_for "$URL/readyz" 60 || fail "the new container is not ready"
again="$(curl -s "$URL/readyz" | field modelVersion)"
echo "new container serves $again; last run: $(curl -s "$URL/train" | field state)"
# A mid-epoch checkpoint of the stopped run: <run>.e<k>.s<step>.
[[ "$again" =~ ^$stopped_run\.e[0-9]+\.s[0-9]+$ ]] || fail "the new container serves $again, not a mid-epoch checkpoint of $stopped_run"
curl -s "$URL/train" | grep -q '"state":"interrupted"' || fail "the stopped run is not listed as interrupted"

((failures == 0)) && echo "container smoke test passed" || { echo "$failures check(s) failed"; exit 1; }
