#!/usr/bin/env bash
# Throughput benchmark (issue: "Throughput near the API's limit"). Not part of `mvn verify`.
# Starts an embedded Kafka broker, the sandbox with latency L and rate limit R, and the app in
# batching mode; feeds N one-number requests (80% Kafka, 20% one CSV file); prints numbers/s,
# requests/s, p50/p99 intake-to-outcome, calls per number, share of the API bound, CPU per 1,000
# numbers, peak heap; checks the run (one outcome per request, one result per number, nothing
# bought twice); then runs a plain sequential Camel route on the same inputs as the baseline.
#
# Usage: bash bench/throughput.sh [--latency-ms=100] [--rate=50] [--numbers=20000]
#                                 [--baseline-seconds=60] [--consumers=6] [--partitions=6]
#                                 [--max-poll-records=1000] [--warmup=80000] [--defaults=true]
#   --rate=0 means no rate limit; --baseline-seconds=0 skips the baseline; up to --warmup requests
#   are ordered first, in rounds of 5,000 (same Kafka/CSV mix), until a round leaves the JIT
#   compiling less than 10% of the time; they are not measured.
#   --defaults=true: one partition and every volume setting as shipped (consumers, max-poll-records,
#   batch wait, poll interval): what a user gets without tuning.
# The two runs the issue asks for, with the settings docs/architecture.md recommends for volume ("For volume"):
#   bash bench/throughput.sh --consumers=12 --partitions=12 --max-poll-records=1000
#   bash bench/throughput.sh --latency-ms=0 --rate=0 --numbers=30000 --baseline-seconds=0 \
#        --consumers=12 --partitions=12 --max-poll-records=1000
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -ntp test-compile
mvn -q -B -ntp dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-test-classpath.txt >/dev/null
exec java -Xmx2g ${BENCH_JAVA_OPTS:-} -Dlog4j2.configurationFile=config/log4j2.properties \
  -cp "target/test-classes:target/classes:$(cat target/bench-test-classpath.txt)" \
  dev.tnorders.opentact.bench.ThroughputBenchmark "$@"
