#!/bin/sh
# Rebuilds the ElfFileTest fixtures from hello.S with GNU binutils (run from this directory):
#   hello         static ET_EXEC         (as + ld -static)
#   hello-pie     static-pie ET_DYN      (ld -static -pie --no-dynamic-linker)
#   hello-dyn     ET_DYN with PT_INTERP  (ld -pie -dynamic-linker ...), must be rejected
#   *.readelf     `readelf -lhW` of each, the independent oracle the test compares against
set -eu
cd "$(dirname "$0")"
as --64 -o hello.o hello.S
ld -static --build-id=none -o hello hello.o
ld -static -pie --no-dynamic-linker --build-id=none -o hello-pie hello.o
ld -pie --build-id=none -dynamic-linker /lib64/ld-linux-x86-64.so.2 -o hello-dyn hello.o
rm -f hello.o
for f in hello hello-pie hello-dyn; do LC_ALL=C readelf -lhW "$f" > "$f.readelf"; done
