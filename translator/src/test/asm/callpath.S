# A hot loop that calls a function in its page (a superblock goes on into the callee after the
# call's push, and ends at its RET). Ring 0, flat image at 0x400000 mapped writable, data page at
# rsi, stack at rsp, set up by the test.
# in:  rcx = iterations, rsi = data page, r15 = iteration at which a load in the callee faults,
#      r14 = iteration at which the loop patches the callee's immediate (0: never)
# out: accumulators in rax, rbx, r8; the data page; the stack.
    .text
    .globl start
start:
    xor   %eax, %eax
    xor   %ebx, %ebx
    xor   %r8d, %r8d
loop:
    mov   %rcx, %rdx
    and   $63, %edx
    cmp   %r14, %rcx
    jne   1f
    movb  $5, patch+3(%rip)
1:  call  work
    add   %rax, %rbx
    dec   %rcx
    jnz   loop
done:
    hlt
work:
    xor   %ebp, %ebp
    mov   $0x40000000, %r9
    cmp   %r15, %rcx
    cmove %r9, %rbp
    add   (%rsi,%rdx,8), %rax
    add   (%rsi,%rbp), %rax
    mov   %rax, 512(%rsi,%rdx,8)
patch:
    add   $1, %r8
    ret
