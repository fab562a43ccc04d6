# Chains through the scalar conversions the translator runs inline (ConversionChainsTest):
# CVTSI2SD of 32- and 64-bit integers (whose result ranges feed the lane ranges), a square, a
# sum and a quotient by a double from the data, a double divided by a converted integer (zero
# too), CVTTSD2SI/CVTSD2SI back, CVTSI2SS,
# CVTSS2SD/CVTSD2SS, COMISS/UCOMISS with SETcc, CVTTSS2SI, and CDQE/CQO/CWDE on the results.
# Each round runs eight iterations from MXCSR 0x1FA0 with the round's rounding mode (all four in
# turn); r9 sums the MXCSR each round ends with (flags are sticky within a round), r10 sums the
# integers, so a wrong conversion, flag or rounding shows at the end.
# in: rsi = the data page, ecx = rounds.   out: r9, r10, xmm1-xmm11, MXCSR, the data page.
    .text
    .globl start
start:
    xor   %edi, %edi
    xor   %r9d, %r9d
    xor   %r10d, %r10d
    mov   %ecx, %r8d
round:
    mov   %r8d, %eax
    and   $3, %eax
    shl   $13, %eax
    or    $0x1FA0, %eax
    mov   %eax, -8(%rsp)
    ldmxcsr -8(%rsp)
    mov   $8, %ecx
1:  mov   8(%rsi,%rdi), %rax     # an integer
    mov   16(%rsi,%rdi), %r11    # another
    cvtsi2sd %eax, %xmm1         # 32-bit: exact, zero or [1, 2^31]
    cvtsi2sd %rax, %xmm2         # 64-bit: may round
    movapd %xmm1, %xmm3
    mulsd %xmm1, %xmm3           # its square
    addsd %xmm2, %xmm3
    movsd 24(%rsi,%rdi), %xmm4   # a double
    divsd %xmm4, %xmm3
    cvttsd2si %xmm3, %rbx
    add   %rbx, %r10
    cvtsd2si %xmm3, %ebx         # the round's rounding mode, 32-bit
    add   %rbx, %r10
    cvtsi2ss %r11d, %xmm5        # rounds beyond 2^24
    cvtsi2ss %r11, %xmm6
    cvtss2sd %xmm5, %xmm7
    mulsd %xmm7, %xmm1
    cvtsi2sd %r11d, %xmm9        # a divisor from an integer: zero or [1, 2^31] (a NONZERO check)
    movsd 24(%rsi,%rdi), %xmm10
    divsd %xmm9, %xmm10          # (zero: ZE, or IE for 0/0; an infinite or NaN quotient)
    addsd %xmm10, %xmm11         # summed over the round
    cvtsd2ss %xmm3, %xmm8        # may overflow or underflow as a single
    comiss %xmm5, %xmm8
    setb  %bl
    movzbl %bl, %ebx
    add   %rbx, %r10
    ucomiss %xmm6, %xmm5
    seta  %bl
    movzbl %bl, %ebx
    add   %rbx, %r10
    cvttss2si %xmm8, %ebx
    mov   %ebx, %eax
    cdqe
    add   %rax, %r10
    cqo
    add   %rdx, %r10
    cwde
    add   %rax, %r10
    cvtss2si %xmm6, %rbx
    add   %rbx, %r10
after:                           # (a stop address: the test compares the state here every iteration)
    movsd %xmm3, 32(%rsi,%rdi)
    add   $8, %edi
    and   $0xF38, %edi
    dec   %ecx
    jnz   1b
    stmxcsr -16(%rsp)
    mov   -16(%rsp), %eax
    add   %rax, %r9
    dec   %r8d
    jnz   round
done:
    hlt
