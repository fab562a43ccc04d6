# Two address spaces map the linear page of `x` to different code (the test maps page 1 or page 2
# of this image there). Ring 0. in: rdi = CR3 of space 1, rsi = CR3 of space 2, cr3 = rdi.
# out: r8 = 0x1212 (x returned 1, 2, 1, 2: the value of the space current at each call).
    .text
    .globl start
start:
    xor  %r8d, %r8d
    mov  $4, %ecx
1:  call x
    shl  $4, %r8
    add  %rax, %r8
    mov  %rsi, %cr3
    xchg %rsi, %rdi
    dec  %ecx
    jnz  1b
done:
    hlt
    .balign 4096
x:
    mov  $1, %eax
    ret
    .balign 4096
x2:
    mov  $2, %eax
    ret
