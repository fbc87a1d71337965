#!/usr/bin/env bash
# The consumer smoke test: builds it/consumer, a separate Maven project that depends on Tether by
# coordinates through tether-bom, against the artifacts in the local repository, and runs its
# QuickStart (the README's quick start) in four combinations: module path and class path, on
# JDK 17 and on the newest JDK (Temurin 25). Each run must exit 0, print exactly the expected
# output, and print nothing at all on stderr: a JVM warning such as JEP 498's "terminally
# deprecated method in sun.misc.Unsafe" fails it. A canary first shows that the stderr check
# catches a JVM warning (a deprecated or removed -XX option); if it does not, the script fails.
#
# Usage: ./mvnw -B install -DskipTests && it/run-consumer.sh
#   JDK17_HOME  the JDK 17 (default: the JDK of `java` on the PATH, which must be 17)
#   JDK25_HOME  the newest JDK (default: /usr/lib/jvm/temurin-25-jdk-amd64; skipped with a
#               notice if absent, unless CONSUMER_REQUIRE_ALL=true)
# Exits non-zero if any combination failed; prints one verdict line per combination.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
consumer="$root/it/consumer"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

version="$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' "$root/pom.xml" | head -1)"
default17="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
jdk17="${JDK17_HOME:-$default17}"
jdk25="${JDK25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
expected=$'received hello\nreceived world'
status=0

# Runs one JVM; fails (returns 1) unless it exits 0, prints nothing on stderr and its stdout is
# the expected output followed by the line "tether module: $3".
check_run() {
  local label="$1" java="$2" module="$3"
  shift 3
  if "$java" "$@" >"$work/out" 2>"$work/err"; then rc=0; else rc=$?; fi
  local want="$expected"$'\n'"tether module: $module"
  if [ "$rc" -ne 0 ] || [ -s "$work/err" ] || [ "$(cat "$work/out")" != "$want" ]; then
    echo "== consumer $label: FAILED (exit $rc)"
    echo "-- stdout:"; cat "$work/out"
    echo "-- stderr:"; cat "$work/err"
    return 1
  fi
  echo "== consumer $label: passed (exit 0, expected output, empty stderr)"
}

run_jdk() {
  local name="$1" home="$2"
  local java="$home/bin/java"
  local feature
  feature="$("$java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java.specification.version = //p')"
  echo "== consumer on $name ($home, Java $feature), tether $version"
  # Maven itself (its Guice) calls sun.misc.Unsafe: on JDK 24+ let it, quietly, so that the
  # build log shows no Unsafe warning that is not the consumer's. The runs below get no such flag.
  local maven_opts="${MAVEN_OPTS:-}"
  if [ "${feature%%.*}" -ge 24 ] 2>/dev/null; then
    maven_opts="$maven_opts --sun-misc-unsafe-memory-access=allow"
  fi
  # A build directory per JDK, so that the JDK 25 build does not reuse the JDK 17 classes.
  if ! MAVEN_OPTS="$maven_opts" JAVA_HOME="$home" "$root/mvnw" -B -q -ntp -f "$consumer/pom.xml" \
      -Dtether.version="$version" -Dconsumer.build.directory="$work/$name" package; then
    echo "== consumer build on $name: FAILED (did ./mvnw -B install -DskipTests run first?)"
    return 1
  fi
  local target="$work/$name" ok=0
  if [ ! -f "$target/lib/tether-core-$version.jar" ]; then
    echo "== consumer build on $name: FAILED, no tether-core-$version.jar in $target/lib"
    ls -l "$target/lib"
    return 1
  fi
  local mp="$target/lib:$target/classes"
  local cp="$target/lib/*:$target/classes"
  check_run "$name module path" "$java" dev.tether \
    -p "$mp" -m dev.tether.consumer/dev.tether.consumer.QuickStart || ok=1
  check_run "$name class path" "$java" unnamed \
    -cp "$cp" dev.tether.consumer.QuickStart || ok=1
  # The canary: the same run with a JVM warning on stderr must be caught by check_run.
  if check_run "$name canary (-XX:+UseBiasedLocking warns)" "$java" unnamed \
      -XX:+UseBiasedLocking -cp "$cp" dev.tether.consumer.QuickStart >"$work/canary" 2>&1; then
    cat "$work/canary"
    echo "== consumer canary on $name: NOT CAUGHT: the stderr check would miss a JVM warning"
    ok=1
  else
    echo "== consumer canary on $name: caught (a JVM warning on stderr fails a run)"
  fi
  return "$ok"
}

if [ ! -x "$jdk17/bin/java" ]; then
  echo "== no JDK at $jdk17 (set JDK17_HOME)"; exit 1
fi
run_jdk jdk17 "$jdk17" || status=1
if [ -x "$jdk25/bin/java" ]; then
  run_jdk jdk25 "$jdk25" || status=1
elif [ "${CONSUMER_REQUIRE_ALL:-false}" = true ]; then
  echo "== no JDK at $jdk25 (set JDK25_HOME)"; status=1
else
  echo "== no JDK at $jdk25: the newest-JDK combinations were skipped"
fi
if [ "$status" -eq 0 ]; then echo "== consumer smoke test passed"; else echo "== consumer smoke test FAILED"; fi
exit "$status"
