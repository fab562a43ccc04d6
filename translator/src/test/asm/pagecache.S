# Two address spaces map the data page at rdx to different frames (space 1 holds 1, space 2
# holds 2). Ring 0. Each of 100 iterations reads and adds 0x10 to the page in space 1, switches
# CR3 to space 2, does the same there through the same pointer, and switches back (a superblock
# goes on past each MOV to CR3): the page cache entry of the pointer must not survive the write.
# in: rdi = CR3 of space 1, rsi = CR3 of space 2, rdx = the data page, cr3 = rdi.
# out: r8 = the sum of space 1's reads (79300), r9 = space 2's (79400); the frames end as
# 1601 and 1602.
    .text
    .globl start
start:
    xor  %r8d, %r8d
    xor  %r9d, %r9d
    mov  $100, %ecx
1:  add  (%rdx), %r8
    addq $0x10, (%rdx)
    mov  %rsi, %cr3
    add  (%rdx), %r9
    addq $0x10, (%rdx)
    mov  %rdi, %cr3
    dec  %ecx
    jnz  1b
done:
    hlt
