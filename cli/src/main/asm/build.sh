#!/usr/bin/env bash
# Rebuilds the demo guest (committed as src/main/resources/dev/lstar/cli/demo.elf, so the Maven
# build needs no assembler).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
as --64 -o "$tmp/demo.o" "$here/demo.S"
ld -m elf_x86_64 -static -o "$here/../resources/dev/lstar/cli/demo.elf" "$tmp/demo.o"
