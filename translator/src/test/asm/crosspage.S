# A hot loop whose path spans three pages: the loop head (page 0) calls through a register into a
# callee in page 3, then calls it again through a stub's indirect jump (as a PLT does), jumps to
# a tail at the end of page 0 whose instruction crosses into page 1, and comes back from page 1
# (superblocks that go on into other pages, a guarded indirect call and a guarded indirect jump). Ring 0, flat image at 0x400000 mapped writable, data page at rsi, stack at rsp, set up
# by the test.
# in:  rcx = iterations, rsi = data page, r15 = iteration at which a load in the callee faults,
#      r14 = iteration at which the loop patches the callee's immediate (0: never),
#      r12 = mask: iterations with (rcx & r12) == 0 call `other` instead of `work`
# out: accumulators in rax, rbx, r8, r10; the data page; the stack.
    .text
    .globl start
start:
    xor   %eax, %eax
    xor   %ebx, %ebx
    xor   %r8d, %r8d
    xor   %r10d, %r10d
loop:
    mov   %rcx, %rdx
    and   $63, %edx
    cmp   %r14, %rcx
    jne   1f
    movb  $5, patch+3(%rip)
1:  lea   work(%rip), %r11
    lea   other(%rip), %r13
    test  %r12, %rcx
    cmovz %r13, %r11                    # no branch: the call's guard sees both callees
    call  *%r11
    add   %rax, %rbx
    call  stub                          # as through a PLT: a direct call, then an indirect jump
    add   %rax, %rbx
    jmp   tail
done:
    hlt
stub:
    jmp   *%r11

    .org  0x1000 - 7
tail:                                   # page 1's last bytes
    add   $3, %r10
    mov   $0x01020304, %r9d             # over the end of page 1
    add   %r9, %r10
    dec   %rcx
    jnz   loop
    jmp   done

    .org  0x3000
work:                                   # page 3
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
other:
    sub   (%rsi,%rdx,8), %rax
    add   $7, %r8
    ret
