#!/usr/bin/env bash
# The benchmark over a grid (issue 23; docs/benchmarks.md, "The grid"). Not part of `mvn verify`.
# Sweeps Opentact's latency L x the account's limit R x 1 and 3 instances, plus a skewed point
# (3 instances, the whole backlog on one partition), each point a fresh sandbox and fresh app JVMs
# (MultiInstanceBenchmark's throughput run): the apps configured only with OPENTACT_API_RATE_LIMIT=R,
# everything else at its default; the sandbox enforcing R per rolling second, its orders final only
# at their second lookup (price, POST, two lookups: 4 calls per order, so the bound is 25*R numbers/s);
# N one-number Kafka requests as a burst. Per point: numbers/s from the first request sent to the last
# outcome, % of the bound, 429s' share of the calls, the busiest rolling second at the sandbox, checks
# (one outcome per request, all completed, one result per number, nothing bought twice).
# Writes target/bench-grid/grid.tsv (a line per point as it ends) and grid.md, the chart
# docs/benchmarks-grid.png, and the table between the grid markers of docs/benchmarks.md.
#
# Usage: bash bench/grid.sh [--numbers=20000] [--seconds=0] [--quick] [--latencies=20,100,300]
#          [--rates=5,20,100] [--instances=1,3] [--skewed=3,100,20 (instances,L,R) | --skewed=none]
#          [--partitions=6] [--lookups=2] [--settle-ms=5000] [--timeout-s=<4x the bound's time + 120>]
#          [--app-env=NAME=value,...] [--note="..."] [--out=target/bench-grid]
#          [--chart=docs/benchmarks-grid.png] [--docs=docs/benchmarks.md | --docs=none]
#   Numbers per point: at least --numbers, and at least what the bound orders in --seconds (25*R*seconds),
#   at most 60,000. --quick: --numbers=3000 --seconds=16 (3,000 at R = 5, 8,000 at R = 20, 40,000 at R = 100;
#   a fixed small size would make a point at R = 100 last a second or two: all ramp-up).
#        bash bench/grid.sh --redraw=target/bench-grid/grid.tsv [--quick]   (table and chart again, no run)
# The full grid (19 points, 20,000 numbers each) takes about an hour: R = 5 alone is 160 s a point.
# This JVM runs the broker, the sandbox and the clients; the sandbox counts a call when its server thread
# takes it in, so a pause here counts the calls that came meanwhile together (G1 paused it up to 59 ms, and
# the busiest second at the sandbox was 21 for R = 20 where the apps had let out 20). ZGC keeps its pauses
# under a millisecond; BENCH_JAVA_OPTS replaces it. Each point prints this JVM's pauses over 10 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -ntp -o test-compile
mvn -q -B -ntp -o dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-test-classpath.txt >/dev/null
exec java -Xmx2g -Djava.awt.headless=true ${BENCH_JAVA_OPTS:--XX:+UseZGC} -Dlog4j2.configurationFile=bench/log4j2-multi-instance.properties \
  -cp "target/test-classes:target/classes:$(cat target/bench-test-classpath.txt)" \
  dev.tnorders.opentact.bench.GridBenchmark "$@"
