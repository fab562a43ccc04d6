# A product of two loads added to an accumulator (AccumulatorCheckTest): the ADDSD's check of the
# loop-carried accumulator. Each round starts the accumulator from the data — normal, zero, a
# denormal, an infinity, a quiet or signalling NaN, huge or tiny — so its check fails in some
# rounds after the loop runs translated: then DE or IE must come out as the CPU raises them.
# in: rsi = the data page (doubles in [1, 2) at 0, the rounds' starts at 0x800), ecx = rounds.
# out: xmm0, xmm1, MXCSR, the rounds' sums at 0xc00.
    .text
    .globl start
start:
    xor   %r8d, %r8d
round:
    movsd 0x800(%rsi,%r8,8), %xmm1
    xor   %edi, %edi
    mov   $40, %r9d
1:  movsd (%rsi,%rdi,8), %xmm0
    mulsd 8(%rsi,%rdi,8), %xmm0
    addsd %xmm0, %xmm1
after:                           # (a stop address)
    inc   %edi
    and   $0x7F, %edi
    dec   %r9d
    jnz   1b
    movsd %xmm1, 0xC00(%rsi,%r8,8)
    inc   %r8d
    and   $0x3F, %r8d
    dec   %ecx
    jnz   round
done:
    hlt
