# Scalar double arithmetic in loops that load MXCSR as they go: translated code tests the MXCSR
# mode once (MethodEmitter's mxSlow local: read in the prologue, again after LDMXCSR or a
# fallback, and at a loop head while it is not the fast mode), so a mode loaded inside a method
# must reach the very next operation. Loop A loads one of eight modes (the fast one, each
# rounding, PE clear, FTZ, DAZ) before its arithmetic, loop B after it (its arithmetic runs in the
# previous iteration's mode), loop C through FXRSTOR (the interpreter fallback). Every product,
# quotient and sum is inexact, so a wrong rounding shows in the results kept per iteration, and
# STMXCSR keeps the flags.
# Ring 0, flat image at 0x400000, data page at rsi set up by the test: doubles at rsi+8 (by
# iteration), the eight modes at rsi+0x800, a 512-byte FXSAVE area at rsi+0xc00 (16-aligned).
# in: ecx = iterations (<= 60).   out: xmm1-xmm7, MXCSR, the data page (results at 0x200, 0x400,
# 0x600; MXCSR per iteration at 0x900, 0xa00, 0xb00).
    # one iteration's arithmetic on the double at rsi+8+8*rdx, via register t; its sum to out, MXCSR to flags
    .macro step t, out, flags
    movsd 8(%rsi,%rdx,8), %xmm1
    movapd %xmm1, \t
    mulsd %xmm7, \t
    divsd %xmm7, %xmm1
    addsd \t, %xmm5
    subsd %xmm1, %xmm5
    movsd %xmm5, \out(%rsi,%rdx,8)
    stmxcsr \flags(%rsi,%rdx,4)
    .endm

    .text
    .globl start
start:
    mov   %ecx, %r8d
    movsd (%rsi), %xmm7              # the factor
    pxor  %xmm5, %xmm5
    xor   %edx, %edx
loopa:
    mov   %edx, %eax
    and   $7, %eax
    ldmxcsr 0x800(%rsi,%rax,4)       # then the arithmetic
    step  %xmm2, 0x200, 0x900
    inc   %edx
    cmp   %r8d, %edx
    jb    loopa
    xor   %edx, %edx
loopb:
    step  %xmm3, 0x400, 0xa00        # the arithmetic first: the mode the last iteration loaded
    lea   3(%rdx), %eax
    and   $7, %eax
    ldmxcsr 0x800(%rsi,%rax,4)
    inc   %edx
    cmp   %r8d, %edx
    jb    loopb
    fxsave 0xc00(%rsi)
    xor   %edx, %edx
loopc:
    lea   5(%rdx), %eax
    and   $7, %eax
    mov   0x800(%rsi,%rax,4), %eax
    mov   %eax, 0xc18(%rsi)          # the image's MXCSR
    fxrstor 0xc00(%rsi)              # (the fallback)
    step  %xmm4, 0x600, 0xb00
    inc   %edx
    cmp   %r8d, %edx
    jb    loopc
done:
    hlt
