#!/usr/bin/env bash
# Runs Tether's jcstress harnesses (stress/src/main/java/dev/tether/*Stress.java) and their canaries.
#
# Usage: stress/run-jcstress.sh [ci|full] [extra jcstress args...]
#   Build first: ./mvnw -B -q -pl stress -am package -DskipTests   (makes stress/target/jcstress.jar)
#   `./mvnw -B verify` runs `stress/run-jcstress.sh ci` in the stress module's verify phase;
#   skip it with -Dstress.skip=true.
#
# What it checks, one jcstress invocation per test, so that a hang is attributed exactly:
#   1. every harness variant `dev.tether.<Subject><Property>Stress.Actual` (the real CallbackSlot)
#      passes: exit status 0 and an "[OK]" verdict (or, for a harness with no interesting
#      outcome, "N planned; N passed, 0 failed"); a FORBIDDEN outcome or an error fails CI;
#   2. every canary `dev.tether.<...>Stress.Broken*` (a naive slot design, see NaiveSlots) is
#      reported FAILED with at least one "Observed forbidden state": a canary that passes fails CI,
#      because its harness would then prove nothing. A canary reported only as an error (an
#      unexpected exception) is not counted as caught.
#   Tests are discovered with `jcstress -l`; every Stress class must have an Actual and a canary.
#
# Hangs: jcstress 0.16 has no hang detection, so each invocation runs under `timeout -k 10 N`
# (which also kills the forked test JVMs). Exit status 124/137 fails CI naming the test. Canaries
# bound every wait (NaiveSlots.HANG_NANOS) and report a would-be deadlock as a FORBIDDEN "-1"
# outcome, so a canary that times out is NOT counted as caught: it means the canary itself is
# broken (or the machine stalled), and CI fails. jcstress exits 0 with "FATAL: No matching tests."
# when a filter matches nothing; that line always fails CI.
#
# Modes (measured on 2 cores, JDK 17):
#   ci    Actual: -m quick -sc false, all 8 JVM flag configurations (interpreter, C1, C2, C2 with
#         the Stress* randomizers, each with biased locking on/off), one fork each: ~40 s per test.
#         Canaries: -m quick -sc false -jvmArgs "-Xmx256m" (default tiered JVM, 2 forks): ~15 s.
#         Whole run ~6 minutes. Timeouts: 300 s per Actual test, 180 s per canary.
#   full  Actual: -m default (all configurations including split per-actor compilation, 5
#         iterations of 1 s per fork). Canaries as in ci but with all 8 configurations.
#         Timeouts: 3600 s per Actual test, 900 s per canary. Expect about an hour.
#   Override the timeouts with STRESS_TIMEOUT_ACTUAL / STRESS_TIMEOUT_CANARY (seconds).
#   Extra arguments are appended to every invocation (e.g. -v, -time 500); do not repeat an option
#   the mode already sets (-m, -sc, -jvmArgs, -t, -r): jcstress rejects repeated options.
#   STRESS_VERBOSE=1 streams jcstress's full output instead of the verdict lines.
#   STRESS_FILTER=<extended regex> runs only the matching tests (development aid, not for CI).
#
# Output: HTML reports in stress/target/jcstress-results/<test>/, full logs in
# stress/target/jcstress-logs/<test>.log; the repository root stays clean (the binary result
# file jcstress drops into the working directory is moved to the test's report directory).
# The last line is the verdict, e.g. "jcstress verdict: 6 harnesses passed, 7 canaries caught".
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

mode="${1:-ci}"
if [[ $# -gt 0 ]]; then
  shift
fi
extra=("$@")

case "$mode" in
  ci)
    actual_args=(-m quick -sc false)
    canary_args=(-m quick -sc false -jvmArgs "-Xmx256m")
    actual_timeout="${STRESS_TIMEOUT_ACTUAL:-300}"
    canary_timeout="${STRESS_TIMEOUT_CANARY:-180}"
    ;;
  full)
    actual_args=(-m default)
    canary_args=(-m quick -sc false)
    actual_timeout="${STRESS_TIMEOUT_ACTUAL:-3600}"
    canary_timeout="${STRESS_TIMEOUT_CANARY:-900}"
    ;;
  -h | --help | help)
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "usage: stress/run-jcstress.sh [ci|full] [extra jcstress args...]" >&2
    exit 2
    ;;
esac

jar=stress/target/jcstress.jar
results=stress/target/jcstress-results
logs=stress/target/jcstress-logs

if [[ ! -f "$jar" ]]; then
  echo "jcstress: $jar not found; build it: ./mvnw -B -q -pl stress -am package -DskipTests" >&2
  echo "jcstress verdict: FAILED (no jcstress.jar)"
  exit 1
fi
rm -rf "$results" "$logs"
mkdir -p "$results" "$logs"
touch "$logs/.run-start"

problems=()
problem() {
  problems+=("$1")
  echo "jcstress: PROBLEM: $1"
}

# ---- discover the tests ----
listing="$(java -jar "$jar" -l -t '^dev\.tether\..*Stress\.' 2>&1)" || {
  echo "$listing"
  echo "jcstress verdict: FAILED (could not list the tests)"
  exit 1
}
mapfile -t actuals < <(grep -E '^dev\.tether\.[A-Za-z0-9_]+Stress\.Actual$' <<<"$listing" | sort)
mapfile -t canaries < <(grep -E '^dev\.tether\.[A-Za-z0-9_]+Stress\.Broken[A-Za-z0-9_]*$' <<<"$listing" | sort)
if [[ ${#actuals[@]} -eq 0 || ${#canaries[@]} -eq 0 ]] || grep -q 'FATAL' <<<"$listing"; then
  echo "$listing"
  echo "jcstress verdict: FAILED (no harnesses or no canaries found in $jar)"
  exit 1
fi
for outer in $(printf '%s\n' "${actuals[@]}" "${canaries[@]}" | sed 's/\.[^.]*$//' | sort -u); do
  printf '%s\n' "${actuals[@]}" | grep -qx "$outer.Actual" || problem "$outer has no Actual variant"
  printf '%s\n' "${canaries[@]}" | grep -q "^$outer\.Broken" \
    || problem "$outer has no Broken canary: nothing proves the harness can fail"
done
if [[ -n "${STRESS_FILTER:-}" ]]; then
  # Development aid: run only the tests whose names match this extended regex.
  mapfile -t actuals < <(printf '%s\n' "${actuals[@]}" | grep -E -- "$STRESS_FILTER" || true)
  mapfile -t canaries < <(printf '%s\n' "${canaries[@]}" | grep -E -- "$STRESS_FILTER" || true)
  if [[ ${#actuals[@]} -eq 0 && ${#canaries[@]} -eq 0 ]]; then
    echo "jcstress verdict: FAILED (STRESS_FILTER='$STRESS_FILTER' matches no test)"
    exit 1
  fi
  echo "jcstress: STRESS_FILTER='$STRESS_FILTER' selects a subset; this is not a full CI run"
fi
echo "jcstress: mode $mode; ${#actuals[@]} harnesses, ${#canaries[@]} canaries"

# ---- run one test: sets run_rc and run_log ----
run_test() {
  local test="$1" limit="$2"
  shift 2
  local regex="^${test//./\\.}\$"
  local marker="$logs/.start-$test"
  run_log="$logs/$test.log"
  touch "$marker"
  mkdir -p "$results/$test" # also when jcstress dies before writing its report
  echo "jcstress: running $test (timeout ${limit}s)"
  local cmd=(timeout -k 10 "$limit" java -jar "$jar" -t "$regex" "$@" -r "$results/$test")
  if [[ ${#extra[@]} -gt 0 ]]; then
    cmd+=("${extra[@]}")
  fi
  echo "jcstress: \$ ${cmd[*]}"
  local start=$SECONDS
  set +e
  if [[ "${STRESS_VERBOSE:-0}" == 1 ]]; then
    "${cmd[@]}" 2>&1 | tee "$run_log"
    run_rc=${PIPESTATUS[0]}
  else
    # Stream one line per JVM configuration as it completes, plus anything fatal.
    "${cmd[@]}" 2>&1 | tee "$run_log" \
      | grep --line-buffered -E '\[(OK|FAILED|ERROR)\] dev\.tether\.|FATAL|Exception in|Error:' \
      | grep --line-buffered -v 'AssertionError: TEST FAILURES' | sed -u 's/^/    /'
    run_rc=${PIPESTATUS[0]}
  fi
  set -e
  find . -maxdepth 1 -name 'jcstress-results-*.bin.gz' -newer "$marker" \
    -exec mv {} "$results/$test/" \; 2>/dev/null || true
  rm -f "$marker"
  echo "jcstress: $test finished in $((SECONDS - start))s, exit status $run_rc"
}

is_timeout() {
  [[ $1 -eq 124 || $1 -eq 137 ]]
}

# ---- 1. the real CallbackSlot must pass ----
passed=0
for test in "${actuals[@]}"; do
  run_test "$test" "$actual_timeout" "${actual_args[@]}"
  if is_timeout "$run_rc"; then
    problem "$test TIMED OUT after ${actual_timeout}s: a reset or set never returned (deadlock?); see $run_log"
  elif grep -q 'FATAL: No matching tests' "$run_log"; then
    problem "$test: jcstress found no matching test (FATAL: No matching tests.)"
  elif [[ $run_rc -ne 0 ]] || grep -qE "\[(FAILED|ERROR)\] ${test//./\\.}\$" "$run_log"; then
    problem "$test FAILED (exit $run_rc): forbidden outcome or error; see $run_log and $results/$test/index.html"
    grep -E 'Observed forbidden state|\[ERROR\]' "$run_log" | sort -u | head -20 | sed 's/^/    /' || true
  elif ! grep -qE "\[OK\] ${test//./\\.}\$" "$run_log" \
      && ! grep -qE 'Results: ([1-9][0-9]*) planned; \1 passed, 0 failed, 0 soft errs, 0 hard errs' \
        "$run_log"; then
    # jcstress prints "[OK]" only for runs with an interesting outcome; a harness whose every
    # outcome is plain ACCEPTABLE passes when every planned configuration passed.
    problem "$test: no [OK] verdict and not every configuration passed; see $run_log"
  else
    passed=$((passed + 1))
  fi
done

# ---- 2. every canary must be caught ----
caught=0
for test in "${canaries[@]}"; do
  run_test "$test" "$canary_timeout" "${canary_args[@]}"
  if is_timeout "$run_rc"; then
    problem "canary $test TIMED OUT after ${canary_timeout}s: canaries must bound their waits (not counted as caught); see $run_log"
  elif grep -q 'FATAL: No matching tests' "$run_log"; then
    problem "canary $test: jcstress found no matching test (FATAL: No matching tests.)"
  elif [[ $run_rc -eq 0 ]] || ! grep -qE "\[FAILED\] ${test//./\\.}\$" "$run_log" \
      || ! grep -q 'Observed forbidden state' "$run_log"; then
    problem "canary $test was NOT caught (exit $run_rc, no forbidden outcome observed): its harness cannot detect the bug it models"
  else
    caught=$((caught + 1))
    echo "jcstress: canary $test caught: $(grep -c 'Observed forbidden state' "$run_log") forbidden observations"
  fi
done

# Sweep binary result files a killed jcstress left behind (best effort; .gitignore covers them).
find . -maxdepth 1 -name 'jcstress-results-*.bin.gz' -newer "$logs/.run-start" \
  -exec mv {} "$results/" \; 2>/dev/null || true
rm -f "$logs/.run-start"
echo "jcstress: reports in $results/, logs in $logs/"
if [[ ${#problems[@]} -gt 0 ]]; then
  echo "jcstress: ${#problems[@]} problem(s):"
  printf '  - %s\n' "${problems[@]}"
  echo "jcstress verdict: FAILED: $passed/${#actuals[@]} harnesses passed, $caught/${#canaries[@]} canaries caught"
  exit 1
fi
echo "jcstress verdict: ${passed} harnesses passed, ${caught} canaries caught"
