# A hot self-loop (a region) whose flags go everywhere: ALU records read by a helper (ADC reads
# CF; INC keeps it), by conditions the compare operands cannot answer (SETO after an ADD), by
# PUSHFQ, by fused conditions (CMOVE, JNZ), by a fault right after a TEST or an INC (flags written
# through the Cpu), and at the loop's exits.
# Ring 0, flat image at 0x400000, data page at rsi set up by the test.
# in:  rcx = iterations, rsi = data page, r15 = iteration at which the load after the TEST faults,
#      rdi = iteration at which the load after the second INC faults (0: never)
# out: accumulators in rax, rbx, r8-r10, r13, r14; RFLAGS of the last SUB.
    .text
    .globl start
start:
    xor   %eax, %eax
    xor   %ebx, %ebx
    xor   %r8d, %r8d
    xor   %r9d, %r9d
    xor   %r10d, %r10d
    xor   %r14d, %r14d
    mov   $0x7ffffff0, %r11
loop:
    mov   %rcx, %rdx
    and   $255, %edx
    add   (%rsi,%rdx,8), %rax
    adc   $0, %rbx
    cmp   %r11, %rax
    add   %rax, %r11
    seto  %r9b
    movzbl %r9b, %r9d
    lea   (%r10,%r9), %r10
    cmp   $100, %rdx
    inc   %r8
    xor   %ebp, %ebp
    mov   $0x40000000, %r12
    cmp   %rdi, %rcx
    cmove %r12, %rbp
    inc   %r8
    mov   (%rsi,%rbp), %r12
    pushfq
    pop   %r13
    and   $0x8d5, %r13
    lea   (%r14,%r13), %r14
    xor   %ebp, %ebp
    mov   $0x40000000, %r12
    cmp   %r15, %rcx
    cmove %r12, %rbp
    test  %rax, %rax
    mov   (%rsi,%rbp), %r12
    sub   $1, %rcx
    jnz   loop
done:
    hlt
