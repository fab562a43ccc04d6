# A loop that calls a function whose body is an if/else whose arms both run and join before its
# RET: the function's blocks have ways to one another's starts but make no loop, so they are no
# loop nest (JitEngine.loopNest, BlockCompiler.loops) and the loop's superblock goes on into the
# call. Ring 0, flat image at 0x400000, data page at rsi, stack at rsp, set up by the test.
# in:  rcx = iterations, rsi = data page, rsp = stack
# out: rax, rbx, r8
    .text
    .globl start
start:
    xor  %eax, %eax
    xor  %ebx, %ebx
    xor  %r8d, %r8d
loop:
    call func
    add  %rax, %r8
    dec  %rcx
    jnz  loop
done:
    hlt
func:
    test $1, %rcx
    jz   even
odd:
    add  $7, %rbx
    jmp  join
even:
    mov  %rcx, %rdx
    and  $63, %edx
    add  (%rsi,%rdx,8), %rax
join:
    lea  1(%rbx), %rbx
    ret
