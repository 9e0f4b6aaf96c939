#!/usr/bin/env bash
# Startup benchmark: wall time from JVM launch to Camel's "started" line, standalone with the
# embedded Kafka broker and the sandbox (the README's run command, minus Maven's own start-up).
# Usage: bash bench/startup.sh [runs]   (default 3). Needs `mvn -q compile` first.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
mvn -q -B dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt >/dev/null
cp="target/classes:$(cat target/bench-classpath.txt)"
results=()
for i in $(seq 1 "$runs"); do
  work=$(mktemp -d)
  log="$work/app.log"
  start=$(date +%s%N)
  OPENTACT_EMBEDDED_KAFKA_DIR="$work/kafka" OPENTACT_INBOX_DIR="$work/inbox" OPENTACT_OUTBOX_DIR="$work/outbox" \
    java -Dlog4j2.configurationFile=config/log4j2.properties -cp "$cp" \
    dev.tnorders.opentact.standalone.OrderRoutesMain >"$log" 2>&1 &
  pid=$!
  ms=""
  for _ in $(seq 1 600); do               # at most 60 s
    if grep -q "opentact-order-routes) started in" "$log"; then
      ms=$(( ($(date +%s%N) - start) / 1000000 )); break
    fi
    sleep 0.1
  done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$work"
  [ -n "$ms" ] || { echo "run $i: did not start within 60 s"; exit 1; }
  echo "run $i: routes started ${ms} ms after JVM launch"
  results+=("$ms")
done
sorted=($(printf '%s\n' "${results[@]}" | sort -n))
echo "median: ${sorted[$(( ${#sorted[@]} / 2 ))]} ms over $runs runs"
