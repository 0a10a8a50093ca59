# Shared by deploy/local/up.sh and deploy/local/check.sh (sourced, not run): one VaeWeb trainer and
# serve-only replicas on one state directory behind nginx, all on 127.0.0.1.
#
# Settings (environment):
#   VAEWEB_APP     a folder holding a built or published VaeWeb (VaeWeb.dll); default: a Release build of src/VaeWeb
#   RUN_DIR        where state, logs and the nginx configuration go; default: a new temporary folder
#   LB_PORT        the balancer's port (8088); TRAINER_PORT (5301); REPLICA_PORTS ("5302 5303")
#   TRAIN_LIMIT    training images of the "slice" data set (4096; the embedded MNIST has 8,995)
#   FOLLOW_INTERVAL  the replicas' Vae:Serving:FollowInterval (00:00:01)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LB_PORT="${LB_PORT:-8088}"
TRAINER_PORT="${TRAINER_PORT:-5301}"
read -r -a REPLICA_PORTS <<<"${REPLICA_PORTS:-5302 5303}"
TRAIN_LIMIT="${TRAIN_LIMIT:-4096}"
FOLLOW_INTERVAL="${FOLLOW_INTERVAL:-00:00:01}"
RUN_DIR="${RUN_DIR:-$(mktemp -d -t vaeweb-local-XXXXXX)}"
STATE="$RUN_DIR/state"
LB="http://127.0.0.1:$LB_PORT"

need() { command -v "$1" >/dev/null 2>&1 || { echo "$1 is not installed (apt-get install -y $2)" >&2; exit 2; }; }

build_app() {
  if [[ -n "${VAEWEB_APP:-}" ]]; then
    APP_DIR="$VAEWEB_APP"
  else
    echo "building src/VaeWeb (Release) ..."
    dotnet build "$ROOT/src/VaeWeb/VaeWeb.csproj" -c Release -v quiet -nologo >/dev/null
    APP_DIR="$ROOT/src/VaeWeb/bin/Release/net10.0"
  fi
  # A self-contained publish has its own host; a build runs under the shared dotnet.
  if [[ -x "$APP_DIR/VaeWeb" ]]; then APP_CMD=("$APP_DIR/VaeWeb"); else APP_CMD=(dotnet "$APP_DIR/VaeWeb.dll"); fi
}

# The replicas run as a user who cannot write to the state directory when this runs as root, so
# "never writes" is enforced by the file system, not only promised.
# (Only when that user can reach the app's files: a checkout under a private home folder cannot.)
replica_user() {
  local as="setpriv --reuid=65534 --regid=65534 --clear-groups"
  if [[ "$(id -u)" == 0 ]] && command -v setpriv >/dev/null && $as test -r "$APP_DIR/VaeWeb.dll" -a -x "$STATE"; then
    echo "$as"
  fi
}

# start NAME PORT [VAR=VALUE ...]: one service in the background; its pid in RUN_DIR/NAME.pid.
start_service() {
  local name="$1" port="$2"
  shift 2
  local prefix=()
  if [[ "$name" == replica* ]]; then read -r -a prefix <<<"$(replica_user)"; fi
  (
    cd "$APP_DIR"
    # Workstation GC, as in the image: several instances share the cores.
    exec env ASPNETCORE_ENVIRONMENT=Production HOME=/tmp DOTNET_gcServer=0 \
      Vae__StateDirectory="$STATE" \
      Vae__Security__KnownProxies__0=127.0.0.1 \
      Vae__Datasets__slice__Path=data/mnist Vae__Datasets__slice__TrainLimit="$TRAIN_LIMIT" Vae__Datasets__slice__TestLimit=512 \
      "$@" "${prefix[@]}" "${APP_CMD[@]}" --urls "http://127.0.0.1:$port"
  ) >>"$RUN_DIR/$name.log" 2>&1 &
  echo $! >"$RUN_DIR/$name.pid"
  # Not a job of this shell: a SIGKILL on purpose is not reported as "Killed".
  disown $!
}

start_trainer() {
  start_service trainer "$TRAINER_PORT" Vae__Training__AutoStart="${AUTOSTART:-false}" "$@"
}

start_replica() {
  local index="$1"
  start_service "replica$index" "${REPLICA_PORTS[$index]}" Vae__Training__Enabled=false Vae__Serving__FollowInterval="$FOLLOW_INTERVAL"
}

pid_of() { cat "$RUN_DIR/$1.pid"; }

# write_nginx_conf N: the balancer with the first N replicas.
write_nginx_conf() {
  local count="$1" servers=""
  for ((i = 0; i < count; i++)); do
    servers+="        server 127.0.0.1:${REPLICA_PORTS[$i]} max_fails=1 fail_timeout=5s;"$'\n'
  done
  mkdir -p "$RUN_DIR/nginx-tmp"
  chmod 777 "$RUN_DIR/nginx-tmp"
  local template
  template="$(cat "$ROOT/deploy/local/nginx.conf.template")"
  template="${template//@RUN@/$RUN_DIR}"
  template="${template//@LB_PORT@/$LB_PORT}"
  template="${template//@TRAINER_PORT@/$TRAINER_PORT}"
  template="${template//@REPLICA_SERVERS@/${servers%$'\n'}}"
  printf '%s\n' "$template" >"$RUN_DIR/nginx.conf"
}

start_nginx() {
  write_nginx_conf "${1:-${#REPLICA_PORTS[@]}}"
  nginx -e "$RUN_DIR/nginx-error.log" -p "$RUN_DIR" -c "$RUN_DIR/nginx.conf"
}

reload_nginx() {
  write_nginx_conf "$1"
  nginx -e "$RUN_DIR/nginx-error.log" -p "$RUN_DIR" -c "$RUN_DIR/nginx.conf" -s reload
  sleep 1
}

# wait_for URL SECONDS: until URL answers 2xx.
wait_for() {
  local deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null "$1" 2>/dev/null; do
    ((SECONDS < deadline)) || { echo "no answer from $1 within $2 s" >&2; return 1; }
    sleep 0.2
  done
}

up() {
  need nginx nginx-light
  need curl curl
  build_app
  mkdir -p "$STATE"
  chmod 755 "$RUN_DIR" "$STATE"
  start_trainer "$@"
  # The trainer creates the history before the replicas read it.
  wait_for "http://127.0.0.1:$TRAINER_PORT/healthz" 120
  for i in "${!REPLICA_PORTS[@]}"; do start_replica "$i"; done
  for port in "${REPLICA_PORTS[@]}"; do wait_for "http://127.0.0.1:$port/healthz" 120; done
  start_nginx
  wait_for "$LB/healthz" 20
}

down() {
  if [[ -f "$RUN_DIR/nginx.pid" ]]; then
    nginx -e "$RUN_DIR/nginx-error.log" -p "$RUN_DIR" -c "$RUN_DIR/nginx.conf" -s stop 2>/dev/null || true
  fi
  local pids=()
  for f in "$RUN_DIR"/trainer.pid "$RUN_DIR"/replica*.pid; do
    [[ -f "$f" ]] || continue
    local pid
    pid="$(cat "$f")"
    kill -TERM "$pid" 2>/dev/null && pids+=("$pid")
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  done
}

# model_version URL: the modelVersion /readyz reports (empty when none or no answer).
model_version() {
  curl -s --max-time 2 "$1/readyz" 2>/dev/null | sed -n 's/.*"modelVersion":"\([^"]*\)".*/\1/p'
}

# CPU seconds (user + system) a process has used so far.
cpu_seconds() {
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"
}

# Busy and total CPU time of the whole machine so far (jiffies), from /proc/stat.
machine_cpu() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat; }

rss_mb() { awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
