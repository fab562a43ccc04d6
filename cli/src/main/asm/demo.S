# lstar demo guest: a static x86-64 Linux program (no libc) that makes many getpid system calls,
# each one going through SYSCALL -> entry_SYSCALL_64 (guest code) -> do_syscall_64 -> SYSRET.
# usage: demo [COUNT]   (default 2000000)
    .equ SYS_write, 1
    .equ SYS_getpid, 39
    .equ SYS_exit_group, 231

    .text
    .globl _start
_start:
    mov   (%rsp), %rcx              # argc
    mov   $2000000, %r12            # default count
    cmp   $2, %rcx
    jb    1f
    mov   16(%rsp), %rsi            # argv[1]
    xor   %r12d, %r12d
2:  movzbl (%rsi), %eax
    sub   $'0', %eax
    cmp   $9, %eax
    ja    1f
    imul  $10, %r12, %r12
    add   %rax, %r12
    inc   %rsi
    jmp   2b
1:
    lea   banner(%rip), %rsi
    mov   $banner_len, %edx
    call  print
    mov   $SYS_getpid, %eax
    syscall
    mov   %rax, %r13                # pid, to check every answer against
    mov   %r12, %r14
    test  %r14, %r14
    jz    3f
loop:
    mov   $SYS_getpid, %eax
    syscall
    cmp   %r13, %rax
    jne   bad
    dec   %r14
    jnz   loop
3:
    lea   done_msg(%rip), %rsi
    mov   $done_len, %edx
    call  print
    xor   %edi, %edi
    mov   $SYS_exit_group, %eax
    syscall
    ud2

bad:
    lea   bad_msg(%rip), %rsi
    mov   $bad_len, %edx
    call  print
    mov   $1, %edi
    mov   $SYS_exit_group, %eax
    syscall
    ud2

# print(rsi = buffer, rdx = length) to stdout
print:
    mov   $1, %edi
    mov   $SYS_write, %eax
    syscall
    ret

    .section .rodata
banner:
    .ascii "demo guest: calling getpid in a loop; every call enters entry_SYSCALL_64 as guest code\n"
    .equ banner_len, . - banner
done_msg:
    .ascii "demo guest: all getpid results matched; exiting with status 0\n"
    .equ done_len, . - done_msg
bad_msg:
    .ascii "demo guest: getpid returned a different value!\n"
    .equ bad_len, . - bad_msg
