# A self-loop block: one basic block whose last instruction branches back to its start, which the
# JIT compiles as a region holding its body twice (JitEngine.unrolled: the first copy's way back
# goes on into the second, only the second's is the back-edge). Ring 0, flat image at 0x400000
# mapped writable, data page at rsi set up by the test. No branch inside the body (CMOVs choose).
# Its scalar doubles are the kind MethodEmitter keeps in double locals (OperandEmitter.doubleXmm):
# an ADDSD accumulator carried round the loop, a quotient of a CVTSI2SD, a product with a memory
# operand, and a signalling NaN with a payload that UCOMISD reads every iteration (IE) and that
# must keep its bits. A load faults on iteration r15; a store patches the immediate of
# `add $1, %r8` (further on in the same block) on iteration r14.
# in:  rcx = iterations, rsi = data page (doubles at 0..0x3f8, the signalling NaN at 0x800),
#      r15 = faulting iteration (0: never), r14 = patching iteration (0: never)
# out: rax, rbx, r8, r9, xmm1, xmm5, MXCSR; the results at rsi+0x900..
    .text
    .globl start
start:
    xor   %eax, %eax
    xor   %ebx, %ebx
    xor   %r8d, %r8d
    xor   %r9d, %r9d
    pxor  %xmm1, %xmm1
    mov   $0x3ff0000000000000, %r10
    movq  %r10, %xmm3
    movsd 0x800(%rsi), %xmm5
    lea   patch+3(%rip), %r12
loop:
    mov   %rcx, %rdx
    and   $127, %rdx
    pxor  %xmm2, %xmm2
    cvtsi2sd %ecx, %xmm2
    movapd %xmm3, %xmm0
    divsd %xmm2, %xmm0
    mulsd (%rsi,%rdx,8), %xmm0
    addsd %xmm0, %xmm1
    ucomisd %xmm5, %xmm5
    setp  %r9b
    add   %r9, %rbx
mid:
    xor   %ebp, %ebp
    mov   $0x40000000, %r11
    cmp   %r15, %rcx
    cmove %r11, %rbp
    add   (%rsi,%rbp), %rax
    lea   0xf00(%rsi), %r13
    cmp   %r14, %rcx
    cmove %r12, %r13
    movb  $3, (%r13)
patch:
    add   $1, %r8
    mov   %rax, 0xa00(%rsi,%rdx,8)
    dec   %rcx
    jnz   loop
done:
    movsd %xmm1, 0x900(%rsi)
    movsd %xmm5, 0x908(%rsi)
    stmxcsr 0x910(%rsi)
    hlt
