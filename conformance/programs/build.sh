#!/usr/bin/env bash
# Builds every conformance/programs/*.S into a static x86-64 ELF (GNU as + ld, no libc) under
# conformance/src/test/resources/programs/NAME.  The binaries are committed so the Maven build
# needs no assembler; ProgramsUpToDateTest rebuilds them with this script (OUT=dir) when `as`
# exists and compares the loadable contents.
#   build.sh            rebuild all into the resources directory
#   OUT=/tmp/x build.sh rebuild all into /tmp/x
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-$here/../src/test/resources/programs}
mkdir -p "$out"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for src in "$here"/*.S; do
  name=$(basename "$src" .S)
  as --64 -I "$here" -o "$tmp/$name.o" "$src"
  ld -m elf_x86_64 -static -nostdlib --build-id=none -z noexecstack -o "$out/$name" "$tmp/$name.o"
done
