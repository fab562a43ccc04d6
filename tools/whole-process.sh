#!/usr/bin/env bash
# Whole-process comparison: the same programs natively, under qemu-x86_64 (when installed) and
# under lstar (`java -jar cli/target/lstar.jar run` and `./lstar run`), run alternately, N times
# each; prints median/min/max wall time and the ratio of the medians to native, and can write a
# markdown table. The programs are built at run time from benchmarks/whole-process/ (and the
# xorshift loop from benchmarks/src/main/elf/): GNU as/ld for the assembly ones, gcc -O2 -static
# for the C ones (skipped when gcc is missing); busybox gzip runs when /bin/busybox exists.
# Each run's stdout must equal the native run's, and its status must be 0, or the cell says FAIL.
# Not part of the test suite (minutes to hours at full size); --quick shrinks every size.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

usage() {
  cat <<'EOF'
usage: tools/whole-process.sh [options]
  --runs N              runs per program and engine, alternating (default 3)
  --quick               small sizes (seconds per run) instead of the full ones
  --only LIST           comma-separated programs: hello,xorshift,getpid,sieve,sha256,qsort,filecopy,gzip,nbody,spectral,mandel,ldouble
  --engines LIST        comma-separated: native,qemu,jar,launcher (default: all; qemu only if installed)
  --md FILE             also write the markdown table to FILE ("-" = stdout)
  --workdir DIR         build and scratch directory (default: a fresh one under /dev/shm or $TMPDIR)
  --lstar-opt OPT       extra option for `lstar run` (repeatable), e.g. --lstar-opt --stats
  --other-jar LABEL=JAR one more column: `java -jar JAR run` (e.g. a build before a change; repeatable)
  --xorshift-iter N     xorshift iterations (12 instructions each; default 300000000)
  --getpid N            getpid calls (default 2000000)
  --sieve-mib N         sieve size in MiB (default 16)     --sieve-rounds N   rounds (default 4)
  --sha-mib N           SHA-256 input in MiB (default 64)
  --qsort-n N           ints to sort (default 10000000)
  --copy-mib N          file copied with 4 KiB reads/writes, MiB (default 256)
  --gzip-mib N          busybox gzip input, MiB (default 32)
  --nbody-steps N       n-body steps (default 5000000)
  --spectral-n N        spectral-norm matrix size (default 5000)
  --mandel-n N          Mandelbrot grid size (default 5000)
  --ldouble-steps N     long double (x87) loop steps (default 2000000)
  -h, --help            this text
EOF
}

die() { echo "whole-process: $*" >&2; exit 2; }
need_arg() { [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value"; }
need_num() { [[ "$2" =~ ^[0-9]+$ ]] || die "$1 needs a non-negative integer, got '$2'"; }

runs=3 quick=0 only= engines=native,qemu,jar,launcher md= workdir= lstar_opts=() other_jars=()
xor_iter= getpid_n= sieve_mib= sieve_rounds= sha_mib= qsort_n= copy_mib= gzip_mib=
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --quick) quick=1; shift ;;
    --runs) need_arg "$@"; need_num "$1" "$2"; runs=$2; shift 2 ;;
    --only) need_arg "$@"; only=$2; shift 2 ;;
    --engines) need_arg "$@"; engines=$2; shift 2 ;;
    --md) need_arg "$@"; md=$2; shift 2 ;;
    --workdir) need_arg "$@"; workdir=$2; shift 2 ;;
    --lstar-opt) need_arg "$@"; lstar_opts+=("$2"); shift 2 ;;
    --other-jar) need_arg "$@"; [[ "$2" == ?*=?* ]] || die "--other-jar needs LABEL=JAR"
      [ -f "${2#*=}" ] || die "--other-jar: no file ${2#*=}"; other_jars+=("$2"); shift 2 ;;
    --xorshift-iter) need_arg "$@"; need_num "$1" "$2"; xor_iter=$2; shift 2 ;;
    --getpid) need_arg "$@"; need_num "$1" "$2"; getpid_n=$2; shift 2 ;;
    --sieve-mib) need_arg "$@"; need_num "$1" "$2"; sieve_mib=$2; shift 2 ;;
    --sieve-rounds) need_arg "$@"; need_num "$1" "$2"; sieve_rounds=$2; shift 2 ;;
    --sha-mib) need_arg "$@"; need_num "$1" "$2"; sha_mib=$2; shift 2 ;;
    --qsort-n) need_arg "$@"; need_num "$1" "$2"; qsort_n=$2; shift 2 ;;
    --copy-mib) need_arg "$@"; need_num "$1" "$2"; copy_mib=$2; shift 2 ;;
    --gzip-mib) need_arg "$@"; need_num "$1" "$2"; gzip_mib=$2; shift 2 ;;
    --nbody-steps) need_arg "$@"; need_num "$1" "$2"; nbody_n=$2; shift 2 ;;
    --spectral-n) need_arg "$@"; need_num "$1" "$2"; spectral_n=$2; shift 2 ;;
    --mandel-n) need_arg "$@"; need_num "$1" "$2"; mandel_n=$2; shift 2 ;;
    --ldouble-steps) need_arg "$@"; need_num "$1" "$2"; ldouble_n=$2; shift 2 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
done
[ "$runs" -ge 1 ] || die "--runs must be at least 1"
all_progs=hello,xorshift,getpid,sieve,sha256,qsort,filecopy,gzip,nbody,spectral,mandel,ldouble
for p in ${only//,/ }; do [[ ",$all_progs," == *",$p,"* ]] || die "unknown program '$p' (one of $all_progs)"; done
for e in ${engines//,/ }; do [[ ",native,qemu,jar,launcher," == *",$e,"* ]] || die "unknown engine '$e' (native,qemu,jar,launcher)"; done
[[ ",$engines," == *",native,"* ]] || die "--engines must include native (the reference for output and ratios)"
[ -z "$only" ] && only=$all_progs

if [ "$quick" = 1 ]; then d=(30000000 200000 4 1 4 1000000 16 4 200000 200000 1000 1000); else d=(300000000 2000000 16 4 64 10000000 256 32 5000000 2000000 5000 5000); fi
xor_iter=${xor_iter:-${d[0]}} getpid_n=${getpid_n:-${d[1]}} sieve_mib=${sieve_mib:-${d[2]}} sieve_rounds=${sieve_rounds:-${d[3]}}
sha_mib=${sha_mib:-${d[4]}} qsort_n=${qsort_n:-${d[5]}} copy_mib=${copy_mib:-${d[6]}} gzip_mib=${gzip_mib:-${d[7]}}
nbody_n=${nbody_n:-${d[8]}} ldouble_n=${ldouble_n:-${d[9]}} spectral_n=${spectral_n:-${d[10]}} mandel_n=${mandel_n:-${d[11]}}

# ---- tools and JDK ----
command -v as >/dev/null && command -v ld >/dev/null || die "GNU as and ld are needed (apt-get install binutils)"
have_gcc=0; command -v gcc >/dev/null && [ -e "$(gcc -print-file-name=libc.a)" ] && have_gcc=1
qemu=$(command -v qemu-x86_64 || true)
java_major() { local l; [ -r "$1/release" ] || { echo 0; return; }
  while IFS= read -r l; do case "$l" in JAVA_VERSION=*) l=${l#JAVA_VERSION=\"}; echo "${l%%[!0-9]*}"; return ;; esac; done < "$1/release"; echo 0; }
jdk=
for c in "${LSTAR_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/*; do
  [ -n "$c" ] && [ -x "$c/bin/java" ] || continue
  v=$(java_major "$c"); [[ "$v" =~ ^[0-9]+$ ]] && [ "$v" -ge 25 ] && { jdk=$c; break; }
done
want() { [[ ",$engines," == *",$1,"* ]]; }
if want jar || want launcher || [ ${#other_jars[@]} -gt 0 ]; then [ -n "$jdk" ] || die "no JDK 25+ found (set JAVA_HOME)"; fi

if [ -z "$workdir" ]; then
  base=/dev/shm; [ -d "$base" ] && [ -w "$base" ] || base=${TMPDIR:-/tmp}
  workdir=$(mktemp -d "$base/lstar-whole.XXXXXX"); trap 'rm -rf "$workdir"' EXIT
fi
mkdir -p "$workdir"
bin=$workdir/bin; mkdir -p "$bin"

# ---- build the programs ----
asm() { as --64 -o "$bin/$2.o" "$1" && ld -m elf_x86_64 -static -nostdlib --build-id=none -z noexecstack -o "$bin/$2" "$bin/$2.o"; }
src=$root/benchmarks/whole-process
asm "$src/hello.S" hello
asm "$root/benchmarks/src/main/elf/xorshift-loop.S" xorshift
asm "$src/getpid-loop.S" getpid
asm "$src/sieve.S" sieve
if [ "$have_gcc" = 1 ]; then
  for c in sha256 qsort filecopy; do gcc -O2 -static -o "$bin/$c" "$src/$c.c"; done
  for c in nbody spectral mandel; do gcc -O2 -static -o "$bin/$c" "$src/$c.c" -lm; done
  gcc -O2 -static -o "$bin/ldouble" "$src/ldouble.c" -lm
fi
if [[ ",$only," == *",filecopy,"* ]] && [ "$have_gcc" = 1 ]; then
  head -c $((copy_mib << 20)) /dev/urandom > "$workdir/copy.in"
fi
if [[ ",$only," == *",gzip,"* ]] && [ -x /bin/busybox ]; then
  { seq 1 $((gzip_mib << 18)) 2>/dev/null || true; } | head -c $((gzip_mib << 20)) > "$workdir/gzip.in"   # decimal text
fi

# program table: name|label|argv (words; @W = the work dir)
progs=()
add() { [[ ",$only," == *",$1,"* ]] && progs+=("$1|$2|$3"); return 0; }
add hello "hello (asm: one write, exit)" "$bin/hello"
add xorshift "xorshift register loop, $((xor_iter * 12 / 1000000)) M instructions" "$bin/xorshift $xor_iter"
add getpid "getpid loop, $getpid_n syscalls" "$bin/getpid $getpid_n"
add sieve "byte sieve over $sieve_mib MiB, $sieve_rounds rounds" "$bin/sieve $sieve_mib $sieve_rounds"
skipped=()
if [ "$have_gcc" = 1 ]; then
  add sha256 "sha256 of $sha_mib MiB (C, -O2 -static)" "$bin/sha256 $sha_mib"
  add qsort "qsort of $qsort_n ints (C, glibc qsort)" "$bin/qsort $qsort_n"
  add filecopy "4 KiB read/write copy of $copy_mib MiB, tmpfs (C)" "$bin/filecopy $workdir/copy.in $workdir/copy.out"
  add nbody "n-body, $nbody_n steps (C, SSE2 doubles)" "$bin/nbody $nbody_n"
  add spectral "spectral norm, N = $spectral_n (C, SSE2 doubles and integer ops)" "$bin/spectral $spectral_n"
  add mandel "Mandelbrot, $mandel_n x $mandel_n points (C, SSE2 doubles)" "$bin/mandel $mandel_n"
  add ldouble "long double loop, $ldouble_n steps (C, x87)" "$bin/ldouble $ldouble_n"
else
  for p in sha256 qsort filecopy nbody spectral mandel ldouble; do [[ ",$only," == *",$p,"* ]] && skipped+=("$p: gcc with a static libc not installed"); done
fi
if [ -x /bin/busybox ]; then
  add gzip "busybox gzip -c of $gzip_mib MiB of text" "/bin/busybox gzip -c $workdir/gzip.in"
elif [[ ",$only," == *",gzip,"* ]]; then skipped+=("gzip: /bin/busybox not present"); fi

# ---- engines ----
eng_names=() eng_labels=()
addeng() { want "$1" && { eng_names+=("$1"); eng_labels+=("$2"); }; return 0; }
addeng native native
if [ -n "$qemu" ]; then addeng qemu "qemu-x86_64 $("$qemu" --version | sed -n '1s/.*version \([0-9.]*\).*/\1/p')"
elif want qemu; then skipped+=("qemu-x86_64: not installed"); fi
addeng jar "lstar (java -jar)"
addeng launcher "lstar (./lstar)"
for k in "${!other_jars[@]}"; do eng_names+=("other$k"); eng_labels+=("${other_jars[$k]%%=*}"); done
jar=$root/cli/target/lstar.jar
if want launcher || want jar; then
  # first use builds the jar (and whatever else the launcher prepares); not timed
  "$root/lstar" run "$bin/hello" >/dev/null || die "./lstar run failed on hello"
fi
cmd_for() { # engine -> prefix words
  case "$1" in
    native) ;;
    qemu) echo "$qemu" ;;
    jar) echo "$jdk/bin/java --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Xss16m -jar $jar run ${lstar_opts[*]:-}" ;;
    launcher) echo "$root/lstar run ${lstar_opts[*]:-}" ;;
    other*) echo "$jdk/bin/java --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Xss16m -jar ${other_jars[${1#other}]#*=} run ${lstar_opts[*]:-}" ;;
  esac
}

now_us() { local t=${EPOCHREALTIME/./}; echo "${t#0}"; }
stats() { # numbers (ms) on stdin -> "median min max"
  sort -n | awk '{a[NR]=$1} END {m = NR % 2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2; printf "%s %s %s\n", m, a[1], a[NR]}'
}
fmt_ms() { awk -v x="$1" 'BEGIN { if (x >= 1000) printf "%.2f s", x/1000; else if (x >= 100) printf "%.0f ms", x; else printf "%.1f ms", x }'; }

host_cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
jdk_ver=$( [ -n "$jdk" ] && sed -n 's/^JAVA_RUNTIME_VERSION="\(.*\)"/\1/p; s/^IMPLEMENTOR="\(.*\)"/\1/p' "$jdk/release" | tr '\n' ' ' | sed 's/ *$//')
header="$(date -u +%F) $(date -u +%H:%M) UTC, $(nproc) CPUs, ${host_cpu:-unknown CPU}, kernel $(uname -r), JDK ${jdk_ver:-none}, $runs run(s) of each, alternating"
echo "# $header" >&2
for s in "${skipped[@]}"; do echo "# skipped $s" >&2; done

table=$'| program |'
for l in "${eng_labels[@]}"; do table+=" $l |"; done
table+=$'\n|---|'; for l in "${eng_labels[@]}"; do table+='---|'; done; table+=$'\n'

for entry in "${progs[@]}"; do
  IFS='|' read -r name label argv <<<"$entry"
  declare -A times=() failed=()
  ref=$workdir/ref.out
  for ((r = 1; r <= runs; r++)); do
    for e in "${eng_names[@]}"; do
      read -r -a pre <<<"$(cmd_for "$e")"
      read -r -a args <<<"$argv"
      rm -f "$workdir/copy.out"
      t0=$(now_us)
      set +e; "${pre[@]}" "${args[@]}" >"$workdir/cur.out" 2>"$workdir/cur.err"; st=$?; set -e
      t1=$(now_us)
      ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1000 }')
      if [ "$e" = native ] && [ "$r" = 1 ]; then cp "$workdir/cur.out" "$ref"; fi
      if [ "$st" != 0 ] || ! cmp -s "$workdir/cur.out" "$ref"; then
        failed[$e]="status $st"; echo "# $name/$e run $r: status $st or output differs from native; stderr: $(head -c 300 "$workdir/cur.err")" >&2
      fi
      times[$e]+="$ms "
      printf '  %-9s %-9s run %d: %s\n' "$name" "$e" "$r" "$(fmt_ms "$ms")" >&2
    done
  done
  read -r nmed _ _ <<<"$(tr ' ' '\n' <<<"${times[native]}" | grep . | stats)"
  row="| $label |"
  line=$(printf '%-40s' "$label")
  for e in "${eng_names[@]}"; do
    read -r med mn mx <<<"$(tr ' ' '\n' <<<"${times[$e]}" | grep . | stats)"
    ratio=$(awk -v a="$med" -v b="$nmed" 'BEGIN { r = b > 0 ? a / b : 0; printf (r >= 10 ? "%.0fx" : "%.2fx"), r }')
    if [ -n "${failed[$e]:-}" ]; then cell="FAIL (${failed[$e]})"
    elif [ "$e" = native ]; then cell="$(fmt_ms "$med") ($(fmt_ms "$mn")-$(fmt_ms "$mx"))"
    else cell="$(fmt_ms "$med") ($(fmt_ms "$mn")-$(fmt_ms "$mx")), **$ratio**"; fi
    row+=" $cell |"; line+=$(printf ' | %-34s' "$cell")
  done
  echo "$line"
  table+="$row"$'\n'
  unset times failed
done

if [ -n "$md" ]; then
  out="Whole process, wall time: median (min-max) of $runs, ratio of medians to native. $header."$'\n\n'"$table"
  for s in "${skipped[@]}"; do out+=$'\n'"Skipped: $s."; done
  if [ "$md" = - ]; then printf '%s\n' "$out"; else printf '%s\n' "$out" > "$md"; echo "# table written to $md" >&2; fi
fi
