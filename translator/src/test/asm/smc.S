# Self-modifying code (flat image at 0x400000, mapped writable by the test).
# out: r8 = 42 (a store patched the immediate of a later instruction of the same block),
#      r9 = 5 then r10 = 7 (a store patched the immediate of another, already executed block).
    .text
    .globl start
start:
    movl $42, patch1+1(%rip)
patch1:
    movl $1, %eax
    mov  %eax, %r8d
    call other
    mov  %eax, %r9d
    movl $7, patch2+1(%rip)
    call other
    mov  %eax, %r10d
done:
    hlt
other:
patch2:
    movl $5, %eax
    ret
