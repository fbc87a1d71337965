#!/usr/bin/env bash
# Runs ManyThreadsBenchmark (one shared slot, 1 to 50,000 live virtual threads, and a new virtual
# thread per invoke) on a JDK 21+ and turns the result into a table and a plot.
#
#   bench/run-many-threads.sh [extra JMH args...]
#
# JAVA_HOME_25 (default /usr/lib/jvm/temurin-25-jdk-amd64) must be a JDK 21+; the jar is rebuilt
# from the current sources for Java 17 with the default JDK first (bench/fresh-jar.sh). Results: bench/target/many-threads.json, .svg, .png
# (PNG only if ImageMagick's convert or rsvg-convert is installed), and .txt (the table, with the
# load average before and after the run: the ratios are same-run ratios, read them with the load).
set -euo pipefail
cd "$(dirname "$0")/.."

java_home="${JAVA_HOME_25:-/usr/lib/jvm/temurin-25-jdk-amd64}"
java="$java_home/bin/java"
source bench/fresh-jar.sh

result=bench/target/many-threads.json
{
  echo "== $("$java" -version 2>&1 | head -n 1)"
  echo "load before: $(cat /proc/loadavg)"
} | tee bench/target/many-threads.txt
"$java" -jar "$jar" 'dev.tether.bench.ManyThreadsBenchmark' -rf json -rff "$result" "$@"
echo "load after: $(cat /proc/loadavg)" | tee -a bench/target/many-threads.txt
python3 bench/plot_many_threads.py "$result" | tee -a bench/target/many-threads.txt
