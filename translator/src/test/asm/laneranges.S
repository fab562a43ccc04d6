# Chains of scalar and packed double arithmetic for the lane ranges (LaneRanges) over doubles the
# test puts in the data page, in rounds of eight iterations, each from MXCSR 0x1FA0 (PE set:
# compiled code's usual state); r9 sums the MXCSR each round ends with, so a flag raised late,
# early or not at all shows (the flags are sticky within a round).
# It reads a pair (a, b), forms their product, its square, the running sum of squares and the
# square's root, a quotient and a difference through register copies, a packed product of
# squares, and reads two more doubles c and d; then takes one of two ways (an if/else: the loop
# becomes a nest or a superblock), one using c (which checks it), one taking the packed roots
# times d (which checks d), and where the ways meet squares c and d: each was checked on one way
# only, so nothing may be assumed of either there. Small enough for one method under the default
# memory budget (BlockCompiler.methodCut).
# in: rsi = the data page, ecx = rounds.   out: r9, xmm1-xmm11, MXCSR, the data page.
    .text
    .globl start
start:
    xor   %edx, %edx
    xor   %r9d, %r9d
    mov   %ecx, %r8d
    movl  $0x1FA0, -8(%rsp)
    pxor  %xmm5, %xmm5           # s
    pxor  %xmm12, %xmm12
round:
    ldmxcsr -8(%rsp)
    mov   $8, %ecx
1:  movsd 8(%rsi,%rdx), %xmm1    # a
    movsd 16(%rsi,%rdx), %xmm2   # b
    movapd %xmm1, %xmm3
    mulsd %xmm2, %xmm3           # a*b
    movapd %xmm3, %xmm4
    mulsd %xmm4, %xmm4           # (ab)^2
    addsd %xmm4, %xmm5           # s += (ab)^2
    sqrtsd %xmm4, %xmm6          # |ab|
    divsd %xmm1, %xmm6           # |ab| / a
    subsd %xmm2, %xmm6           # - b
    movapd %xmm4, %xmm8
    unpcklpd %xmm5, %xmm8        # ((ab)^2, s)
    mulpd %xmm8, %xmm8
    ucomisd %xmm12, %xmm6        # the sign of the difference: either way about as often
    movsd 56(%rsi,%rdx), %xmm10  # c
    movsd 64(%rsi,%rdx), %xmm11  # d
    jbe   2f
    addsd %xmm10, %xmm6          # one way: checks c
    jmp   3f
2:  sqrtpd %xmm8, %xmm9          # the other: packed roots, then d (checked)
    mulsd %xmm11, %xmm9
3:  mulsd %xmm10, %xmm10         # where the ways meet
    mulsd %xmm11, %xmm11
after:                           # (a stop address: the test compares MXCSR here every iteration)
    movsd %xmm6, 40(%rsi,%rdx)
    add   $8, %edx
    and   $0xF38, %edx
    dec   %ecx
    jnz   1b
    stmxcsr -16(%rsp)
    mov   -16(%rsp), %eax
    add   %rax, %r9
    dec   %r8d
    jnz   round
done:
    hlt
