#!/usr/bin/env bash
# One VaeWeb trainer and two serve-only replicas on one state directory behind nginx, on loopback.
# The balancer answers on http://127.0.0.1:8088 (LB_PORT); Ctrl-C stops everything (SIGTERM, so the
# trainer checkpoints). Settings: see deploy/local/lib.sh.
#
#   deploy/local/up.sh                       # trains the default run, replicas follow it
#   RUN_DIR=/srv/vaeweb deploy/local/up.sh   # keep state and logs in a folder of your choice
set -euo pipefail
source "$(dirname "$0")/lib.sh"

trap down EXIT
AUTOSTART=true up
cat <<INFO
balancer  $LB               (reads and inference -> replicas; /train -> trainer)
trainer   http://127.0.0.1:$TRAINER_PORT
replicas  ${REPLICA_PORTS[*]/#/http://127.0.0.1:}
state     $STATE
logs      $RUN_DIR/*.log
Ctrl-C to stop.
INFO
while sleep 3600; do :; done
