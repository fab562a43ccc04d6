# A loop nest (a region whose method holds inner loops: JitEngine.loopNest). Ring 0, flat image
# at 0x400000 mapped writable, data page at rsi and a stack page below rsp set up by the test.
# The outer loop (rcx down to 0) holds: a loop of 2-5 iterations over the data page
# (`inner1`), an if/else whose two arms both run (odd and even rcx), a join that starts with a
# run of pushes and pops, a load that faults on iteration r15, a store into the nest's own code
# on iteration r14 (it patches the immediate of `add $1, %r8`), and a second loop (`inner2`).
# in:  rcx = iterations, rsi = data page, rsp = stack, r15 = faulting iteration (0: never),
#      r14 = patching iteration (0: never)
# out: accumulators in rax, rbx, rdi, r8, r9, r13; the data page.
    .text
    .globl start
start:
    xor  %eax, %eax
    xor  %ebx, %ebx
    xor  %r8d, %r8d
    xor  %r9d, %r9d
outer:
    mov  %rcx, %rdx
    and  $3, %rdx
    add  $2, %rdx
inner1:
    movzbl (%rsi,%rdx), %r10d
    add  %r10, %rax
    jmp  1f                         # (two blocks: a self-loop block stays a region of its own)
1:  mov  %rax, 512(%rsi,%rdx,8)
    dec  %rdx
    jnz  inner1
    test $1, %rcx
    jz   even
odd:
    add  $7, %rbx
    lea  (%rdi,%rcx), %rdi          # rdi only here, r13 only in the other arm: the join
    jmp  joined                     # must store whichever the path wrote
even:
    add  $3, %rbx
    imul $5, %rbx, %rbx
    lea  (%r13,%rcx,2), %r13
joined:
    push %rax
    push %rbx
    pop  %r12
    pop  %r12
    xor  %ebp, %ebp
    mov  $0x40000000, %r11
    cmp  %r15, %rcx
    cmove %r11, %rbp
    add  (%rsi,%rbp), %r9
    add  %r12, %r9
    cmp  %r14, %rcx
    jne  nopatch
    movb $3, patch+3(%rip)
nopatch:
patch:
    add  $1, %r8
    mov  $3, %r12
inner2:
    add  %r12, %r9
    jmp  2f
2:  dec  %r12
    jnz  inner2
    dec  %rcx
    jnz  outer
done:
    hlt
