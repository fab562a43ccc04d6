# A loop whose if/else arms both run, one of them calling a function in the same page: a loop
# nest over it would hold the call, whose RET returns to a block outside the nest's method (only
# its head enters it), so the engine makes none (JitEngine.loopNest). Ring 0, flat image at
# 0x400000, data page at rsi, stack at rsp, set up by the test.
# in:  rcx = iterations, rsi = data page, rsp = stack
# out: rax, rbx, r8
    .text
    .globl start
start:
    xor  %eax, %eax
    xor  %ebx, %ebx
    xor  %r8d, %r8d
loop:
    test $1, %rcx
    jz   even
odd:
    call work
    add  %rax, %rbx
    jmp  join
even:
    add  $3, %r8
join:
    dec  %rcx
    jnz  loop
done:
    hlt
work:
    mov  %rcx, %rdx
    and  $63, %edx
    add  (%rsi,%rdx,8), %rax
    ret
