# A region (a hot self-loop) that stores through one base register: into the data page in most
# iterations, and once into an immediate of its own code. The store's page cache entry then holds
# the data page's frame; a frame with translated code is never handed to the cache, so that store
# goes to the Mmu — the loop must leave right after it and go on with the patched code.
# Ring 0, flat image at 0x400000 (writable), data page at rsi set up by the test: a qword table
# by rcx (64..1) of store addresses.
# out: r8 = the sum of the (patched) increments
    .text
    .globl start
start:
    xor   %r8d, %r8d
    mov   $64, %ecx
loop:
    mov   (%rsi,%rcx,8), %rdi
    movb  $7, (%rdi)
patch:
    add   $1, %r8                   # 49 83 c0 01: the immediate at patch+3
    sub   $1, %rcx
    jnz   loop
done:
    hlt
