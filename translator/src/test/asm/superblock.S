# Superblock shapes, ring 0 (flat image at 0x400000, data page at rsi set up by the test).
# A loop whose body is a chain of short blocks joined by conditional branches (taken on some
# iterations, so side exits are taken at different points), a forward jump, the bit-test family
# on registers and memory (bit strings with negative and positive register offsets), register
# XCHG, SWAPGS with a %gs load between, and MOV from/to CR3 in the middle (the JIT continues past
# it only after re-checking the code mapping).
# in:  rcx = iterations, rsi = data page, r15 = iteration at which a load in the middle of the
#      chain faults (0: never), qword at 256(%rsi) = bits ORed into CR3 on the write (1<<63 for
#      no-flush with PCIDs), kernel GS base -> a readable qword.
# out: accumulators in rax, rbx, r8-r14; the data page.
    .text
    .globl start
start:
    xor  %eax, %eax
    xor  %ebx, %ebx
    xor  %r8d, %r8d
    xor  %r9d, %r9d
    mov  $-100, %r10
loop:
    mov  %rcx, %rdx
    and  $7, %rdx
    cmp  $3, %rdx
    je   side
    test $1, %rcx
    jne  odd
    add  $1, %rax
    jmp  join
odd:
    add  $2, %rax
join:
    bt   %rcx, %rbx
    adc  $0, %r8
    bts  $5, %rbx
    btr  $7, %rbx
    btc  %rcx, %rbx
    bt   %r10, 64(%rsi)
    adc  $0, %r9
    bts  %r10, 64(%rsi)
    btcl $3, (%rsi)
    btr  %rcx, 128(%rsi)
    btsl $33, 8(%rsi)
    btw  %cx, 16(%rsi)
    setc %r11b
    add  %r11, %r14
    xchg %rax, %rbx
    xchg %r8d, %r9d
    xchg %r8d, %r9d
    xchg %rax, %rbx
    xor  %ebp, %ebp
    mov  $0x40000000, %r11
    cmp  %r15, %rcx
    cmove %r11, %rbp
    add  (%rsi,%rbp), %r12
    swapgs
    mov  %gs:0, %r11
    add  %r11, %r12
    swapgs
    mov  %cr3, %rdi
    or   256(%rsi), %rdi
    mov  %rdi, %cr3
    inc  %r13
    cmp  $5, %rdx
    jae  tail
    add  %rdx, %r13
tail:
    dec  %r10
    dec  %rcx
    jnz  loop
done:
    hlt
side:
    add  $100, %r14
    jmp  join
