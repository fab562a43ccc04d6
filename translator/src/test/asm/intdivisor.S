# A quotient by an integer's double in a self-loop (IntegerDivisorTest): the divisor's range is
# "zero or [1, 2^31]", so the translator checks it only for zero (LaneRanges' NONZERO test), and
# the dividend from memory against the window. The data page holds doubles in [1, 2) at 8*i and
# 32-bit integers at 0x800 + 4*i, some of them zero: the first zero divisor must raise ZE (its
# quotient is an infinity), which only the exact lane does.
# in: rsi = the data page, ecx = iterations.   out: xmm0-xmm2, MXCSR.
    .text
    .globl start
start:
    xor   %edi, %edi
    pxor  %xmm1, %xmm1
1:  movsd (%rsi,%rdi,8), %xmm0
    cvtsi2sdl 0x800(%rsi,%rdi,4), %xmm2
    divsd %xmm2, %xmm0
    addsd %xmm0, %xmm1
after:                           # (a stop address)
    inc   %edi
    and   $0xFF, %edi
    dec   %ecx
    jnz   1b
done:
    hlt
