# Memory loop: out[i] = running sum of in[i] (64-bit), i from rcx-1 down to 0.
# in: rsi = in array, rdi = out array, rcx = count.  out: rax = total.  Ends with hlt.
    .text
    .globl start
start:
    xor  %eax, %eax
loop:
    mov  -8(%rsi,%rcx,8), %rdx
    add  %rdx, %rax
    mov  %rax, -8(%rdi,%rcx,8)
    dec  %rcx
    jnz  loop
done:
    hlt
