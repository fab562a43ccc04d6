#!/usr/bin/env bash
# Paired A/B timing of `lstar run` builds or JVM options on one program, for the noisy shared VMs
# these measurements are made on (a 3.4 s run becomes 5-6 s in a burst of host load): the
# configurations run alternately, N rounds, and the report gives each one's median and minimum
# and, against the first, the median of the per-round differences and in how many rounds it was
# faster — a change that wins 9 rounds of 12 is believable where medians of a few runs are not.
# Each configuration is LABEL=JAR or LABEL=JAR=OPTS (JVM options separated by '|'); every jar gets
# its own AOT cache next to it (recorded once, as the launcher records it), and all run with the
# launcher's JVM options (read from ./lstar).
#
#   tools/ab-pairs.sh [--runs N] CONFIG CONFIG... -- PROGRAM [ARGS...]
#   e.g. tools/ab-pairs.sh --runs 12 before=/tmp/a/lstar.jar after=cli/target/lstar.jar -- /tmp/spectral 5000
#        tools/ab-pairs.sh now=cli/target/lstar.jar 'x=cli/target/lstar.jar=-XX:CICompilerCount=3' -- /tmp/spectral 5000
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
die() { echo "ab-pairs: $*" >&2; exit 2; }

runs=10 configs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || die "--runs needs a positive number"; runs=$2; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *=*) configs+=("$1"); shift ;;
    *) die "expected LABEL=JAR[=OPTS] or --, got '$1'" ;;
  esac
done
[ ${#configs[@]} -ge 2 ] || die "give at least two configurations (see --help)"
[ $# -ge 1 ] || die "no program after --"

labels=() jars=() opts=()
for c in "${configs[@]}"; do
  label=${c%%=*} rest=${c#*=}
  jar=${rest%%=*} o=; [[ "$rest" == *=* ]] && o=${rest#*=}
  [ -f "$jar" ] || die "$label: no jar $jar"
  labels+=("$label"); jars+=("$(cd "$(dirname "$jar")" && pwd)/$(basename "$jar")"); opts+=("$o")
done

java_home=${JAVA_HOME:-}
if [ -z "$java_home" ] || ! "$java_home/bin/java" -version 2>&1 | grep -q '"25'; then
  for j in /usr/lib/jvm/*25*; do [ -x "$j/bin/java" ] && java_home=$j && break; done
fi
[ -n "$java_home" ] && [ -x "$java_home/bin/java" ] || die "no JDK 25 found (set JAVA_HOME)"
java=$java_home/bin/java
# the launcher's JVM options, exactly as ./lstar passes them
eval "$(sed -n '/^jvm_opts=(/,/)$/p' "$root/lstar")"

aot_for() { echo "${1%.jar}.ab.aot"; }
for jar in "${jars[@]}"; do
  aot=$(aot_for "$jar")
  if [ ! -s "$aot" ] || [ "$jar" -nt "$aot" ]; then
    echo "ab-pairs: recording the AOT cache for $jar" >&2
    (cd / && "$java" "${jvm_opts[@]}" -XX:+UnlockDiagnosticVMOptions -XX:-AOTRecordTraining \
      -XX:AOTCacheOutput="$aot" -jar "$jar" run /bin/true >/dev/null 2>&1) || die "could not record $aot"
  fi
done

out=$(mktemp)
trap 'rm -f "$out"' EXIT
for ((r = 1; r <= runs; r++)); do
  for k in "${!labels[@]}"; do
    IFS='|' read -ra extra <<< "${opts[$k]}"
    s=$(date +%s%N)
    "$java" "${jvm_opts[@]}" "${extra[@]}" -XX:AOTCache="$(aot_for "${jars[$k]}")" -Xlog:aot*=off \
      -jar "${jars[$k]}" run "$@" >/dev/null || die "${labels[$k]}: the run failed (status $?)"
    e=$(date +%s%N)
    echo "${labels[$k]} $(( (e - s) / 1000000 ))" | tee -a "$out" >&2
  done
done
python3 - "$out" "${labels[@]}" <<'PY'
import sys, statistics
rows = [l.split() for l in open(sys.argv[1])]
labels = sys.argv[2:]
t = {k: [int(v) / 1000 for (l, v) in rows if l == k] for k in labels}
for k in labels:
    print(f"{k:12s} median {statistics.median(t[k]):.3f} s  min {min(t[k]):.3f} s  (n={len(t[k])})")
base = labels[0]
for k in labels[1:]:
    d = [b - a for a, b in zip(t[base], t[k])]
    wins = sum(1 for x in d if x < 0)
    print(f"{k} - {base}: median difference {statistics.median(d):+.3f} s; {k} faster in {wins} of {len(d)} rounds")
PY
