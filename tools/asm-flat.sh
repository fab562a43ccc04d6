#!/usr/bin/env bash
# Assembles every NAME.S in SRC_DIR into a flat binary OUT_DIR/NAME.bin linked at 0x400000, and
# lists its code symbols in OUT_DIR/NAME.sym ("name hexaddress" per line). The outputs are
# committed so the Maven build needs no assembler; tests compare them with a fresh build when
# GNU as is present.   usage: tools/asm-flat.sh SRC_DIR OUT_DIR
set -euo pipefail
src_dir=$1 out=$2
mkdir -p "$out"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for src in "$src_dir"/*.S; do
  name=$(basename "$src" .S)
  as --64 -o "$tmp/$name.o" "$src"
  ld -m elf_x86_64 -Ttext=0x400000 -e 0x400000 -o "$tmp/$name.elf" "$tmp/$name.o"
  objcopy -O binary -j .text "$tmp/$name.elf" "$out/$name.bin"
  nm "$tmp/$name.elf" | awk '$2 ~ /^[tT]$/ && $3 !~ /^_/ {print $3, $1}' | sort > "$out/$name.sym"
done
