# pagecache.S with 16-byte SSE accesses (the inline MOVDQU load and store, which go through the
# method's page cache entry of their base register): two address spaces map the data page at rdx
# to different frames (space 1 holds 1, space 2 holds 2). Ring 0. Each of 100 iterations loads the
# page's first 16 bytes in space 1, adds {0x10, 0x20} and stores them, switches CR3 to space 2,
# does the same there through the same pointer, and switches back: the entry must not survive the
# write. in: rdi = CR3 of space 1, rsi = CR3 of space 2, rdx = the data page, cr3 = rdi.
# out: r8 = the sum of space 1's low quadwords read (79300), r9 = space 2's (79400); the frames
# end as {1601, 3200} and {1602, 3200}.
    .text
    .globl start
start:
    xor  %r8d, %r8d
    xor  %r9d, %r9d
    mov  $0x10, %eax
    movq %rax, %xmm1
    mov  $0x20, %eax
    movq %rax, %xmm2
    punpcklqdq %xmm2, %xmm1
    mov  $100, %ecx
1:  movdqu (%rdx), %xmm0
    movq %xmm0, %rax
    add  %rax, %r8
    paddq %xmm1, %xmm0
    movdqu %xmm0, (%rdx)
    mov  %rsi, %cr3
    movdqu (%rdx), %xmm0
    movq %xmm0, %rax
    add  %rax, %r9
    paddq %xmm1, %xmm0
    movdqu %xmm0, (%rdx)
    mov  %rdi, %cr3
    dec  %ecx
    jnz  1b
done:
    hlt
