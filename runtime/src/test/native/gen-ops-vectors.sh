#!/bin/sh
# Regenerates the integer-instruction test vectors in runtime/src/test/resources/ops/ by running
# every operation on THIS machine's CPU (x86-64 Linux, gcc). Undefined-flag behaviour in the
# vectors is that of the CPU this runs on; record the CPU model in the commit message.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../resources/ops"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gcc -O1 -mno-red-zone -Wall -Wextra -o "$tmp/opsgen" "$here/opsgen.c"
mkdir -p "$out"
for fam in alu shifts muldiv bits; do
    "$tmp/opsgen" "$fam" | gzip -n -9 > "$out/$fam.txt.gz"
done
grep -m1 'model name' /proc/cpuinfo | sed 's/^/host: /'
ls -l "$out"
