#!/usr/bin/env bash
# CSV intake benchmark: a 1,000,000-row file (and a 100,000-row one for comparison) through the
# standalone app at -Xmx256m, from drop to ".done/ and every good row acknowledged on the requests
# topic". Prints rows/s and heap figures from the JVM's GC log, so that heap use can be compared
# between the two sizes (it must not grow with the file).
#
# Usage: bash bench/csv-million.sh [rows ...]    (default: 100000 1000000). Not part of `mvn verify`.
#
# What is measured is intake only: the file is read, validated, and handed to Kafka (requests topic,
# rejects file, DLQ). The requests topic is not read (opentact.kafka.consumers=0), so that the requests wait on the topic instead of being
# priced one by one: a million orders (even quote-only, a million price calls to the sandbox in
# the same JVM) would measure the order pipeline and crowd the intake off the CPU.
# Every row is valid except every 100th (a 5-digit number), which is rejected.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100000 1000000)
heap=${BENCH_HEAP:-256m}

mvn -q -B -ntp compile
mvn -q -B -ntp dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt >/dev/null
cp="target/classes:$(cat target/bench-classpath.txt)"
out=target/bench-csv
mkdir -p "$out"

# A CSV of $1 rows: valid US numbers in a few formats, every 100th row bad.
generate() {
  awk -v rows="$1" 'BEGIN {
    print "tn,features,autorenew,max_nrc";
    for (i = 1; i <= rows; i++) {
      if (i % 100 == 0) { print "12345,voice,true,1.00"; continue }
      x = 200 + int(i / 10000) % 800; n = i % 10000;
      if (i % 3 == 0)      printf "+1 312 %03d %04d,voice;sms,true,1.00\n", x, n;
      else if (i % 3 == 1) printf "(415) %03d-%04d,voice,false,\n", x, n;
      else                 printf "1646%03d%04d,sms,yes,2.50\n", x, n;
    }
  }'
}

# From a unified GC log ("... 120M->40M(256M) ..."), in MiB: the peak heap used (before any GC),
# the live heap before the file (after the first full GC asked by jcmd GC.run), the largest live
# heap while the file was read (after the later ones), and how many of those there were.
gc_figures() {
  awk '
    function mib(v,  u, n) { u = substr(v, length(v)); n = substr(v, 1, length(v) - 1) + 0;
      if (u == "K") return n / 1024; if (u == "G") return n * 1024; return n }
    match($0, /[0-9]+[KMG]->[0-9]+[KMG]\([0-9]+[KMG]\)/) {
      s = substr($0, RSTART, RLENGTH); split(s, a, /->|\(/);
      b = mib(a[1]); f = mib(a[2]); if (b > peak) peak = b;
      if ($0 ~ /Pause Full \(Diagnostic Command\)/) {
        if (full == 0) base = f; else if (f > live) live = f;
        full++ } }
    END { printf "%.0f %.0f %.0f %d\n", peak, base, live, full - 1 }' "$1"
}

summary=()
for rows in "${sizes[@]}"; do
  file="$out/orders-$rows.csv"
  [ -s "$file" ] || generate "$rows" >"$file"
  bad=$(( rows / 100 )); good=$(( rows - bad ))
  work=$(mktemp -d)
  mkdir -p "$work/inbox"
  log="$work/app.log"
  OPENTACT_EMBEDDED_KAFKA_DIR="$work/kafka" OPENTACT_INBOX_DIR="$work/inbox" OPENTACT_OUTBOX_DIR="$work/outbox" \
  OPENTACT_INBOX_QUIET_MS=500 OPENTACT_INBOX_CHECK_INTERVAL_MS=250 \
    java -Xmx"$heap" -Xlog:gc:file="$work/gc.log" -Dlog4j2.configurationFile=config/log4j2.properties \
    -Dopentact.kafka.consumers=0 \
    -cp "$cp" dev.tnorders.opentact.standalone.OrderRoutesMain >"$log" 2>&1 &
  pid=$!
  trap 'kill $pid 2>/dev/null || true' EXIT
  started=""
  for _ in $(seq 1 600); do                       # at most 60 s to start
    if grep -q "opentact-order-routes) started in" "$log"; then started=yes; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$started" ] || { echo "the app did not start; see $log"; tail -20 "$log"; exit 1; }
  brokers="127.0.0.1:$(sed -n 's/^broker=//p' "$work/kafka/ports.properties")"
  cp "$file" "$work/inbox/orders.csv.part"
  jcmd "$pid" GC.run >/dev/null                   # the live heap before the file, for comparison
  t0=$(date +%s%N)
  mv "$work/inbox/orders.csv.part" "$work/inbox/orders.csv"
  done_ms=""
  for i in $(seq 1 12000); do                     # at most 20 min for the file to be done
    # Every 5 s a full GC: what survives it is the live heap while the file is being read.
    if (( i % 50 == 0 )); then jcmd "$pid" GC.run >/dev/null 2>&1 || true; fi
    if ls "$work/inbox/.done/" 2>/dev/null | grep -q orders; then done_ms=$(( ($(date +%s%N) - t0) / 1000000 )); break; fi
    if ls "$work/inbox/.failed/" 2>/dev/null | grep -q orders; then echo "the file failed; see $log"; exit 1; fi
    kill -0 "$pid" 2>/dev/null || { echo "the app died; see $log"; tail -20 "$log"; exit 1; }
    sleep 0.1
  done
  [ -n "$done_ms" ] || { echo "the file was not done within 20 min; see $log"; exit 1; }
  counts=$(java -cp "$cp" bench/CountRecords.java "$brokers" opentact.order.requests opentact.order.dlq 2>/dev/null)
  on_requests=$(awk '$1 == "opentact.order.requests" {print $2}' <<<"$counts")
  on_dlq=$(awk '$1 == "opentact.order.dlq" {print $2}' <<<"$counts")
  rejects=$(( $(wc -l <"$work/outbox/orders.csv.rejects.csv") - 1 ))
  line=$(grep -o "Order file orders.csv handed on: .*" "$log" || true)
  progress=$(grep -c "Order file orders.csv: .* rows done" "$log" || true)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  trap - EXIT
  read -r peak base live samples < <(gc_figures "$work/gc.log")
  echo "== $rows rows ($(du -h "$file" | cut -f1)), -Xmx$heap"
  echo "   app: $line"
  echo "   progress lines: $progress"
  echo "   drop -> .done: $done_ms ms ($(( rows * 1000 / done_ms )) rows/s, including the quiet time and the SHA-256 pass)"
  echo "   requests topic: $on_requests records (expected $good); DLQ: $on_dlq (expected $bad); rejects file: $rejects rows"
  echo "   heap: peak used ${peak} MiB (of $heap); live (after a full GC) ${base} MiB before the file," \
       "at most ${live} MiB while reading it ($samples samples, about one every 5 s)"
  cp "$log" "$out/app-$rows.log"; cp "$work/gc.log" "$out/gc-$rows.log"
  rm -rf "$work"
  [ "$on_requests" = "$good" ] && [ "$on_dlq" = "$bad" ] && [ "$rejects" = "$bad" ] \
    || { echo "   MISMATCH: not every row accounted for"; exit 1; }
  summary+=("$rows rows: ${live} MiB (${base} MiB before the file);")
done
echo "== largest live heap while reading, by file size (must not grow with the file): ${summary[*]}"
echo "   logs: $out/app-<rows>.log, $out/gc-<rows>.log"
