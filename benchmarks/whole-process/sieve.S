# sieve [MIB [ROUNDS]]: a byte sieve of Eratosthenes over MIB MiB of anonymous memory (default
# 16), ROUNDS times (default 4): fill every byte with 1, clear the multiples of each prime, count
# the bytes left (primes below MIB*2^20, plus 0 and 1 which are never cleared). Prints the last
# round's count in decimal and exits 0. Memory-bound: byte stores over the whole region each round.
    .equ SYS_write, 1
    .equ SYS_mmap, 9
    .equ SYS_exit_group, 231
    .text
    .globl _start
_start:
    mov   $16, %r12                 # MiB
    mov   $4, %r13                  # rounds
    mov   (%rsp), %r14              # argc
    cmp   $2, %r14
    jb    3f
    mov   16(%rsp), %rsi
    call  atou
    mov   %rax, %r12
    cmp   $3, %r14
    jb    3f
    mov   24(%rsp), %rsi
    call  atou
    mov   %rax, %r13
3:  shl   $20, %r12                 # n = bytes
    xor   %edi, %edi
    mov   %r12, %rsi
    mov   $3, %edx                  # PROT_READ|PROT_WRITE
    mov   $0x22, %r10d              # MAP_PRIVATE|MAP_ANONYMOUS
    mov   $-1, %r8
    xor   %r9d, %r9d
    mov   $SYS_mmap, %eax
    syscall
    cmp   $-4096, %rax
    ja    fail
    mov   %rax, %r15                # base
round:
    xor   %ecx, %ecx                # fill with 1
fill:
    movb  $1, (%r15,%rcx)
    inc   %rcx
    cmp   %r12, %rcx
    jb    fill
    mov   $2, %ecx                  # i
outer:
    mov   %rcx, %rax
    imul  %rcx, %rax                # i*i
    cmp   %r12, %rax
    jae   count
    cmpb  $0, (%r15,%rcx)
    je    next
inner:
    movb  $0, (%r15,%rax)
    add   %rcx, %rax
    cmp   %r12, %rax
    jb    inner
next:
    inc   %rcx
    jmp   outer
count:
    xor   %ecx, %ecx
    xor   %ebx, %ebx
cnt:
    movzbl (%r15,%rcx), %eax
    add   %rax, %rbx
    inc   %rcx
    cmp   %r12, %rcx
    jb    cnt
    dec   %r13
    jnz   round
    # print rbx in decimal
    lea   buf+24(%rip), %rdi
    movb  $10, (%rdi)
    mov   %rbx, %rax
    mov   $10, %ecx
4:  xor   %edx, %edx
    div   %rcx
    add   $'0', %dl
    dec   %rdi
    mov   %dl, (%rdi)
    test  %rax, %rax
    jnz   4b
    lea   buf+25(%rip), %rdx
    sub   %rdi, %rdx
    mov   %rdi, %rsi
    mov   $1, %edi
    mov   $SYS_write, %eax
    syscall
    xor   %edi, %edi
    mov   $SYS_exit_group, %eax
    syscall
fail:
    mov   $1, %edi
    mov   $SYS_exit_group, %eax
    syscall
    ud2
atou:                               # rsi -> decimal string; returns rax
    xor   %eax, %eax
5:  movzbl (%rsi), %edx
    sub   $'0', %edx
    cmp   $9, %edx
    ja    6f
    imul  $10, %rax, %rax
    add   %rdx, %rax
    inc   %rsi
    jmp   5b
6:  ret
    .bss
buf: .skip 32
