#!/usr/bin/env bash
# Benchmark: `watch --listen` under 2,000 idle connections and a flood of 1 MB POSTs (half of them without the
# token), while small authenticated alerts keep coming. Loopback only; no engine is needed (investigations
# fail fast against a missing socket, which is not what is measured).
#
#   Benchmarks/bench-webhook.sh        IDLE=2000 FLOOD=200 ALERTS=50 BIN=... to change
#
# Reported: the client's counts (idle connections held, flood answers by status, authenticated alerts
# accepted and the slowest one), watch's peak RSS, the journal's and --out's size, and watch's exit status.
# Goals: every authenticated alert accepted; peak RSS under 64 MiB; journal under 1 MiB.
set -euo pipefail

cd "$(dirname "$0")/.."
IDLE=${IDLE:-2000}
FLOOD=${FLOOD:-200}
ALERTS=${ALERTS:-50}
BIN=${BIN:-.build/debug/alert-inspect}
[ -x "$BIN" ] || { echo "bench-webhook: build first (swift build)" >&2; exit 1; }
WORK=$(mktemp -d /tmp/bench-webhook.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
head -c 32 /dev/urandom | base64 | tr -d '/+=\n' >"$WORK/token"
ulimit -n 8192

"$BIN" watch --listen 127.0.0.1:0 --token-file "$WORK/token" --out "$WORK/out" --journal "$WORK/journal.jsonl" \
    --host "unix://$WORK/no-engine.sock" --max-connections 1000 >"$WORK/outcomes.jsonl" 2>"$WORK/stderr" &
WATCH=$!
PORT=
for _ in $(seq 1 200); do
    PORT=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$WORK/stderr" | head -1)
    [ -n "$PORT" ] && break
    sleep 0.05
done
[ -n "$PORT" ] || { cat "$WORK/stderr" >&2; kill "$WATCH"; exit 1; }

RESULT=$(python3 Benchmarks/webhook-flood.py "$PORT" "$WORK/token" "$IDLE" "$FLOOD" "$ALERTS")
PEAK=$(awk '/VmHWM/ {print $2}' "/proc/$WATCH/status")
kill -TERM "$WATCH"
STATUS=0
wait "$WATCH" || STATUS=$?
echo "client: $RESULT"
echo "watch: peak RSS $((PEAK / 1024)) MiB; journal $(stat -c %s "$WORK/journal.jsonl") bytes; --out $(du -sk "$WORK/out" | cut -f1) KiB; exit $STATUS"
echo "watch: $(tail -1 "$WORK/stderr")"
