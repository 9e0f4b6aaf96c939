#!/usr/bin/env bash
# Shared rate limit benchmark (docs/operations.md, "Running several instances"). Not part of `mvn verify`.
# Runs SharedRateLimitIT once per instance count: that many app processes in one consumer group,
# a requests topic of 6 partitions, one sandbox that answers 429 beyond R calls in any second, and
# the apps' opentact.api.rate-limit set to R; prints per count the aggregate calls/s while busy,
# the busiest second the sandbox saw and the share of 429s (every request is checked to end with
# one outcome).
#
# Usage: bash bench/shared-rate.sh [instances=1,2,3] [rate=10] [requests=150] [window-ms=1020] [skew=false]
#   window-ms: the apps' opentact.api.rate-limit-window-ms (the product's default; the IT alone uses 1100)
#   skew=true: every request on one partition, so one instance has the whole backlog (shares that
#   follow demand, docs/several-instances.md); the IT then asks for 80% of the limit used.
set -euo pipefail
cd "$(dirname "$0")/.."
instances="${1:-1,2,3}"
rate="${2:-10}"
requests="${3:-150}"
window="${4:-1020}"
skew="${5:-false}"
mvn -B -ntp -o verify -Dit.test=SharedRateLimitIT -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false \
  -Dinvoker.skip=true -Dshared.instances="$instances" -Dshared.rate="$rate" -Dshared.requests="$requests" \
  -Dshared.window-ms="$window" -Dshared.skew="$skew" \
  > target/shared-rate-bench.log 2>&1 && status=0 || status=$?
# The figures of every round, also when a round broke the IT's bounds (then the IT failed: see the log).
grep -h "figures: instances=" target/failsafe-reports/dev.tnorders.opentact.it.rate.SharedRateLimitIT-output.txt \
  | sed 's/.*figures: //' || true
grep -h "ERROR\]   SharedRateLimitIT" target/shared-rate-bench.log || true
exit $status
