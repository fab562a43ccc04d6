# A loop that writes CR0 between two SSE instructions, TS set by the write of the iteration the
# test chooses: the SSE instruction after that write raises #NM (the test: on every engine).
# Ring 0, flat image at 0x400000; rsi = a table of 40 CR0 values (the test's).
    .text
    .globl start
start:
    xor   %eax, %eax
    xor   %ecx, %ecx
1:  mov   (%rsi,%rcx,8), %rbx
    pxor  %xmm1, %xmm1
    mov   %rbx, %cr0
    inc   %rax
    pxor  %xmm0, %xmm0              # #NM once TS is set
    inc   %rcx
    cmp   $40, %rcx
    jb    1b
done:
    hlt
