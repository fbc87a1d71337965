# Sourced by the benchmark scripts: rebuilds bench/target/benchmarks.jar from the current sources
# (a jar left from an earlier checkout would measure old code; Maven recompiles only what changed),
# refuses a jar older than any source it is built from (a build that failed to replace it), and
# prints the commit measured. Sets $jar. Run from the repository's top directory.
jar=bench/target/benchmarks.jar
./mvnw -B -q -pl bench -am package -DskipTests -Dexec.skip
stale=$(find core/src/main bench/src/main pom.xml core/pom.xml bench/pom.xml -type f \
  -newer "$jar" -print -quit)
if [[ -n "$stale" ]]; then
  echo "$jar is older than $stale: the build did not replace it; not measuring old code" >&2
  exit 1
fi
echo "== code"
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo n/a)$(
  git diff --quiet HEAD -- core/src bench/src pom.xml core/pom.xml bench/pom.xml 2>/dev/null \
    || echo ' (core or bench modified)')"
echo "jar built: $(date -u -r "$jar" '+%Y-%m-%d %H:%M:%S UTC')"
