#!/usr/bin/env bash
# Runs the CallbackSlot JMH benchmarks and the footprint report, then prints ratios to baselines.
#
#   bench/run-benchmarks.sh [short|long] [extra JMH args...]
#
#   short (default): 1 fork, 3 x 1 s warm-up, 5 x 1 s measurement; about 6 minutes on 2 cores.
#   long:            3 forks, 5 x 2 s warm-up, 10 x 2 s measurement; about 55 minutes.
#
# Either mode first rebuilds bench/target/benchmarks.jar from the current sources (and refuses a
# jar older than them), then prints the commit it measures, so a run always measures this code.
#
# Results: bench/target/jmh-result-<mode>.json (JMH JSON, with -prof gc secondary metrics),
#          bench/target/footprint-<mode>.txt, bench/target/ratios-<mode>.txt.
# Measure on an idle machine: the two-thread benchmarks need both cores. Extra arguments go to JMH,
# e.g. a benchmark regexp:  bench/run-benchmarks.sh short 'InvokeBenchmark'
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-short}"
shift || true
case "$mode" in
  short) jmh_opts=(-f 1 -wi 3 -w 1s -i 5 -r 1s) ;;
  long)  jmh_opts=(-f 3 -wi 5 -w 2s -i 10 -r 2s) ;;
  *) echo "usage: $0 [short|long] [JMH args...]" >&2; exit 2 ;;
esac

source bench/fresh-jar.sh
echo
echo "== machine"
lscpu | head -n 15 || true
java -version 2>&1 | head -n 3
echo "loadavg: $(cat /proc/loadavg 2>/dev/null || echo n/a)"
echo

result="bench/target/jmh-result-${mode}.json"
echo "== JMH ($mode): java -jar $jar ${jmh_opts[*]} -prof gc -rf json -rff $result $*"
# -prof gc on every benchmark: gc.alloc.rate.norm is the B/op column.
java -jar "$jar" "${jmh_opts[@]}" -prof gc -rf json -rff "$result" "$@"

echo
echo "== footprint"
java -XX:+UseSerialGC -Djdk.attach.allowAttachSelf=true \
  --add-exports java.base/jdk.internal.vm.annotation=ALL-UNNAMED \
  --add-opens java.base/java.util=ALL-UNNAMED \
  -cp "$jar" dev.tether.bench.FootprintReport 2>&1 | grep -v '^# WARNING' \
  | tee "bench/target/footprint-${mode}.txt"

echo
echo "== ratios against baselines (same run)"
if command -v python3 >/dev/null 2>&1; then
  python3 bench/ratios.py "$result" "bench/target/footprint-${mode}.txt" \
    | tee "bench/target/ratios-${mode}.txt"
else
  echo "python3 not found: ratios skipped; raw results are in $result"
fi
