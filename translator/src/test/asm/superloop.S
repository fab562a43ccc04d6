# A loop whose body is a chain of blocks (issue #14: a superblock whose path comes back to its
# start is compiled as a region, the loop going round inside one method). Ring 0, flat image at
# 0x400000 mapped writable, data page at rsi set up by the test.
# Branches inside the body go both ways: `je rare` is taken on one iteration in eight (a side
# exit), `jnz usual` on seven in eight (the path must follow its taken direction, which only the
# engine's branch profile tells). Loads and stores on the data page; a load that faults on
# iteration r15; a store into the loop's own code on iteration r14 (it patches the immediate of
# `add $1, %r8`, which later iterations must see).
# in:  rcx = iterations, rsi = data page, r15 = faulting iteration (0: never),
#      r14 = patching iteration (0: never)
# out: accumulators in rax, rbx, r8, r9; the data page.
    .text
    .globl start
start:
    xor  %eax, %eax
    xor  %ebx, %ebx
    xor  %r8d, %r8d
    xor  %r9d, %r9d
loop:
    mov  %rcx, %rdx
    and  $7, %rdx
    cmp  $5, %rdx
    je   rare
next1:
    movzbl (%rsi,%rdx), %r10d
    add  %r10, %rax
    test $7, %rcx
    jnz  usual
    add  $7, %rbx
usual:
    xor  %ebp, %ebp
    mov  $0x40000000, %r11
    cmp  %r15, %rcx
    cmove %r11, %rbp
    add  (%rsi,%rbp), %r9
    cmp  %r14, %rcx
    jne  nopatch
    movb $3, patch+3(%rip)
nopatch:
patch:
    add  $1, %r8
    mov  %rax, 512(%rsi,%rdx,8)
    dec  %rcx
    jnz  loop
done:
    hlt
rare:
    add  $100, %rbx
    jmp  next1
