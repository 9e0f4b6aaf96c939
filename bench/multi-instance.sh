#!/usr/bin/env bash
# Several instances benchmark (issue "Scale out and pipeline"; docs/benchmarks.md, "Several instances").
# Not part of `mvn verify`. The embedded Kafka broker and the sandbox (latency L per call, R calls/s,
# 429 beyond it) run in the benchmark JVM; the app instances are child JVMs (OrderRoutesMain, -Xmx512m)
# configured by environment variables only, every volume setting at its default (consumers,
# max-poll-records, batch wait, poll interval), OPENTACT_API_RATE_LIMIT=R (the account's limit,
# shared), no budgets. Their logs go to app-<i>.log under the run's temp dir (printed at the start).
#
# Usage: bash bench/multi-instance.sh --mode=throughput [--instances=1,2,3] [--latency-ms=100] [--rate=20]
#                                     [--numbers=20000] [--partitions=6] [--timeout-s=900] [--settle-ms=5000]
#        bash bench/multi-instance.sh --mode=recovery [--requests=1000] [--latency-ms=100] [--rate=0]
#                                     [--completion-delay-ms=5000] [--kill-at=0.9] [--partitions=6]
#   both: [--app-env=NAME=value,NAME=value] more environment for every instance (default: none).
#   throughput: per instance count a fresh topic prefix and sandbox; waits until all instances are in the
#     requests consumer group holding every partition (then --settle-ms for the rate shares), feeds N
#     one-number Kafka requests, reads the outcomes (read_committed); prints numbers/s (first send to last
#     outcome, and 10%-90%), calls, 429s and their share, calls per number, the API bound R / answered calls
#     per number and the share of it reached, the busiest rolling second of calls at the sandbox; checks one outcome per request, nothing bought twice.
#   recovery: one instance, orders processing --completion-delay-ms; once --kill-at of the numbers are in
#     order POSTs: kill -9, start again at once; prints how many requests had no outcome at the kill and the
#     time from the restart to the last outcome (the issue's target: 60 s at L = 100 ms); same checks.
#   --rate=0 lifts the sandbox's limit (the apps then get 1,000,000 calls/s).
# The runs of docs/benchmarks.md ("Several instances"):
#   bash bench/multi-instance.sh --mode=throughput --instances=1,2,3 --latency-ms=100 --rate=20 --numbers=40000 --partitions=6
#   bash bench/multi-instance.sh --mode=recovery --requests=1000 --latency-ms=100 --rate=0
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -ntp -o test-compile
mvn -q -B -ntp -o dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-test-classpath.txt >/dev/null
exec java -Xmx2g ${BENCH_JAVA_OPTS:--XX:+UseZGC} -Dlog4j2.configurationFile=bench/log4j2-multi-instance.properties \
  -cp "target/test-classes:target/classes:$(cat target/bench-test-classpath.txt)" \
  dev.tnorders.opentact.bench.MultiInstanceBenchmark "$@"
