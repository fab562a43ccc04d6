# Register-only loop: a xorshift64 step per iteration, summed into rbx.
# in: rax = seed, rcx = iterations.  out: rax = state, rbx = sum of states.  Ends with hlt.
    .text
    .globl start
start:
loop:
    mov  %rax, %rdx
    shl  $13, %rdx
    xor  %rdx, %rax
    mov  %rax, %rdx
    shr  $7, %rdx
    xor  %rdx, %rax
    mov  %rax, %rdx
    shl  $17, %rdx
    xor  %rdx, %rax
    add  %rax, %rbx
    dec  %rcx
    jnz  loop
done:
    hlt
