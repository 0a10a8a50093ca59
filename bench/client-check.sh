#!/usr/bin/env bash
# A new user's client, generated from the document the service serves, calling every endpoint:
#   1. starts this tree's Release build on loopback (tiny data slice, no run yet);
#   2. lints GET /swagger/v1/swagger.json with redocly (@redocly/cli 2.77.0) and spectral
#      (@stoplight/spectral-cli 6.16.3, ruleset spectral:oas): any error fails the script;
#   3. generates C# clients with Kiota 1.38.0 (the tool manifest in .config/) into
#      bench/VaeWeb.ClientCheck/Generated/, builds bench/VaeWeb.ClientCheck and runs it: every
#      endpoint called typed, PNG downloads and uploads included, no hand-written HTTP.
#
#   bench/client-check.sh [path/to/VaeWeb.dll]
#
# Kiota picks one request and one answer content type per operation from its structured types, so
# one document gives three clients: Json (every JSON call), Png (prefers image/png answers) and
# Upload (raw PNG bodies). An upload that answers JSON is built with the Upload request builder and
# read with the Json client's model through the same adapter; a multipart upload swaps that
# request's body for Kiota's MultipartBody (Kiota 1.38 generates a model for the form whose
# multipart writer refuses it). Kiota also types an array of arrays (a batch) as UntypedNode.
# Needs node/npm and the NuGet packages of the Kiota client (Directory.Packages.props).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DLL="${1:-$ROOT/src/VaeWeb/bin/Release/net10.0/VaeWeb.dll}"
TOOLS="${TOOLS:-${TMPDIR:-/tmp}/vaeweb-client-check-tools}"
CHECK="$ROOT/bench/VaeWeb.ClientCheck"
WORK="$(mktemp -d -t vaeweb-client-check-XXXXXX)"
PORT="${PORT:-$((20000 + RANDOM % 20000))}"
URL="http://127.0.0.1:$PORT"
export KIOTA_UPDATE__DISABLED=true DOTNET_CLI_TELEMETRY_OPTOUT=1
PID=""
cleanup() {
  if [[ -n "$PID" ]] && kill -0 "$PID" 2>/dev/null; then kill -TERM "$PID"; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

[[ -f "$DLL" ]] || dotnet build "$ROOT/src/VaeWeb" -c Release -v quiet -nologo >/dev/null
(cd "$ROOT" && dotnet tool restore >/dev/null)
if [[ ! -x "$TOOLS/node_modules/.bin/spectral" || ! -x "$TOOLS/node_modules/.bin/redocly" ]]; then
  npm install --prefix "$TOOLS" --no-audit --no-fund --loglevel=error @redocly/cli@2.77.0 @stoplight/spectral-cli@6.16.3 >/dev/null
fi

(
  cd "$(dirname "$DLL")"
  export ASPNETCORE_ENVIRONMENT=Production Vae__StateDirectory="$WORK/state" Vae__Training__AutoStart=false \
    Vae__DefaultDataset=tiny Vae__Datasets__tiny__Path=data/mnist Vae__Datasets__tiny__TrainLimit=512 \
    Vae__Datasets__tiny__TestLimit=256 Logging__LogLevel__Default=Warning
  exec dotnet "$(basename "$DLL")" --urls "$URL"
) >"$WORK/service.log" 2>&1 &
PID=$!
for _ in $(seq 1 240); do
  curl -fsS "$URL/healthz" >/dev/null 2>&1 && break
  kill -0 "$PID" 2>/dev/null || { cat "$WORK/service.log"; exit 1; }
  sleep 0.5
done
curl -fsS "$URL/swagger/v1/swagger.json" -o "$WORK/openapi.json"
echo "document: $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["paths"]), "paths,", sum(len(v) for v in d["paths"].values()), "operations")' "$WORK/openapi.json")"

echo "redocly lint:"
"$TOOLS/node_modules/.bin/redocly" lint "$WORK/openapi.json" --format=summary 2>&1 | grep -E "^(error|warning)|valid|failed" || true
"$TOOLS/node_modules/.bin/redocly" lint "$WORK/openapi.json" >/dev/null 2>&1 || { echo "redocly lint reports errors" >&2; exit 1; }
echo "spectral lint:"
echo 'extends: ["spectral:oas"]' >"$WORK/.spectral.yaml"
"$TOOLS/node_modules/.bin/spectral" lint -r "$WORK/.spectral.yaml" --fail-severity error "$WORK/openapi.json" | tail -1

rm -rf "$CHECK/Generated"
generate() {
  local name="$1"; shift
  (cd "$ROOT" && dotnet kiota generate -l CSharp -d "$WORK/openapi.json" -o "$CHECK/Generated/$name" -c VaeClient \
    -n "VaeWeb.Client.$name" --exclude-backward-compatible --log-level Error "$@" >/dev/null)
}
generate Json
generate Png -m "image/png;q=1" -m "application/json;q=0.5"
generate Upload -m "image/png" -i "/encode" -i "/reconstruct"
echo "generated: $(find "$CHECK/Generated" -name '*.cs' | wc -l) files"

dotnet build "$CHECK" -c Release -v quiet -nologo >/dev/null
dotnet "$CHECK/bin/Release/net10.0/VaeWeb.ClientCheck.dll" "$URL"
