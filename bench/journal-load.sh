#!/usr/bin/env bash
# Journal start benchmark (issue: "a bounded journal"). Not part of `mvn verify`.
# Starts an in-process Kafka broker, writes N done entries (+ N/1000 placed ones) to a journal topic
# with a plain producer, then times `new OrderJournal(...).start()` in a child JVM with a small heap
# and prints the start time and the heap used after a full GC with the journal loaded. Scenarios:
# `recent` (every done entry within the retention: all held) and `expired` (10 days old: none held).
#
# Usage: bash bench/journal-load.sh [--entries=1000000] [--heap=512m] [--scenarios=recent,expired]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -ntp -o test-compile
mvn -q -B -ntp -o dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-test-classpath.txt >/dev/null
exec java -Xmx2g ${BENCH_JAVA_OPTS:-} -Dlog4j2.configurationFile=config/log4j2.properties \
  -cp "target/test-classes:target/classes:$(cat target/bench-test-classpath.txt)" \
  dev.tnorders.opentact.bench.JournalLoadBenchmark "$@"
