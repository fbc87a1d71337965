#!/usr/bin/env bash
# Runs Tether's jcstress harnesses (stress/src/main/java/dev/tether/*Stress.java) and their canaries.
#
# Usage: stress/run-jcstress.sh [ci|full] [extra jcstress args...]
#   Build first: ./mvnw -B -q -pl stress -am package -DskipTests   (makes stress/target/jcstress.jar)
#   `./mvnw -B verify -Pproofs` runs `stress/run-jcstress.sh ci` in the stress module's verify
#   phase (after everything `./mvnw -B verify` runs); plain `./mvnw -B verify` does not run it.
#
# What it checks (tests are discovered with `jcstress -l`; every Stress class must have an Actual
# and at least one canary, or the run fails):
#   1. every harness variant `dev.tether.<Subject><Property>Stress.Actual` (it drives Tether's own
#      code: CallbackSlot, Lifecycle, Delivery, XaddLaneQueue) passes in every JVM configuration: an
#      "[OK]" verdict and no forbidden observation. A FORBIDDEN outcome, an ERROR (an exception
#      escaped the test) or a missing verdict fails CI. Harnesses are never retried.
#   2. every canary `dev.tether.<...>Stress.Broken*` (a naive design, see NaiveSlots,
#      NaiveLifecycles, NaiveLanes) is caught: a "[FAILED]" verdict with at least one "Observed
#      forbidden state". Canaries record every exception of their model as a FORBIDDEN sentinel
#      (-1 hung, -2 threw), never as an ERROR. A canary not caught is run again, up to 3 runs in
#      all (STRESS_CANARY_RUNS): each run samples a race for a fraction of a second, and a canary
#      that is caught in one run proves its harness can fail. A canary caught in none of the runs
#      fails CI, because its harness would then prove nothing. Retries are printed, and named in
#      the verdict line.
#
# Batches: the harnesses run in one jcstress invocation, the canaries in one per run. jcstress
# spends about 30 s probing the JVM at every start, so one invocation per test paid those 30 s
# once per test (about 17 minutes for 35 tests); a batch pays it once. Verdicts stay per test: jcstress is run with
# -v, which prints every test's verdict in its "RUN RESULTS" summary.
#
# Hangs: jcstress 0.16 has no hang detection, so each batch runs under `timeout -k 10 N` (which
# also kills the forked test JVMs), N = a per-test budget times the number of tests, plus 120 s.
# Shortly before the deadline a watchdog takes a thread dump (jstack) of each forked test JVM and
# names the test it is running, so a hang in a batch is still attributed exactly; the timeout
# fails CI naming that test. Canaries bound every wait (NaiveSlots.HANG_NANOS) and report a
# would-be deadlock as a FORBIDDEN "-1" outcome, so a canary batch that times out means a canary
# itself is broken (or the machine stalled): CI fails at once, without retrying. jcstress exits 0
# with "FATAL: No matching tests." when a filter matches nothing; that line always fails CI.
#
# The numbers of harnesses and canaries are not written here: the script counts the tests that
# `jcstress -l` lists, prints them before the first batch and in the verdict line.
#
# Modes (measured times, with the counts of their day: docs/stress.md):
#   ci    Harnesses: -m quick -sc false, all 8 JVM flag configurations (interpreter, C1, C2, C2
#         with the Stress* randomizers, each with biased locking on/off), one fork each: 6-14 s
#         per configuration, so about 1-2 minutes per harness depending on the load.
#         Canaries: -m quick -sc false -jvmArgs "-Xmx256m" (the default tiered JVM, biased
#         locking on/off): about 15 s per canary per run.
#         Whole run: about 20 minutes on 2 idle cores, twice that at load average 8-14.
#         Budgets: 180 s per harness, 90 s per canary.
#   full  Harnesses: -m default (all configurations including split per-actor compilation, 5
#         iterations of 1 s per fork). Canaries as in ci but with all 8 configurations.
#         Budgets: 3600 s per harness, 900 s per canary. About an hour (not re-measured since
#         the batching).
#   Override the budgets with STRESS_TIMEOUT_ACTUAL / STRESS_TIMEOUT_CANARY (seconds per test).
#   Extra arguments are appended to every invocation (e.g. -time 500); do not repeat an option
#   the mode already sets (-m, -sc, -jvmArgs, -t, -r, -v): jcstress rejects repeated options.
#   STRESS_VERBOSE=1 streams jcstress's full output instead of the verdict lines.
#   STRESS_FILTER=<extended regex> runs only the matching tests (development aid, not for CI).
#   STRESS_CANARY_RUNS=<n> changes the number of runs a canary gets (default 3).
#
# Output: HTML reports in stress/target/jcstress-results/<batch>/ (batches: harnesses,
# canaries-1, canaries-2, ...), full logs in stress/target/jcstress-logs/<batch>.log; the
# repository root stays clean (the binary result file jcstress drops into the working directory
# is moved to the batch's report directory).
# The last line is the verdict: "jcstress verdict: <n> harnesses passed, <m> canaries caught",
# n and m being the counts the script found.
set -euo pipefail

script="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
cd "$(dirname "$script")/.."

mode="${1:-ci}"
if [[ $# -gt 0 ]]; then
  shift
fi
extra=("$@")

case "$mode" in
  ci)
    actual_args=(-m quick -sc false)
    canary_args=(-m quick -sc false -jvmArgs "-Xmx256m")
    actual_budget="${STRESS_TIMEOUT_ACTUAL:-180}"
    canary_budget="${STRESS_TIMEOUT_CANARY:-90}"
    ;;
  full)
    actual_args=(-m default)
    canary_args=(-m quick -sc false)
    actual_budget="${STRESS_TIMEOUT_ACTUAL:-3600}"
    canary_budget="${STRESS_TIMEOUT_CANARY:-900}"
    ;;
  -h | --help | help)
    sed -n '2,/^set -euo/p' "$script" | sed '$d; s/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "usage: stress/run-jcstress.sh [ci|full] [extra jcstress args...]" >&2
    exit 2
    ;;
esac
canary_runs="${STRESS_CANARY_RUNS:-3}"

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
run_start=$SECONDS

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
echo "jcstress: mode $mode; ${#actuals[@]} harnesses, ${#canaries[@]} canaries in $(printf '%s\n' "${actuals[@]}" "${canaries[@]}" | sed 's/\.[^.]*$//' | sort -u | wc -l) Stress classes (up to $canary_runs runs per canary)"

# ---- hang attribution ----
# Prints "<test>" for each forked jcstress JVM below this script, read from its thread dump (the
# generated class of test dev.tether.X.Y is dev.tether.X_Y_jcstress).
name_running_tests() {
  local table frontier=("$$") found=() next p child parent
  table="$(ps -e -o pid= -o ppid=)"
  while [[ ${#frontier[@]} -gt 0 ]]; do
    next=()
    for p in "${frontier[@]}"; do
      while read -r child parent; do
        if [[ "$parent" == "$p" ]]; then
          next+=("$child")
        fi
      done <<<"$table"
    done
    found+=("${next[@]}")
    frontier=("${next[@]}")
  done
  for p in "${found[@]}"; do
    if tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q 'org\.openjdk\.jcstress\.ForkedMain'; then
      timeout 15 jstack "$p" 2>/dev/null \
        | grep -oE 'dev\.tether\.[A-Za-z0-9]+Stress_[A-Za-z0-9]+_jcstress' \
        | sed -E 's/_([A-Za-z0-9]+)_jcstress$/.\1/' || true
    fi
  done | sort -u
}

# ---- run one batch: sets run_rc, run_log, run_hung ----
# run_batch <name> <per-test budget> <tests...> -- <jcstress args...>
run_batch() {
  local name="$1" budget="$2"
  shift 2
  local tests=()
  while [[ "$1" != "--" ]]; do
    tests+=("$1")
    shift
  done
  shift
  local regex
  regex="^($(printf '%s\n' "${tests[@]}" | sed 's/\./\\./g' | paste -sd '|'))\$"
  local limit=$((budget * ${#tests[@]} + 120))
  local marker="$logs/.start-$name"
  run_log="$logs/$name.log"
  run_hung=""
  touch "$marker"
  mkdir -p "$results/$name" # also when jcstress dies before writing its report
  echo "jcstress: batch $name: ${#tests[@]} tests (timeout ${limit}s)"
  # -v: the RUN RESULTS summary then lists every test with its verdict, not only interesting ones.
  local cmd=(timeout -k 10 "$limit" java -jar "$jar" -t "$regex" "$@" -v -r "$results/$name")
  if [[ ${#extra[@]} -gt 0 ]]; then
    cmd+=("${extra[@]}")
  fi
  echo "jcstress: \$ ${cmd[*]}"
  # The watchdog names the test(s) the forked JVMs are running 20 s before the deadline.
  local hang_file="$logs/$name.hang"
  (
    trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
    sleep $((limit > 40 ? limit - 20 : limit / 2)) &
    sleeper=$!
    wait "$sleeper"
    name_running_tests >"$hang_file"
  ) &
  local watchdog=$!
  local start=$SECONDS
  set +e
  if [[ "${STRESS_VERBOSE:-0}" == 1 ]]; then
    "${cmd[@]}" 2>&1 | tee "$run_log"
    run_rc=${PIPESTATUS[0]}
  else
    # Stream one line per completed JVM configuration, plus anything fatal.
    "${cmd[@]}" 2>&1 | tee "$run_log" \
      | grep --line-buffered -E '\[(OK|FAILED|ERROR)\] dev\.tether\.|^RUN RESULTS|FATAL|Exception in|Error:' \
      | grep --line-buffered -v 'AssertionError: TEST FAILURES' | sed -u 's/^/    /'
    run_rc=${PIPESTATUS[0]}
  fi
  set -e
  kill "$watchdog" 2>/dev/null || true
  wait "$watchdog" 2>/dev/null || true
  if is_timeout "$run_rc" && [[ -s "$hang_file" ]]; then
    run_hung="$(paste -sd ' ' "$hang_file")"
  fi
  find . -maxdepth 1 -name 'jcstress-results-*.bin.gz' -newer "$marker" \
    -exec mv {} "$results/$name/" \; 2>/dev/null || true
  rm -f "$marker"
  echo "jcstress: batch $name finished in $((SECONDS - start))s, exit status $run_rc"
}

is_timeout() {
  [[ $1 -eq 124 || $1 -eq 137 ]]
}

# The test's merged verdict in the log's RUN RESULTS summary: OK, FAILED, ERROR, or nothing.
verdict_of() {
  sed -n '/^RUN RESULTS:/,$p' "$2" | grep -oE "\[(OK|FAILED|ERROR)\] ${1//./\\.}\$" | head -1 \
    | sed -E 's/^\[([A-Z]+)\].*/\1/' || true
}

# How many forbidden observations the log's failure report lists for the test.
forbidden_of() {
  grep -cE "^${1//./\\.} \[.*\]: Observed forbidden state" "$2" || true
}

# ---- 1. the real Tether classes must pass ----
passed=0
if [[ ${#actuals[@]} -gt 0 ]]; then
  run_batch harnesses "$actual_budget" "${actuals[@]}" -- "${actual_args[@]}"
  if is_timeout "$run_rc"; then
    problem "harness batch TIMED OUT: ${run_hung:-the hung test could not be named (no thread dump)} never finished (deadlock?); see $run_log and $logs/harnesses.hang"
  elif grep -q 'FATAL: No matching tests' "$run_log"; then
    problem "harnesses: jcstress found no matching test (FATAL: No matching tests.)"
  else
    for test in "${actuals[@]}"; do
      verdict="$(verdict_of "$test" "$run_log")"
      forbidden="$(forbidden_of "$test" "$run_log")"
      if [[ "$verdict" == OK && "$forbidden" -eq 0 ]]; then
        passed=$((passed + 1))
        echo "jcstress: harness $test passed"
      else
        problem "$test FAILED (verdict ${verdict:-none}, $forbidden forbidden observations): see $run_log and $results/harnesses/index.html"
        grep -E "^${test//./\\.} \[" "$run_log" | sort -u | head -10 | sed 's/^/    /' || true
      fi
    done
    if [[ $run_rc -ne 0 && $passed -eq ${#actuals[@]} ]]; then
      problem "harness batch exited with status $run_rc though every harness passed; see $run_log"
    fi
  fi
fi

# ---- 2. every canary must be caught, in one of up to $canary_runs runs ----
caught=0
retried=()
pending=("${canaries[@]}")
attempt=0
while [[ ${#pending[@]} -gt 0 && $attempt -lt $canary_runs ]]; do
  attempt=$((attempt + 1))
  run_batch "canaries-$attempt" "$canary_budget" "${pending[@]}" -- "${canary_args[@]}"
  if is_timeout "$run_rc"; then
    problem "canary batch $attempt TIMED OUT: ${run_hung:-the hung canary could not be named} never finished; canaries must bound their waits (not counted as caught, not retried); see $run_log"
    break
  fi
  if grep -q 'FATAL: No matching tests' "$run_log"; then
    problem "canaries: jcstress found no matching test (FATAL: No matching tests.)"
    break
  fi
  still=()
  for test in "${pending[@]}"; do
    verdict="$(verdict_of "$test" "$run_log")"
    forbidden="$(forbidden_of "$test" "$run_log")"
    if [[ "$verdict" == FAILED && "$forbidden" -gt 0 ]]; then
      caught=$((caught + 1))
      echo "jcstress: canary $test caught in run $attempt: $forbidden forbidden observations"
      if [[ $attempt -gt 1 ]]; then
        retried+=("${test#dev.tether.} (run $attempt)")
      fi
    else
      echo "jcstress: canary $test not caught in run $attempt (verdict ${verdict:-none}, $forbidden forbidden observations)"
      still+=("$test")
    fi
  done
  pending=("${still[@]}")
done
for test in "${pending[@]}"; do
  problem "canary $test was NOT caught in $attempt run(s): its harness cannot detect the bug it models; see $logs/canaries-*.log"
done

# Sweep binary result files a killed jcstress left behind (best effort; .gitignore covers them).
find . -maxdepth 1 -name 'jcstress-results-*.bin.gz' -newer "$logs/.run-start" \
  -exec mv {} "$results/" \; 2>/dev/null || true
rm -f "$logs/.run-start"
echo "jcstress: reports in $results/, logs in $logs/; $((SECONDS - run_start))s in all"
retry_note=""
if [[ ${#retried[@]} -gt 0 ]]; then
  retry_note=" (caught on a retry: $(printf '%s, ' "${retried[@]}" | sed 's/, $//'))"
fi
if [[ ${#problems[@]} -gt 0 ]]; then
  echo "jcstress: ${#problems[@]} problem(s):"
  printf '  - %s\n' "${problems[@]}"
  echo "jcstress verdict: FAILED: $passed/${#actuals[@]} harnesses passed, $caught/${#canaries[@]} canaries caught$retry_note"
  exit 1
fi
echo "jcstress verdict: ${passed} harnesses passed, ${caught} canaries caught$retry_note"
