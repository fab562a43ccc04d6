# Straight-line code with three accesses through one pointer, position-independent: PageCacheTest
# runs it at 0x400000 and again mapped in the kernel half. Ring 0.
# in: rdx = a data page holding two quadwords at 0 and 8. out: rax = their sum, also stored at 16.
    .text
    .globl start
start:
    mov  (%rdx), %rax
    add  8(%rdx), %rax
    mov  %rax, 16(%rdx)
    jmp  done
done:
    hlt
