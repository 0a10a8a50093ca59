#!/usr/bin/env bash
# Reproduces every performance figure of the README with one command: bench/run.sh
# Builds Release, runs the in-process benchmark (training vs a bare loop, matmul ceiling, inference,
# PNG, sample and epoch scaling), then starts the real service on a loopback port with a temporary
# state directory and loads it with wrk. Writes bench/results/latest.md and bench/results/<cpu kind>.md.
# Options (environment): RUNS=5 (repeats per figure), DURATION=10 (seconds per wrk window), PORT=5191.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-5}
duration=${DURATION:-10}
port=${PORT:-5191}
fashion=/usr/share/datasets/fashion-mnist
out=bench/results
mkdir -p "$out"

# Tools and data from Debian, installed when missing (never committed to the repository).
install() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo -n"
  $sudo apt-get install -y --no-install-recommends "$@" >/dev/null 2>&1 || { $sudo apt-get update >/dev/null 2>&1 && $sudo apt-get install -y --no-install-recommends "$@" >/dev/null 2>&1; } || true
}
command -v wrk >/dev/null || install wrk
[ -e "$fashion/train-images-idx3-ubyte.gz" ] || [ -e "$fashion/train-images-idx3-ubyte" ] || install dataset-fashion-mnist
[ -e "$fashion/train-images-idx3-ubyte.gz" ] || [ -e "$fashion/train-images-idx3-ubyte" ] || echo "Fashion-MNIST not available: the scaling part will be skipped."

echo "== Building Release"
dotnet build -c Release bench/VaeWeb.Bench -v quiet -nologo | grep -E "error|Warn|warn" || true

echo "== In-process benchmark"
dotnet bench/VaeWeb.Bench/bin/Release/net10.0/VaeWeb.Bench.dll --runs "$runs" --fashion "$fashion" --out "$out/console.md.tmp"

echo "== HTTP benchmark"
if command -v wrk >/dev/null; then
  python3 bench/http_load.py --dll "$PWD/src/VaeWeb/bin/Release/net10.0/VaeWeb.dll" --port "$port" \
    --duration "$duration" --runs "$runs" --fashion "$fashion" --out "$out/http.md.tmp"
else
  echo "### End to end over HTTP" >"$out/http.md.tmp"
  echo "" >>"$out/http.md.tmp"
  echo "Skipped: wrk is not installed and could not be installed (apt-get install -y wrk)." >>"$out/http.md.tmp"
fi

{
  echo "## Performance results"
  echo ""
  echo "Reproduce with \`bench/run.sh\` (RUNS=$runs, DURATION=$duration)."
  echo "Ratios compare figures measured in the same run: the machine is shared, so absolute figures are noisy."
  echo ""
  cat "$out/console.md.tmp"
  echo ""
  cat "$out/http.md.tmp"
} >"$out/latest.md"
rm -f "$out/console.md.tmp" "$out/http.md.tmp"
# One table per CPU kind: figures from different CPUs are never compared as if they were one machine's.
kind=$(dotnet bench/VaeWeb.Bench/bin/Release/net10.0/VaeWeb.Bench.dll --cpu-kind)
cp "$out/latest.md" "$out/$kind.md"
echo ""
cat "$out/latest.md"
