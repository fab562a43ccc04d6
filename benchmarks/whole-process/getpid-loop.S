# getpid-loop [N]: N getpid system calls (default 2000000), then prints the last pid's parity
# check ("ok") and exits 0. Measures the system-call round trip of a whole process.
    .text
    .globl _start
_start:
    mov   $2000000, %r12
    cmpq  $2, (%rsp)
    jb    2f
    mov   16(%rsp), %rsi            # argv[1]: decimal count
    xor   %r12d, %r12d
1:  movzbl (%rsi), %eax
    sub   $'0', %eax
    cmp   $9, %eax
    ja    2f
    imul  $10, %r12, %r12
    add   %rax, %r12
    inc   %rsi
    jmp   1b
2:  xor   %ebx, %ebx
loop:
    mov   $39, %eax                 # getpid
    syscall
    add   %rax, %rbx
    dec   %r12
    jnz   loop
    test  %rbx, %rbx                # pid > 0, so the sum is non-zero for N > 0
    mov   $1, %edi
    lea   msg(%rip), %rsi
    mov   $3, %edx
    mov   $1, %eax                  # write
    syscall
    xor   %edi, %edi
    mov   $231, %eax                # exit_group
    syscall
    ud2
    .section .rodata
msg: .ascii "ok\n"
