#!/usr/bin/env bash
# Rebuilds the benchmark ELF guests into benchmarks/src/main/resources/elf/ (committed).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$here/../resources/elf
mkdir -p "$out"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for src in "$here"/*.S; do
  name=$(basename "$src" .S)
  as --64 -o "$tmp/$name.o" "$src"
  ld -m elf_x86_64 -static -nostdlib --build-id=none -z noexecstack -o "$out/$name" "$tmp/$name.o"
done
