# Accesses through one pointer at every offset of a page and across its end (the page cache,
# PageCache: an access in the cached page that ends past it must take the Mmu's accessor): each
# iteration reads 8 bytes at rbx, 8 at rbx+3, 2 at rbx+6, 16 at rbx (MOVDQU), adds to 8 at rbx+1
# and writes 8 at rbx+9, then moves rbx on by 5 bytes through two pages and back to their start.
# At iteration r15 (counting down; 0: never) rbx becomes 0: the next access, a null pointer's,
# must fault as the interpreter's does (through an entry that may still be empty).
# in: rsi = two data pages, ecx = iterations, r15.   out: r8, xmm1, the pages.
    .text
    .globl start
start:
    xor   %r8d, %r8d
    pxor  %xmm1, %xmm1
    mov   %rsi, %rbx
    lea   0x1fe0(%rsi), %rdi
1:  add   (%rbx), %r8
    add   3(%rbx), %r8
    movzwl 6(%rbx), %eax
    add   %rax, %r8
    movdqu (%rbx), %xmm0
    paddq %xmm0, %xmm1
    addq  $1, 1(%rbx)
    mov   %r8, 9(%rbx)
    add   $5, %rbx
    cmp   %rdi, %rbx
    jb    2f
    mov   %rsi, %rbx
2:  cmp   %ecx, %r15d
    jne   3f
    xor   %ebx, %ebx
3:  dec   %ecx
    jnz   1b
done:
    hlt
