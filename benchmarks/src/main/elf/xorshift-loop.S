# A register-only loop for the "lstar run vs native" measurement: ITER xorshift64 steps
# (mov/shl/xor/shr/add/dec/jnz, 12 instructions per iteration), then the final state is printed
# in hex and the process exits 0. usage: xorshift-loop [ITER]   (default 300000000)
    .equ SYS_write, 1
    .equ SYS_exit_group, 231
    .text
    .globl _start
_start:
    mov   $300000000, %rcx
    cmpq  $2, (%rsp)
    jb    2f
    mov   16(%rsp), %rsi            # argv[1]: decimal iteration count
    xor   %ecx, %ecx
1:  movzbl (%rsi), %eax
    sub   $'0', %eax
    cmp   $9, %eax
    ja    2f
    imul  $10, %rcx, %rcx
    add   %rax, %rcx
    inc   %rsi
    jmp   1b
2:  mov   $0x9e3779b97f4a7c15, %rax
    xor   %ebx, %ebx
loop:
    mov   %rax, %rdx
    shl   $13, %rdx
    xor   %rdx, %rax
    mov   %rax, %rdx
    shr   $7, %rdx
    xor   %rdx, %rax
    mov   %rax, %rdx
    shl   $17, %rdx
    xor   %rdx, %rax
    add   %rax, %rbx
    dec   %rcx
    jnz   loop
    # print rbx in hex
    lea   out+16(%rip), %rdi
    mov   $16, %ecx
3:  mov   %ebx, %edx
    and   $15, %edx
    movzbl hexd(%rdx), %edx
    dec   %rdi
    mov   %dl, (%rdi)
    shr   $4, %rbx
    dec   %ecx
    jnz   3b
    mov   $1, %edi
    lea   out(%rip), %rsi
    mov   $17, %edx
    mov   $SYS_write, %eax
    syscall
    xor   %edi, %edi
    mov   $SYS_exit_group, %eax
    syscall
    ud2
    .section .rodata
hexd: .ascii "0123456789abcdef"
    .data
out:  .ascii "0000000000000000\n"
