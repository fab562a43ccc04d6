#!/bin/sh
# Build lstar's vDSO from src/main/asm/vdso.S.
#
#   tools/build-vdso.sh [OUTDIR]
#
# Needs GNU as, ld and objcopy (binutils); nothing else.  OUTDIR defaults to
# src/main/resources/dev/lstar/kernel (the committed copy the Maven build uses).  Writes:
#
#   vdso.so    the vDSO: an ELF64 shared object (soname linux-vdso.so.1) linked at 0, at most two
#              pages, that the kernel model copies into every process's [vdso] area.  Its
#              symbols carry the version LINUX_2.6; section headers are kept (debuggers use them),
#              debug information and the static symbol table are not.
#
# The output is a pure function of the source and the binutils version; VdsoBuildTest re-runs
# this script and compares the committed file byte for byte.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
module=$(dirname "$here")
out=${1:-$module/src/main/resources/dev/lstar/kernel}
src=$module/src/main/asm/vdso.S
lds=$here/vdso.lds

mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/lstar-vdso.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

as --64 --fatal-warnings -o "$work/vdso.o" "$src"
ld -shared -soname linux-vdso.so.1 --hash-style=both --eh-frame-hdr --build-id=none -Bsymbolic \
   -z max-page-size=4096 -z common-page-size=4096 -z noexecstack -z norelro --no-undefined \
   -T "$lds" -o "$work/vdso.full" "$work/vdso.o"
objcopy --strip-all "$work/vdso.full" "$work/vdso.so"

size=$(wc -c < "$work/vdso.so")
if [ "$size" -gt 8192 ]; then
  echo "build-vdso: vdso.so is $size bytes, more than the two pages of the [vdso] area" >&2
  exit 1
fi
cp "$work/vdso.so" "$out/vdso.so"
echo "build-vdso: wrote $out/vdso.so ($size bytes)"
